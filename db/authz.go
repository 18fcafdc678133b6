package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/authz"
	"credmint/app/issuance"
)

var _ authz.Store = (*Store)(nil)

// authRequestRow is a row of auth_requests. ConfigurationIDs is a JSON
// array; the hashes and references are NULL when empty.
type authRequestRow struct {
	ID                   string     `gorm:"column:id;primaryKey"`
	Stage                string     `gorm:"column:stage"`
	RequestURIHash       *string    `gorm:"column:request_uri_hash"`
	ClientID             string     `gorm:"column:client_id"`
	RedirectURI          string     `gorm:"column:redirect_uri"`
	State                string     `gorm:"column:state"`
	CodeChallenge        string     `gorm:"column:code_challenge"`
	ConfigurationIDs     string     `gorm:"column:configuration_ids"`
	AuthorizationDetails bool       `gorm:"column:authorization_details"`
	OfferID              *string    `gorm:"column:offer_id"`
	UpstreamStateHash    *string    `gorm:"column:upstream_state_hash"`
	NonceHash            string     `gorm:"column:nonce_hash"`
	VerifierSealed       []byte     `gorm:"column:verifier_sealed"`
	BrowserHash          string     `gorm:"column:browser_hash"`
	DatasetsSealed       []byte     `gorm:"column:datasets_sealed"`
	ApplicantID          *string    `gorm:"column:applicant_id"`
	CreatedAt            time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt            time.Time  `gorm:"column:expires_at"`
	ConsumedAt           *time.Time `gorm:"column:consumed_at"`
}

func (authRequestRow) TableName() string { return "auth_requests" }

func toAuthRequestRow(r *authz.Request) (authRequestRow, error) {
	ids, err := encodeJSON("auth_requests.configuration_ids", r.ConfigurationIDs)
	if err != nil {
		return authRequestRow{}, err
	}
	return authRequestRow{
		ID: r.ID, Stage: string(r.Stage), RequestURIHash: nullIfEmpty(r.RequestURIHash), ClientID: r.ClientID,
		RedirectURI: r.RedirectURI, State: r.State, CodeChallenge: r.CodeChallenge, ConfigurationIDs: ids,
		AuthorizationDetails: r.AuthorizationDetails, OfferID: nullIfEmpty(r.OfferID), UpstreamStateHash: nullIfEmpty(r.UpstreamStateHash),
		NonceHash: r.NonceHash, VerifierSealed: nilIfEmpty(r.VerifierSealed), BrowserHash: r.BrowserHash,
		DatasetsSealed: nilIfEmpty(r.DatasetsSealed), ApplicantID: nullIfEmpty(r.ApplicantID),
		CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt), ConsumedAt: utcPtr(r.ConsumedAt),
	}, nil
}

func (r *authRequestRow) request() (*authz.Request, error) {
	ids, err := decodeStrings("auth_requests.configuration_ids", r.ConfigurationIDs)
	if err != nil {
		return nil, err
	}
	return &authz.Request{
		ID: r.ID, Stage: authz.Stage(r.Stage), RequestURIHash: emptyIfNull(r.RequestURIHash), ClientID: r.ClientID,
		RedirectURI: r.RedirectURI, State: r.State, CodeChallenge: r.CodeChallenge, ConfigurationIDs: ids,
		AuthorizationDetails: r.AuthorizationDetails, OfferID: emptyIfNull(r.OfferID), UpstreamStateHash: emptyIfNull(r.UpstreamStateHash),
		NonceHash: r.NonceHash, VerifierSealed: nilIfEmpty(r.VerifierSealed), BrowserHash: r.BrowserHash,
		DatasetsSealed: nilIfEmpty(r.DatasetsSealed), ApplicantID: emptyIfNull(r.ApplicantID),
		CreatedAt: fromDB(r.CreatedAt), ExpiresAt: fromDB(r.ExpiresAt), ConsumedAt: fromDBPtr(r.ConsumedAt),
	}, nil
}

// authCodeRow is a row of auth_codes.
type authCodeRow struct {
	ID                   string     `gorm:"column:id;primaryKey"`
	Hash                 string     `gorm:"column:hash"`
	RequestID            string     `gorm:"column:request_id"`
	ClientID             string     `gorm:"column:client_id"`
	RedirectURI          string     `gorm:"column:redirect_uri"`
	CodeChallenge        string     `gorm:"column:code_challenge"`
	ConfigurationIDs     string     `gorm:"column:configuration_ids"`
	AuthorizationDetails bool       `gorm:"column:authorization_details"`
	OfferID              *string    `gorm:"column:offer_id"`
	ApplicantID          *string    `gorm:"column:applicant_id"`
	DatasetsSealed       []byte     `gorm:"column:datasets_sealed"`
	CreatedAt            time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt            time.Time  `gorm:"column:expires_at"`
	UsedAt               *time.Time `gorm:"column:used_at"`
	AccessTokenID        *string    `gorm:"column:access_token_id"`
}

