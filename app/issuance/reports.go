package issuance

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Read models of the console's credentials list and dashboard. The db
// package answers them with index-backed queries.

// CredentialQuery selects issued credentials, newest first. Empty fields do
// not filter.
type CredentialQuery struct {
	ConfigurationID string
	OfferID         string
	ApplicantID     string
	// Thumbprint matches the start of the holder key's JWK thumbprint.
	Thumbprint string
	// IssuedFrom and IssuedTo bound the issue time: from <= issued_at < to.
	IssuedFrom, IssuedTo time.Time
	// Before selects credentials older than the cursor (the next page),
	// After newer ones (the previous page); at most one is set.
	Before, After *CredentialCursor
	// Limit is the page size; 0 means 50, at most 500.
	Limit int
}

// PageLimit returns the page size q asks for.
func (q CredentialQuery) PageLimit() int {
	switch {
	case q.Limit <= 0:
		return 50
	case q.Limit > 500:
		return 500
	}
	return q.Limit
}

// CredentialCursor is a position in the credentials list, which is ordered
// by (issued_at, id).
type CredentialCursor struct {
	IssuedAt time.Time
	ID       string
}

// String encodes c for a URL: microseconds since the epoch, "_", the id.
func (c CredentialCursor) String() string {
	return strconv.FormatInt(c.IssuedAt.UnixMicro(), 10) + "_" + c.ID
}

// ParseCredentialCursor decodes CredentialCursor.String.
func ParseCredentialCursor(s string) (*CredentialCursor, error) {
	us, id, ok := strings.Cut(s, "_")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, errors.New("issuance: malformed credential cursor")
	}
	return &CredentialCursor{IssuedAt: time.UnixMicro(n).UTC(), ID: id}, nil
}

// CredentialListing is an issued credential with the applicant it was
// issued to, when its offer names one.
type CredentialListing struct {
	IssuedCredential
	ApplicantID   string
	ApplicantName string
}

// CredentialPage is one page of the credentials list, newest first.
type CredentialPage struct {
	Credentials []CredentialListing
	// Older and Newer lead to the neighbouring pages; nil when there is
	// none.
	Older, Newer *CredentialCursor
}

// DayActivity counts what happened on one UTC day.
type DayActivity struct {
	// Day is midnight UTC.
	Day            time.Time
	OffersCreated  int
	OffersRedeemed int
	// OffersExpired counts offers whose expiry fell on the day without
	// their being redeemed (nor revoked or locked before).
	OffersExpired     int
	CredentialsIssued int
}
