package issuance

import (
	"context"
	"fmt"
)

// Who gets the draft treatment (draft.go): the wallet clients registered as
// pre_1_0, asked of DraftClients, or every wallet with compat.drafts.

// DraftClients tells which wallet clients speak a pre-1.0 draft: those
// marked pre_1_0 in the configuration file or in the console
// (authz.Clients, with its short cache).
type DraftClients interface {
	// PreDraft reports whether clientID is a registered wallet client
	// marked pre_1_0; false for "" and for unknown or disabled clients.
	PreDraft(ctx context.Context, clientID string) (bool, error)
}

// DraftClientSet is a fixed set of pre-1.0 wallet client ids, for a
// credmint without a wallet client registry (no authorization server).
type DraftClientSet map[string]bool

// PreDraft reports whether clientID is in the set.
func (d DraftClientSet) PreDraft(_ context.Context, clientID string) (bool, error) {
	return clientID != "" && d[clientID], nil
}

// preDraftClient says whether clientID is registered as pre_1_0.
func (s *Service) preDraftClient(ctx context.Context, clientID string) (bool, error) {
	if clientID == "" || s.DraftClients == nil {
		return false, nil
	}
	ok, err := s.DraftClients.PreDraft(ctx, clientID)
	if err != nil {
		return false, fmt.Errorf("issuance: looking up wallet client: %w", err)
	}
	return ok, nil
}

// DraftWallet says whether the wallet client clientID gets the draft
// treatment: c_nonce in token responses and draft request shapes.
func (s *Service) DraftWallet(ctx context.Context, clientID string) (bool, error) {
	if s.Drafts {
		return true, nil
	}
	return s.preDraftClient(ctx, clientID)
}
