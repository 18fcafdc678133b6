package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"credmint/app/issuance"
	"credmint/app/keys"
)

// Media types and the JWT typ of Status List Tokens (draft -14 §5.1, §14).
const (
	MediaTypeJWT = "application/statuslist+jwt"
	TypJWT       = "statuslist+jwt"
)

// Token is a signed Status List Token and what HTTP caching needs of it.
type Token struct {
	// JWT is the compact JWS of the JWT form (Service.Token); CWT the
	// COSE_Sign1 of the CWT form (Service.CWT). One of them is set.
	JWT       string
	CWT       []byte
	Version   int64
	IssuedAt  time.Time
	ExpiresAt time.Time
	// TTL is the ttl claim: how long a verifier may cache the token.
	TTL time.Duration
}

// MaxAge is how long a cache may keep the token at now: its ttl, never past
// its expiry.
func (t *Token) MaxAge(now time.Time) time.Duration {
	left := t.ExpiresAt.Sub(now)
	return max(0, min(t.TTL, left)).Truncate(time.Second)
}

// Token returns the signed Status List Token of list id: the cached one
// while it shows the list's current version, was signed by the active key
// and is in the first half of its life; otherwise a new one, which is
// cached. issuance.ErrNotFound for an unknown list.
func (s *Service) Token(ctx context.Context, id string) (*Token, error) {
	l, signer, now, err := s.current(ctx, id)
	if err != nil {
		return nil, err
	}
	if t := l.Token; s.fresh(t, l.Version, signer.KeyID(), now) {
		return &Token{JWT: t.JWT, Version: t.Version, IssuedAt: t.IssuedAt, ExpiresAt: t.ExpiresAt, TTL: s.d.TTL}, nil
	}
	if l, err = s.d.Store.StatusList(ctx, id, true); err != nil {
		return nil, err
	}
	tok, err := s.sign(ctx, signer, l, now)
	if err != nil {
		return nil, err
	}
	cached := CachedToken{JWT: tok.JWT, Version: l.Version, KeyID: signer.KeyID(), IssuedAt: tok.IssuedAt, ExpiresAt: tok.ExpiresAt}
	if err := s.d.Store.SaveStatusListToken(ctx, id, cached); err != nil {
		return nil, fmt.Errorf("status: cache token of list %s: %w", id, err)
	}
	return tok, nil
}

// current returns what decides whether a cached token of list id may be
// served: the list (without its statuses), the active status list signer
// and the time. issuance.ErrNotFound for an unknown list.
func (s *Service) current(ctx context.Context, id string) (*List, keys.Signer, time.Time, error) {
	l, err := s.d.Store.StatusList(ctx, id, false)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	signer, err := s.d.Signers.Active(keys.PurposeStatusList)
	if err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("status: no active status list signing key: %w", err)
	}
	return l, signer, s.d.Now(), nil
}

// fresh reports whether the cached token t may still be served.
func (s *Service) fresh(t CachedToken, version int64, kid string, now time.Time) bool {
	if t.JWT == "" || t.Version != version || t.KeyID != kid {
		return false
	}
	return freshAt(t.IssuedAt, t.ExpiresAt, now)
}

// freshAt reports whether a token issued at iat and expiring at exp is in
// the first half of its life at now (and not from a clock far ahead).
func freshAt(iat, exp, now time.Time) bool {
	half := exp.Sub(iat) / 2
	return now.Before(iat.Add(half)) && !now.Before(iat.Add(-time.Minute))
}

// Refresh re-signs the tokens of every list that changed or is past half
// its life, so that GETs rarely sign: the JWT form of every list, and the
// CWT form of the lists this process was asked for in that form. It
// returns how many lists it checked; errors of single lists are joined.
func (s *Service) Refresh(ctx context.Context) (int, error) {
	ids, err := s.d.Store.StatusListIDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("status: refresh: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if _, err := s.Token(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range s.cwt.ids() {
		if _, err := s.CWT(ctx, id); err != nil && !errors.Is(err, issuance.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return len(ids), errors.Join(errs...)
}

// tokenClaims are the claims of a Status List Token (§5.1).
type tokenClaims struct {
	Sub        string         `json:"sub"`
	Iat        int64          `json:"iat"`
	Exp        int64          `json:"exp"`
	TTL        int64          `json:"ttl"`
	StatusList statusListJSON `json:"status_list"`
}

// statusListJSON is the status_list claim (§4.2).
type statusListJSON struct {
	Bits int    `json:"bits"`
	Lst  string `json:"lst"`
}

// sign makes the Status List Token of l: typ statuslist+jwt, kid and, when
// the key has a certificate chain, x5c (leaf first, trust anchor excluded;
// HAIP requires x5c).
func (s *Service) sign(ctx context.Context, signer keys.Signer, l *List, now time.Time) (*Token, error) {
	lst, err := Compress(l.Statuses)
	if err != nil {
		return nil, err
	}
	iat := now.Truncate(time.Second)
	exp := iat.Add(s.d.Validity)
	payload, err := json.Marshal(tokenClaims{Sub: s.URI(l.ID), Iat: iat.Unix(), Exp: exp.Unix(), TTL: int64(s.d.TTL / time.Second),
		StatusList: statusListJSON{Bits: l.Bits, Lst: lst}})
	if err != nil {
		return nil, err
	}
	compact, err := keys.SignJWT(ctx, signer, TypJWT, "", payload)
	if err != nil {
		return nil, fmt.Errorf("status: sign list %s: %w", l.ID, err)
	}
	return &Token{JWT: compact, Version: l.Version, IssuedAt: iat, ExpiresAt: exp, TTL: s.d.TTL}, nil
}
