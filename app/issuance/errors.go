package issuance

import (
	"fmt"
	"net/http"
	"strings"
)

// OAuth 2.0 (RFC 6749 §5.2, RFC 6750 §3.1, RFC 9396) and OID4VCI 1.0 (§8.3.1.2,
// §9.3, §11.3) error codes.
const (
	CodeInvalidRequest              = "invalid_request"
	CodeInvalidClient               = "invalid_client"
	CodeInvalidGrant                = "invalid_grant"
	CodeUnsupportedGrantType        = "unsupported_grant_type"
	CodeInvalidAuthorizationDetails = "invalid_authorization_details"
	CodeInvalidToken                = "invalid_token"
	CodeInsufficientScope           = "insufficient_scope"
	CodeInvalidCredentialRequest    = "invalid_credential_request"
	CodeUnknownConfiguration        = "unknown_credential_configuration"
	CodeUnknownIdentifier           = "unknown_credential_identifier"
	CodeInvalidProof                = "invalid_proof"
	CodeInvalidNonce                = "invalid_nonce"
	CodeInvalidEncryptionParameters = "invalid_encryption_parameters"
	CodeCredentialRequestDenied     = "credential_request_denied"
	CodeInvalidNotificationID       = "invalid_notification_id"
	CodeInvalidNotificationRequest  = "invalid_notification_request"
	CodeServerError                 = "server_error"
)

// Grant types, token types and other protocol constants.
const (
	GrantPreAuthorizedCode = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token" // RFC 6749 §6, after the authorization code grant only
	TokenTypeBearer        = "Bearer"
	AuthDetailsType        = "openid_credential"
	ProofJWTType           = "openid4vci-proof+jwt"
	OfferURIScheme         = "openid-credential-offer://"
)

// Error is a protocol error: the code and description go to the client as
// {error, error_description}; Status is the HTTP status the spec gives.
type Error struct {
	Code        string
	Description string
	Status      int
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// PublicDescription is Description as it may be sent as error_description:
// RFC 6749 §5.2 (and OID4VCI 1.0 §8.3.1.2) allow only printable ASCII
// without '"' and '\' (%x20-21 / %x23-5B / %x5D-7E). Descriptions quote
// wallet input, so a double quote becomes a single one and every other
// character outside that set (a backslash, control characters, non-ASCII)
// becomes '?'.
func (e *Error) PublicDescription() string { return safeDescription(e.Description) }

// SafeDescription maps s into the character set RFC 6749 §5.2 allows in
// error_description (%x20-21 / %x23-5B / %x5D-7E): double quotes become
// single ones, backslashes, controls and non-ASCII become '?'. The
// authorization server's redirect errors use it too.
func SafeDescription(s string) string { return safeDescription(s) }

// safeDescription maps s into the error_description character set.
func safeDescription(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r < 0x20 || r > 0x7e || r == '\\':
			return '?'
		}
		return r
	}, s)
}

func newError(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

func badRequest(code, format string, args ...any) *Error {
	return newError(http.StatusBadRequest, code, format, args...)
}

func invalidToken(format string, args ...any) *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, format, args...)
}

// ValidationError reports bad input from staff or a back-office system, one
// message per field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid request: %d field(s) rejected", len(e.Fields))
}

func fieldError(field, msg string) *ValidationError {
	return &ValidationError{Fields: map[string]string{field: msg}}
}
