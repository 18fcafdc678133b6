package applicants

import (
	"slices"
	"time"
)

// Applicant is one person's data for one credential configuration.
type Applicant struct {
	ID              string
	ConfigurationID string
	// ExternalID is the issuer's own identifier (student number, employee
	// id); unique per configuration. Empty when the issuer has none.
	ExternalID string
	// Name, Email, Phone and Address are for finding the person and for
	// delivering offers (email, SMS, letter). Address is a multi-line
	// postal address block. They are stored in clear so that they can be
	// searched; everything else about the person is in Claims.
	Name    string
	Email   string
	Phone   string
	Address string
	// Claims is the credential dataset, checked against the configuration.
	// Service.Get and Service.Select fill it in; Service.List leaves it nil.
	Claims map[string]any
	// ClaimsSealed is Claims as stored: JSON sealed with the master key,
	// bound to the applicant id.
	ClaimsSealed []byte
	// Flags are markers set by an import or by staff (e.g. "needs_review").
	Flags []string
	// ImportJobID is the import that created the applicant, "" when none,
	// and ImportRow the row of its file (numbered as in a spreadsheet: the
	// header is row 1), 0 when none.
	ImportJobID string
	ImportRow   int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Flags used by credmint.
const (
	// FlagNeedsReview is set and cleared by staff.
	FlagNeedsReview = "needs_review"
	// FlagNoContact is set by an import when a row has neither email,
	// phone nor postal address: no offer can be delivered to the person.
	FlagNoContact = "no_contact"
)

// Flagged reports whether a carries any flag.
func (a *Applicant) Flagged() bool { return len(a.Flags) > 0 }

// HasFlag reports whether a carries flag f.
func (a *Applicant) HasFlag(f string) bool { return slices.Contains(a.Flags, f) }

// Filter selects applicants. The zero Filter selects every applicant.
type Filter struct {
	ConfigurationID string
	ImportJobID     string
	// Query matches the start of the name or of the email address (case
	// does not matter), or the start of the external id (case matters).
	Query string
	// Flagged keeps only applicants with at least one flag.
	Flagged bool
}

// Sort orders of a list.
const (
	// SortNewest lists the most recently created applicants first, by
	// (created_at, id) descending. It is the default.
	SortNewest = "newest"
	// SortName lists by name (case-insensitive), then id.
	SortName = "name"
)

// Page asks for one page of a list.
type Page struct {
	// Cursor is Cursors.Next or Cursors.Prev of a previous page; "" is the
	// first page. It carries the sort order it was made for.
	Cursor string
	// Sort is SortNewest ("" too) or SortName; ignored when Cursor is set.
	Sort string
	// Limit is the page size: 1 to 500, default 50.
	Limit int
}

// Cursors lead from a page to its neighbours; "" when there is none.
type Cursors struct {
	Next, Prev string
}

// Fields an upstream identity can be matched on (Service.Match).
const (
	MatchEmail      = "email"
	MatchExternalID = "external_id"
)
