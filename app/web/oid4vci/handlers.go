// Package oid4vci holds the public HTTP endpoints wallets call (OID4VCI 1.0
// Final), one file per endpoint. Each handler parses the request, makes one
// issuance.Service call and writes the result; protocol rules live in
// app/issuance.
package oid4vci

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
)

// Handlers serve the wallet-facing endpoints.
type Handlers struct {
	svc *issuance.Service
}

// New returns the handlers over svc.
func New(svc *issuance.Service) *Handlers {
	return &Handlers{svc: svc}
}

// noStore writes v as JSON with Cache-Control: no-store, as every token,
// nonce and credential response must have.
func noStore(c *gin.Context, status int, v any) {
	c.Header("Cache-Control", "no-store")
	c.JSON(status, v)
}

// bearerToken extracts the access token from the Authorization header
// (RFC 6750 §2.1; the scheme is case-insensitive). Tokens in the query or
// body are not accepted (FAPI 2.0).
func bearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", &issuance.Error{Code: issuance.CodeInvalidToken, Description: "send the access token as Authorization: Bearer <token>", Status: http.StatusUnauthorized}
	}
	return strings.TrimSpace(token), nil
}

// accessToken reads the bearer token of the request and resolves it with
// authenticate (Service.Authenticate, or AuthenticateDeferred for the
// deferred endpoint).
func accessToken(c *gin.Context, authenticate func(context.Context, string) (*issuance.AccessToken, error)) (*issuance.AccessToken, error) {
	token, err := bearerToken(c.Request)
	if err != nil {
		return nil, err
	}
	return authenticate(c.Request.Context(), token)
}

// badBody is the error for an unreadable body in an endpoint's own vocabulary.
func badBody(code string, err error) error {
	return &issuance.Error{Code: code, Description: err.Error(), Status: http.StatusBadRequest}
}
