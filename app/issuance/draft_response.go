package issuance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// The answers to draft requests (draft.go): their response shapes, at the
// credential and the deferred credential endpoints, and the c_nonce the
// drafts put in responses and errors.

// DraftCredentialResponse is the credential response to a draft request.
// ShapeID1 (draft 13): one credential as "credential", several (draft 14)
// as "credentials" of strings. ShapeID2: "credentials" of objects (ID2,
// as 1.0). Both carry a fresh c_nonce; a deferred answer (Status 202)
// carries transaction_id and interval. The deferred endpoint's answer to a
// ShapeID1 request has the credentials and notification_id only (draft 13
// §9.2).
type DraftCredentialResponse struct {
	Credential      any    `json:"credential,omitempty"`
	Credentials     any    `json:"credentials,omitempty"`
	TransactionID   string `json:"transaction_id,omitempty"`
	Interval        int    `json:"interval,omitempty"`
	CNonce          string `json:"c_nonce,omitempty"`
	CNonceExpiresIn int    `json:"c_nonce_expires_in,omitempty"`
	NotificationID  string `json:"notification_id,omitempty"`
	// Status is the HTTP status: 200, or 202 for a deferred answer.
	Status int `json:"-"`
}

func (s *Service) draftResponse(ctx context.Context, shape DraftShape, resp *CredentialResponse) (*DraftCredentialResponse, error) {
	n, err := s.Nonce(ctx)
	if err != nil {
		return nil, err
	}
	dr := &DraftCredentialResponse{CNonce: n.CNonce, CNonceExpiresIn: s.nonceExpiresIn(), NotificationID: resp.NotificationID, Status: http.StatusOK}
	switch {
	case resp.Deferred != nil:
		dr.TransactionID, dr.Interval, dr.Status = resp.Deferred.TransactionID, resp.Deferred.Interval, http.StatusAccepted
	case shape == ShapeID2:
		dr.Credentials = resp.Credentials
	default:
		dr.Credential, dr.Credentials = id1Credentials(resp.Credentials)
	}
	return dr, nil
}

// id1Credentials are the credentials as drafts 13 and 14 answered a
// format-style request: one as "credential", several as "credentials" of
// strings (draft 14).
func id1Credentials(values []IssuedValue) (single, several any) {
	if len(values) == 1 {
		return values[0].Credential, nil
	}
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v.Credential
	}
	return nil, out
}

// draftDeferredResponse is the deferred endpoint's answer to a request that
// had the draft 13 shape: {"credential": …, "notification_id": …} (draft
// 13 §9.2), no c_nonce.
func draftDeferredResponse(resp *CredentialResponse) *DraftCredentialResponse {
	dr := &DraftCredentialResponse{NotificationID: resp.NotificationID, Status: http.StatusOK}
	dr.Credential, dr.Credentials = id1Credentials(resp.Credentials)
	return dr
}

func (s *Service) nonceExpiresIn() int { return int(s.Policy.NonceLifetime.Seconds()) }

// DraftError is an invalid_proof or invalid_nonce error answered to a draft
// request: its body carries a fresh c_nonce, which draft 13 wallets use for
// their next proof (draft 13 §7.3.2). For ShapeID1 requests invalid_nonce,
// which draft 13 does not know, is answered as invalid_proof.
type DraftError struct {
	Err             *Error
	CNonce          string
	CNonceExpiresIn int
}

func (e *DraftError) Error() string { return e.Err.Error() }
func (e *DraftError) Unwrap() error { return e.Err }

// Body is the JSON error body.
func (e *DraftError) Body() any {
	return struct {
		Error           string `json:"error"`
		Description     string `json:"error_description,omitempty"`
		CNonce          string `json:"c_nonce"`
		CNonceExpiresIn int    `json:"c_nonce_expires_in"`
	}{e.Err.Code, e.Err.PublicDescription(), e.CNonce, e.CNonceExpiresIn}
}

// draftError gives proof and nonce errors of a draft request a fresh nonce.
func (s *Service) draftError(ctx context.Context, shape DraftShape, err error) error {
	var pe *Error
	if !errors.As(err, &pe) || (pe.Code != CodeInvalidProof && pe.Code != CodeInvalidNonce) {
		return err
	}
	n, nerr := s.Nonce(ctx)
	if nerr != nil {
		return fmt.Errorf("issuance: minting a c_nonce for a draft error: %w", nerr)
	}
	e := *pe
	if shape == ShapeID1 && e.Code == CodeInvalidNonce {
		e.Code = CodeInvalidProof
	}
	return &DraftError{Err: &e, CNonce: n.CNonce, CNonceExpiresIn: s.nonceExpiresIn()}
}

// withDraftNonce puts c_nonce and c_nonce_expires_in into a token response
// (draft 13 §6.2); 1.0 wallets ignore them.
func (s *Service) withDraftNonce(ctx context.Context, resp *TokenResponse) (*TokenResponse, error) {
	n, err := s.Nonce(ctx)
	if err != nil {
		return nil, err
	}
	resp.CNonce, resp.CNonceExpiresIn = n.CNonce, s.nonceExpiresIn()
	return resp, nil
}
