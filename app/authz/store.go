package authz

import (
	"context"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Stage is where an authorization request is.
type Stage string

// Stages of an authorization request, in order. Each move is one
// conditional update, so every step happens at most once.
const (
	// StagePushed: received at PAR, its request_uri not used yet.
	StagePushed Stage = "pushed"
	// StageLogin: the browser was sent to the upstream provider.
	StageLogin Stage = "login"
	// StageConsent: the person logged in; the datasets wait for consent.
	StageConsent Stage = "consent"
	// StageDone: a code was issued or the request was refused.
	StageDone Stage = "done"
)

// Request is an authorization request from PAR or the authorization
// endpoint to the consent decision.
type Request struct {
	ID    string
	Stage Stage
	// RequestURIHash is the hash of the PAR request_uri, "" without PAR.
	RequestURIHash string
	ClientID       string
	RedirectURI    string
	// State is the wallet's state, echoed back in the response.
	State string
	// CodeChallenge is the wallet's PKCE S256 challenge.
	CodeChallenge    string
	ConfigurationIDs []string
	// AuthorizationDetails is true when the wallet used RAR: the token
	// response then carries credential_identifiers.
	AuthorizationDetails bool
	// OfferID is the offer of the request's issuer_state, "" when none.
	OfferID string
	// UpstreamStateHash and NonceHash are the hashes of the state and
	// nonce sent to the upstream provider; VerifierSealed is the upstream
	// PKCE verifier, sealed; BrowserHash the hash of the browser binding
	// cookie.
	UpstreamStateHash string
	NonceHash         string
	VerifierSealed    []byte
	BrowserHash       string
	// DatasetsSealed are the credential datasets by configuration id,
	// sealed, set by the login; ApplicantID the matched applicant.
	DatasetsSealed []byte
	ApplicantID    string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	ConsumedAt     *time.Time
}

// Login is what starting the upstream login stores on a request.
type Login struct {
	UpstreamStateHash string
	NonceHash         string
	VerifierSealed    []byte
	BrowserHash       string
	ExpiresAt         time.Time
}

// Code is an authorization code, stored by hash. It is bound to its client,
// redirect URI and PKCE challenge, lives 60 seconds and is used once.
type Code struct {
	ID                   string
	Hash                 string
	RequestID            string
	ClientID             string
	RedirectURI          string
	CodeChallenge        string
	ConfigurationIDs     []string
	AuthorizationDetails bool
	OfferID              string
	ApplicantID          string
	// DatasetsSealed are the request's datasets (sealed for the request).
	DatasetsSealed []byte
	CreatedAt      time.Time
	ExpiresAt      time.Time
	UsedAt         *time.Time
	// AccessTokenID is the token issued with the code.
	AccessTokenID string
}

// Store is the persistence of the authorization server. Missing records
// are issuance.ErrNotFound; refused conditional changes issuance.ErrConflict.
type Store interface {
	// CreateAuthRequest inserts r.
	CreateAuthRequest(ctx context.Context, r *Request) error
	// AuthRequest returns the request with id.
	AuthRequest(ctx context.Context, id string) (*Request, error)
	// AuthRequestByURI returns the request whose RequestURIHash is hash.
	AuthRequestByURI(ctx context.Context, hash string) (*Request, error)
	// AuthRequestByState returns the request whose UpstreamStateHash is
	// hash.
	AuthRequestByState(ctx context.Context, hash string) (*Request, error)
	// StartLogin stores l on request id and moves it from pushed to login,
	// with one conditional update: only while pushed and unexpired at now
	// (this spends the request_uri).
	StartLogin(ctx context.Context, id string, l Login, now time.Time) error
	// FinishLogin stores the datasets on request id and moves it from login
	// to consent, only while in login and unexpired at now.
	FinishLogin(ctx context.Context, id string, datasetsSealed []byte, applicantID string, now time.Time) error
	// CloseAuthRequest moves request id from one of the stages from to done
	// (only while unexpired at now), inserts code when not nil, and writes
	// ev, in one transaction.
	CloseAuthRequest(ctx context.Context, id string, from []Stage, now time.Time, code *Code, ev audit.Event) error
	// AuthCode returns the code whose Hash is hash.
	AuthCode(ctx context.Context, hash string) (*Code, error)
	// RedeemAuthCode spends the code with one conditional update (unused,
	// unexpired at now), redeems its offer when it has one (created or
	// fetched, unexpired), inserts tok (and rt, when not nil) and writes
	// ev, in one transaction;
	// ErrConflict, with nothing written, when either update is refused.
	RedeemAuthCode(ctx context.Context, hash string, now time.Time, tok *issuance.AccessToken, rt *RefreshToken, ev audit.Event) error
	// RevokeAuthCodeTokens revokes the access token issued with the code
	// and writes ev.
	RevokeAuthCodeTokens(ctx context.Context, hash string, at time.Time, ev audit.Event) error
	// OfferByCode returns the offer whose CodeHash is hash (for
	// issuer_state).
	OfferByCode(ctx context.Context, hash string) (*issuance.Offer, error)
	// Offer returns the offer with id.
	Offer(ctx context.Context, id string) (*issuance.Offer, error)
	RefreshStore
}