func (authCodeRow) TableName() string { return "auth_codes" }

func toAuthCodeRow(c *authz.Code) (authCodeRow, error) {
	ids, err := encodeJSON("auth_codes.configuration_ids", c.ConfigurationIDs)
	if err != nil {
		return authCodeRow{}, err
	}
	return authCodeRow{
		ID: c.ID, Hash: c.Hash, RequestID: c.RequestID, ClientID: c.ClientID, RedirectURI: c.RedirectURI,
		CodeChallenge: c.CodeChallenge, ConfigurationIDs: ids, AuthorizationDetails: c.AuthorizationDetails,
		OfferID: nullIfEmpty(c.OfferID), ApplicantID: nullIfEmpty(c.ApplicantID), DatasetsSealed: nilIfEmpty(c.DatasetsSealed),
		CreatedAt: utc(c.CreatedAt), ExpiresAt: utc(c.ExpiresAt), UsedAt: utcPtr(c.UsedAt), AccessTokenID: nullIfEmpty(c.AccessTokenID),
	}, nil
}

func (r *authCodeRow) code() (*authz.Code, error) {
	ids, err := decodeStrings("auth_codes.configuration_ids", r.ConfigurationIDs)
	if err != nil {
		return nil, err
	}
	return &authz.Code{
		ID: r.ID, Hash: r.Hash, RequestID: r.RequestID, ClientID: r.ClientID, RedirectURI: r.RedirectURI,
		CodeChallenge: r.CodeChallenge, ConfigurationIDs: ids, AuthorizationDetails: r.AuthorizationDetails,
		OfferID: emptyIfNull(r.OfferID), ApplicantID: emptyIfNull(r.ApplicantID), DatasetsSealed: nilIfEmpty(r.DatasetsSealed),
		CreatedAt: fromDB(r.CreatedAt), ExpiresAt: fromDB(r.ExpiresAt), UsedAt: fromDBPtr(r.UsedAt), AccessTokenID: emptyIfNull(r.AccessTokenID),
	}, nil
}

// CreateAuthRequest inserts r. issuance.ErrConflict when its id, request
// URI hash or upstream state hash exists.
func (s *Store) CreateAuthRequest(ctx context.Context, r *authz.Request) error {
	row, err := toAuthRequestRow(r)
	if err != nil {
		return err
	}
	err = s.write(ctx).Create(&row).Error
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create auth request: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create auth request: %w", err)
	}
	return nil
}

// AuthRequest returns the request with id, or issuance.ErrNotFound.
func (s *Store) AuthRequest(ctx context.Context, id string) (*authz.Request, error) {
	return s.authRequestWhere(ctx, "id = ?", id)
}

// AuthRequestByURI returns the request whose request URI hash is hash.
func (s *Store) AuthRequestByURI(ctx context.Context, hash string) (*authz.Request, error) {
	return s.authRequestWhere(ctx, "request_uri_hash = ?", hash)
}

// AuthRequestByState returns the request whose upstream state hash is hash.
func (s *Store) AuthRequestByState(ctx context.Context, hash string) (*authz.Request, error) {
	return s.authRequestWhere(ctx, "upstream_state_hash = ?", hash)
}

func (s *Store) authRequestWhere(ctx context.Context, cond, arg string) (*authz.Request, error) {
	var row authRequestRow
	err := s.read(ctx).Where(cond, arg).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read auth request: %w", err)
	}
	return row.request()
}

// StartLogin moves request id from pushed to login with l, by one
// conditional update (pushed and unexpired at now): of concurrent uses of
// one request_uri exactly one wins. issuance.ErrConflict otherwise.
func (s *Store) StartLogin(ctx context.Context, id string, l authz.Login, now time.Time) error {
	res := s.write(ctx).Exec(`UPDATE auth_requests SET stage = ?, upstream_state_hash = ?, nonce_hash = ?, verifier_sealed = ?, browser_hash = ?, expires_at = ?
		WHERE id = ? AND stage = ? AND expires_at > ?`,
		string(authz.StageLogin), l.UpstreamStateHash, l.NonceHash, l.VerifierSealed, l.BrowserHash, utc(l.ExpiresAt),
		id, string(authz.StagePushed), utc(now))
	return conditional(res, "start login of auth request "+id)
}

// FinishLogin stores the datasets of request id and moves it from login to
// consent, by one conditional update (login and unexpired at now).
func (s *Store) FinishLogin(ctx context.Context, id string, datasetsSealed []byte, applicantID string, now time.Time) error {
	res := s.write(ctx).Exec(`UPDATE auth_requests SET stage = ?, datasets_sealed = ?, applicant_id = ?
		WHERE id = ? AND stage = ? AND expires_at > ?`,
		string(authz.StageConsent), datasetsSealed, nullIfEmpty(applicantID), id, string(authz.StageLogin), utc(now))
	return conditional(res, "finish login of auth request "+id)
}

