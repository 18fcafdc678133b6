package credential

import (
	"context"
	"io"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"

	"credmint/app/keys"
)

// Format issues credentials of one format. Implementations live in
// subpackages and are registered in a Formats registry.
type Format interface {
	// ID is the OID4VCI format identifier, e.g. "dc+sd-jwt".
	ID() string
	// Validate checks the format-specific fields of c. Errors are
	// *FieldError values.
	Validate(c *Configuration) error
	// Metadata returns the format-specific members of c's entry in
	// credential_configurations_supported (e.g. "vct").
	Metadata(c *Configuration) map[string]any
	// Issue builds and signs one credential. The result is what goes into
	// the "credential" member of the credential response.
	Issue(ctx context.Context, req IssueRequest) (any, error)
}

// IssueRequest is everything a Format needs to produce one credential.
type IssueRequest struct {
	Configuration *Configuration
	// Issuer is the Credential Issuer Identifier.
	Issuer string
	// Claims is the credential dataset, already checked against the
	// configuration with CheckDataset.
	Claims map[string]any
	// HolderKey is the public key the credential is bound to, from a
	// verified proof. Nil when the configuration does not bind.
	HolderKey *jose.JSONWebKey
	IssuedAt  time.Time
	ExpiresAt time.Time
	Signer    keys.Signer
	// Rand is the source for salts and other randomness.
	Rand io.Reader
	// Status is the credential's entry in a status list (Token Status
	// List), nil when the issuer keeps no status for it. SD-JWT VC and
	// jwt_vc_json put it in status.status_list, mdoc in the MSO's status.
	Status *StatusReference
}

// StatusReference points at one entry of a status list: the list's URI and
// the index of the credential's bits in it.
type StatusReference struct {
	URI   string
	Index int
}

// KeyPurposer is implemented by formats that sign with keys of their own
// purpose (mso_mdoc signs with a document signer key whose certificate is
// issued by the IACA). Other formats sign with keys.PurposeCredential.
type KeyPurposer interface {
	KeyPurpose() string
}

// KeyPurpose returns the signing key purpose of format f.
func KeyPurpose(f Format) string {
	if kp, ok := f.(KeyPurposer); ok {
		return kp.KeyPurpose()
	}
	return keys.PurposeCredential
}

// Formats is a registry of Format plugins keyed by format identifier.
type Formats struct {
	m map[string]Format
}

// NewFormats returns a registry holding fs.
func NewFormats(fs ...Format) *Formats {
	r := &Formats{m: map[string]Format{}}
	for _, f := range fs {
		r.m[f.ID()] = f
	}
	return r
}

// Lookup returns the format registered under id.
func (r *Formats) Lookup(id string) (Format, bool) {
	f, ok := r.m[id]
	return f, ok
}

// Hider is implemented by formats that are registered only to serve
// configurations derived from others (vc+sd-jwt, which issues the draft
// twins of dc+sd-jwt configurations): Hidden reports true, and staff are not
// offered the format when they create a configuration.
type Hider interface {
	Hidden() bool
}

// Fielder is implemented by formats that use format-specific fields of
// Configuration. ConfigurationFields returns their yaml names, e.g.
// "doctype" for mso_mdoc, in the order an editor should show them.
type Fielder interface {
	ConfigurationFields() []string
}

// Selectable returns the identifiers of the formats staff may choose for a
// configuration, sorted: every registered format that is not Hidden.
func (r *Formats) Selectable() []string {
	ids := make([]string, 0, len(r.m))
	for _, id := range r.IDs() {
		if h, ok := r.m[id].(Hider); ok && h.Hidden() {
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// Fields returns the yaml names of the format-specific Configuration fields
// format id uses (see Fielder); nil when id is not registered or uses none.
func (r *Formats) Fields(id string) []string {
	if f, ok := r.m[id].(Fielder); ok {
		return slices.Clone(f.ConfigurationFields())
	}
	return nil
}

// IDs returns the registered format identifiers, sorted.
func (r *Formats) IDs() []string {
	ids := make([]string, 0, len(r.m))
	for id := range r.m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
