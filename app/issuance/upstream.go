package issuance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// UpstreamDatasetKey is the member of an access token's sealed datasets
// (SealDatasets) that holds the upstream identity of the authorization
// code flow (UpstreamIdentity.Dataset) next to the datasets by
// configuration id. Configuration ids start with a letter or digit, so it
// cannot name one.
const UpstreamDatasetKey = "_upstream"

// UpstreamIdentity is who signed in at the upstream provider in the
// authorization code flow: the provider, the subject, the email address
// when the ID token had one, and the upstream claims as each requested
// configuration maps them (upstream_claims). Deferred requests keep it,
// sealed, for the reviewer.
type UpstreamIdentity struct {
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	Email   string `json:"email,omitempty"`
	// Mapped are the mapped upstream claims by configuration id; a
	// deferred request keeps its configuration's only.
	Mapped map[string]map[string]any `json:"mapped,omitempty"`
	// NoMatch are the configurations (no_match: review) for which no
	// applicant matched: their datasets are the mapped claims only, and
	// their credential requests go to a reviewer.
	NoMatch []string `json:"no_match,omitempty"`
}

// unmatched reports whether no applicant matched for configuration id.
func (u *UpstreamIdentity) unmatched(id string) bool {
	return u != nil && slices.Contains(u.NoMatch, id)
}

// Dataset encodes u as the UpstreamDatasetKey member of the datasets.
func (u *UpstreamIdentity) Dataset() (map[string]any, error) {
	raw, err := json.Marshal(u)
	if err != nil {
		return nil, fmt.Errorf("issuance: encoding the upstream identity: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("issuance: encoding the upstream identity: %w", err)
	}
	return out, nil
}

func decodeUpstream(raw []byte) (*UpstreamIdentity, error) {
	var u UpstreamIdentity
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&u); err != nil {
		return nil, fmt.Errorf("issuance: decoding the upstream identity: %w", err)
	}
	return &u, nil
}

// forConfiguration is u with the mapped claims of configuration id only.
func (u *UpstreamIdentity) forConfiguration(id string) *UpstreamIdentity {
	out := &UpstreamIdentity{Issuer: u.Issuer, Subject: u.Subject, Email: u.Email}
	for _, cid := range []string{id, twinBase(id)} {
		if m, ok := u.Mapped[cid]; ok {
			out.Mapped = map[string]map[string]any{id: m}
		}
		if slices.Contains(u.NoMatch, cid) {
			out.NoMatch = []string{id}
		}
		if out.Mapped != nil {
			break
		}
	}
	return out
}

// tokenUpstream is the upstream identity tok carries for configuration
// configID; nil for a token without one (pre-authorized, or issued before
// identities were kept).
func (s *Service) tokenUpstream(tok *AccessToken, configID string) (*UpstreamIdentity, error) {
	if len(tok.ClaimsSealed) == 0 {
		return nil, nil
	}
	raw, err := s.Sealer.Open(tok.ClaimsSealed, datasetsAAD(tok.ID))
	if err != nil {
		return nil, fmt.Errorf("issuance: opening datasets of token %s: %w", tok.ID, err)
	}
	var datasets map[string]json.RawMessage
	if err := json.Unmarshal(raw, &datasets); err != nil {
		return nil, fmt.Errorf("issuance: decoding datasets of token %s: %w", tok.ID, err)
	}
	m, ok := datasets[UpstreamDatasetKey]
	if !ok {
		return nil, nil
	}
	u, err := decodeUpstream(m)
	if err != nil {
		return nil, err
	}
	return u.forConfiguration(configID), nil
}

// upstreamAAD binds a sealed upstream identity to its deferred request.
func upstreamAAD(id string) []byte { return []byte("deferred upstream\x00" + id) }

// sealUpstream seals u for deferred request id; nil for nil.
func (s *Service) sealUpstream(id string, u *UpstreamIdentity) ([]byte, error) {
	if u == nil {
		return nil, nil
	}
	raw, err := json.Marshal(u)
	if err != nil {
		return nil, fmt.Errorf("issuance: encoding the upstream identity: %w", err)
	}
	return s.Sealer.Seal(raw, upstreamAAD(id))
}

// openUpstream opens the upstream identity of d; nil when it has none.
func (s *Service) openUpstream(d *DeferredRequest) (*UpstreamIdentity, error) {
	if len(d.UpstreamSealed) == 0 {
		return nil, nil
	}
	raw, err := s.Sealer.Open(d.UpstreamSealed, upstreamAAD(d.ID))
	if err != nil {
		return nil, fmt.Errorf("issuance: opening the upstream identity of deferred request %s: %w", d.ID, err)
	}
	return decodeUpstream(raw)
}