// conditional turns the result of a conditional update into nil, or
// issuance.ErrConflict when it changed no row.
func conditional(res *gorm.DB, what string) error {
	switch {
	case res.Error != nil:
		return fmt.Errorf("db: %s: %w", what, res.Error)
	case res.RowsAffected == 0:
		return fmt.Errorf("db: %s: %w", what, issuance.ErrConflict)
	}
	return nil
}

// CloseAuthRequest moves request id from one of the stages from to done
// (unexpired at now) by one conditional update, inserts code when not nil
// and writes ev, in one transaction. issuance.ErrConflict, with nothing
// written, when the request was not in those stages or had expired.
func (s *Store) CloseAuthRequest(ctx context.Context, id string, from []authz.Stage, now time.Time, code *authz.Code, ev audit.Event) error {
	stages := make([]string, len(from))
	for i, st := range from {
		stages[i] = string(st)
	}
	insertCode := func(tx *gorm.DB) error {
		if code == nil {
			return nil
		}
		row, err := toAuthCodeRow(code)
		if err != nil {
			return err
		}
		return tx.Create(&row).Error
	}
	now = utc(now)
	err := s.transition(ctx, ev, insertCode,
		"UPDATE auth_requests SET stage = ?, consumed_at = ?, verifier_sealed = NULL WHERE id = ? AND stage IN ? AND expires_at > ?",
		string(authz.StageDone), now, id, stages, now)
	switch {
	case errors.Is(err, errUnchanged), isDuplicate(err):
		return fmt.Errorf("db: close auth request %s: %w", id, issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: close auth request %s: %w", id, err)
	}
	return nil
}

// AuthCode returns the code whose hash is hash, or issuance.ErrNotFound.
func (s *Store) AuthCode(ctx context.Context, hash string) (*authz.Code, error) {
	var row authCodeRow
	err := s.read(ctx).Where("hash = ?", hash).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, issuance.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read auth code: %w", err)
	}
	return row.code()
}

// RedeemAuthCode spends the code whose hash is hash by one conditional
// update (unused and unexpired at now), redeems the code's offer when it
// has one (created or fetched and unexpired: the offer's issuer_state is
// used once), inserts tok and rt (when not nil) and writes ev, in one
// transaction. Of concurrent
// redemptions exactly one wins; issuance.ErrConflict, with nothing written,
// for the others.
func (s *Store) RedeemAuthCode(ctx context.Context, hash string, now time.Time, tok *issuance.AccessToken, rt *authz.RefreshToken, ev audit.Event) error {
	row, err := toAccessTokenRow(tok)
	if err != nil {
		return err
	}
	now = utc(now)
	then := func(tx *gorm.DB) error {
		if tok.OfferID != "" {
			res := tx.Exec("UPDATE offers SET state = ?, redeemed_at = ? WHERE id = ? AND grant_type = ? AND state IN ? AND expires_at > ?",
				string(issuance.OfferRedeemed), now, tok.OfferID, issuance.GrantAuthorizationCode, preRedemption, now)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return errUnchanged
			}
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return insertRefreshToken(tx, rt)
	}
	err = s.transition(ctx, ev, then,
		"UPDATE auth_codes SET used_at = ?, access_token_id = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?",
		now, tok.ID, hash, now)
	switch {
	case errors.Is(err, errUnchanged), isDuplicate(err):
		return fmt.Errorf("db: redeem auth code: %w", issuance.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: redeem auth code: %w", err)
	}
	return nil
}

// RevokeAuthCodeTokens revokes the access token issued with the code whose
// hash is hash (when not revoked yet) and the refresh token family of the
// code, and writes ev, in one transaction.
func (s *Store) RevokeAuthCodeTokens(ctx context.Context, hash string, at time.Time, ev audit.Event) error {
	at = utc(at)
	err := s.transact(ctx, func(tx *gorm.DB) error {
		err := tx.Exec(`UPDATE access_tokens SET revoked_at = ?
			WHERE revoked_at IS NULL AND id IN (SELECT access_token_id FROM auth_codes WHERE hash = ?)`, at, hash).Error
		if err != nil {
			return err
		}
		// The refresh tokens descended from the code go too.
		if err := revokeFamily(tx, "family_id IN (SELECT id FROM auth_codes WHERE hash = ?)", hash, at); err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("db: revoke tokens of auth code: %w", err)
	}
	return nil
}

// PurgeAuthz deletes authorization requests and codes that expired before
// cutoff; it returns how many rows went.
func (s *Store) PurgeAuthz(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.transact(ctx, func(tx *gorm.DB) error {
		for _, stmt := range []string{"DELETE FROM auth_codes WHERE expires_at < ?", "DELETE FROM auth_requests WHERE expires_at < ?"} {
			res := tx.Exec(stmt, utc(cutoff))
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("db: purge authorization requests: %w", err)
	}
	return n, nil
}
