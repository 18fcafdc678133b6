package applicants

import "time"

// Applicant is one person's data for one credential configuration.
type Applicant struct {
	ID              string
	ConfigurationID string
	// ExternalID is the issuer's own identifier (student number, employee
	// id); unique per configuration.
	ExternalID string
	// Name, Email, Phone and Address are for finding the person and for
	// delivering offers (email, SMS, letter). Address is a multi-line
	// postal address block.
	Name    string
	Email   string
	Phone   string
	Address string
	// Claims is the credential dataset, checked against the configuration.
	Claims map[string]any
	// Flags are markers set by an import or the API (e.g. "needs_review").
	Flags       []string
	ImportJobID string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
