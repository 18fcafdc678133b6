package credential

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Claim value types a configuration may declare. TypeAny (the zero value)
// accepts any JSON value.
const (
	TypeAny      = ""
	TypeString   = "string"
	TypeNumber   = "number"
	TypeInteger  = "integer"
	TypeBoolean  = "boolean"
	TypeDate     = "date"     // full-date, RFC 3339 "2006-01-02"
	TypeDateTime = "datetime" // RFC 3339 date-time
	TypeObject   = "object"
	TypeArray    = "array"
	// TypeBytes is binary data written in the dataset as base64url (padding
	// optional), such as an mDL portrait. mso_mdoc issues it as a CBOR byte
	// string; the JSON formats keep the base64url text.
	TypeBytes = "bytes"
)

// Holder binding methods and proof types understood by credmint.
const (
	BindingJWK   = "jwk"
	ProofTypeJWT = "jwt"
)

// DefaultValidity is how long a credential is valid when a configuration does
// not say.
const DefaultValidity = 365 * 24 * time.Hour

// Configuration describes one kind of credential the issuer offers: one entry
// of credential_configurations_supported in the issuer metadata.
type Configuration struct {
	ID     string `yaml:"id" json:"id"`
	Format string `yaml:"format" json:"format"`
	// VCT is the SD-JWT VC type (dc+sd-jwt only).
	VCT   string `yaml:"vct,omitempty" json:"vct,omitempty"`
	Scope string `yaml:"scope,omitempty" json:"scope,omitempty"`
	// Doctype is the ISO/IEC 18013-5 document type (mso_mdoc only), e.g.
	// "org.iso.18013.5.1.mDL". Claim paths of an mdoc configuration are
	// [namespace, element identifier].
	Doctype string `yaml:"doctype,omitempty" json:"doctype,omitempty"`
	// VCDM selects the W3C data model version of jwt_vc_json credentials:
	// "1.1" or "2.0" (the default).
	VCDM string `yaml:"vcdm,omitempty" json:"vcdm,omitempty"`
	// Types are the W3C credential types of jwt_vc_json credentials
	// (credential_definition.type); "VerifiableCredential" comes first
	// whether listed or not.
	Types []string `yaml:"types,omitempty" json:"types,omitempty"`
	// Contexts are the JSON-LD contexts added after the data model's base
	// context (jwt_vc_json).
	Contexts []string `yaml:"contexts,omitempty" json:"contexts,omitempty"`
	// HolderDIDJWK makes jwt_vc_json credentials name the holder as
	// credentialSubject.id / sub = did:jwk of the holder key, in addition
	// to cnf.
	HolderDIDJWK bool `yaml:"holder_did_jwk,omitempty" json:"holder_did_jwk,omitempty"`
	// DraftTwin publishes, next to a dc+sd-jwt configuration, a twin
	// "<id>_vc_sd_jwt" with the pre-1.0 format identifier "vc+sd-jwt" for
	// wallets that only know the drafts (SPEC §20).
	DraftTwin bool `yaml:"draft_twin,omitempty" json:"draft_twin,omitempty"`

	Display []Display `yaml:"display,omitempty" json:"display,omitempty"`
	Claims  []Claim   `yaml:"claims,omitempty" json:"claims,omitempty"`

	// Validity is the lifetime of an issued credential (exp - iat).
	Validity time.Duration `yaml:"validity,omitempty" json:"validity,omitempty"`

	// BindingMethods lists cryptographic_binding_methods_supported. Empty
	// means the default, ["jwk"]; ["none"] turns holder binding off.
	BindingMethods []string `yaml:"binding_methods,omitempty" json:"binding_methods,omitempty"`
	// SigningAlgs lists credential_signing_alg_values_supported.
	SigningAlgs []string `yaml:"signing_algs,omitempty" json:"signing_algs,omitempty"`
	// ProofSigningAlgs lists the algorithms accepted in jwt proofs.
	ProofSigningAlgs []string `yaml:"proof_signing_algs,omitempty" json:"proof_signing_algs,omitempty"`

	// Disabled configurations are not published and cannot be offered.
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`

	// TxCode is the tx_code policy of offers of this configuration whose
	// request says nothing about a tx_code; nil means the issuer's default
	// (the tx_code section of the configuration file).
	TxCode *TxCodeDefault `yaml:"tx_code,omitempty" json:"tx_code,omitempty"`
	// ReviewPolicy is ReviewAuto (the default when empty) or ReviewManual:
	// whether credential requests are answered at once or wait for a
	// reviewer (deferred issuance).
	ReviewPolicy string `yaml:"review_policy,omitempty" json:"review_policy,omitempty"`
	// ReviewRules, with ReviewManual, send a request to a reviewer only
	// when one of them fires (ReviewRule* constants); empty means every
	// request of a manual configuration is reviewed.
	ReviewRules []string `yaml:"review_rules,omitempty" json:"review_rules,omitempty"`
	// FourEyes requires the approving reviewer not to be the staff member
	// who created the offer.
	FourEyes bool `yaml:"four_eyes,omitempty" json:"four_eyes,omitempty"`

	// UpstreamClaims, ApplicantMatch and NoMatch say how a person who logs
	// in at the upstream OpenID provider (authorization code flow) gets
	// this credential's dataset; see upstream.go.
	UpstreamClaims []UpstreamClaim `yaml:"upstream_claims,omitempty" json:"upstream_claims,omitempty"`
	ApplicantMatch *ApplicantMatch `yaml:"applicant_match,omitempty" json:"applicant_match,omitempty"`
	NoMatch        string          `yaml:"no_match,omitempty" json:"no_match,omitempty"`
}

// Review policies of a configuration.
const (
	ReviewAuto   = "auto"
	ReviewManual = "manual"
)

// Review rules of a manual configuration.
const (
	// ReviewRuleNoApplicantMatch fires when the request has no applicant.
	ReviewRuleNoApplicantMatch = "no_applicant_match"
	// ReviewRuleClaimsChanged fires when the claims to issue differ from
	// the applicant's current record.
	ReviewRuleClaimsChanged = "claims_changed"
	// ReviewRuleFlagged fires when the applicant carries a flag.
	ReviewRuleFlagged = "flagged"
)

// ReviewRuleNames are the valid review rules.
var ReviewRuleNames = []string{ReviewRuleNoApplicantMatch, ReviewRuleClaimsChanged, ReviewRuleFlagged}

// TxCodeDefault is a configuration's default tx_code policy. Fields left
// zero fall back to the issuer's tx_code settings.
type TxCodeDefault struct {
	// Required gives offers that do not state a tx_code policy a tx_code.
	Required    bool   `yaml:"required" json:"required"`
	InputMode   string `yaml:"input_mode,omitempty" json:"input_mode,omitempty"`
	Length      int    `yaml:"length,omitempty" json:"length,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Review returns the review policy, ReviewAuto when none is set.
func (c *Configuration) Review() string {
	if c.ReviewPolicy == "" {
		return ReviewAuto
	}
	return c.ReviewPolicy
}

// Claim is a claims description (OID4VCI Appendix B) plus credmint's issuing
// policy for the claim.
type Claim struct {
	// Path is a claims path pointer (Appendix C): strings select object
	// members, non-negative integers array elements, nil all elements.
	Path      []any          `yaml:"path" json:"path"`
	Mandatory bool           `yaml:"mandatory,omitempty" json:"mandatory,omitempty"`
	Selective bool           `yaml:"selective,omitempty" json:"selective,omitempty"`
	Type      string         `yaml:"type,omitempty" json:"type,omitempty"`
	Display   []ClaimDisplay `yaml:"display,omitempty" json:"display,omitempty"`
}

// ClaimDisplay is a claim's label in one locale.
type ClaimDisplay struct {
	Name   string `yaml:"name" json:"name"`
	Locale string `yaml:"locale,omitempty" json:"locale,omitempty"`
}

// Display is how a wallet shows the credential in one locale.
type Display struct {
	Name            string `yaml:"name" json:"name"`
	Locale          string `yaml:"locale,omitempty" json:"locale,omitempty"`
	Description     string `yaml:"description,omitempty" json:"description,omitempty"`
	BackgroundColor string `yaml:"background_color,omitempty" json:"background_color,omitempty"`
	TextColor       string `yaml:"text_color,omitempty" json:"text_color,omitempty"`
	Logo            *Image `yaml:"logo,omitempty" json:"logo,omitempty"`
	BackgroundImage *Image `yaml:"background_image,omitempty" json:"background_image,omitempty"`
}

// Image is a logo or background image reference.
type Image struct {
	URI     string `yaml:"uri" json:"uri"`
	AltText string `yaml:"alt_text,omitempty" json:"alt_text,omitempty"`
}

// FieldError names the configuration field that is wrong and why.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
	scopePattern = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`) // RFC 6749 §3.3 scope-token
	localeTag    = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)
	colorPattern = regexp.MustCompile(`^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$`)
)

var knownTypes = []string{TypeAny, TypeString, TypeNumber, TypeInteger, TypeBoolean, TypeDate, TypeDateTime, TypeObject, TypeArray, TypeBytes}

// Normalize fills defaults into c. It is idempotent.
func (c *Configuration) Normalize() {
	if c.Validity == 0 {
		c.Validity = DefaultValidity
	}
	if len(c.BindingMethods) == 0 {
		c.BindingMethods = []string{BindingJWK}
	}
	if len(c.SigningAlgs) == 0 {
		c.SigningAlgs = []string{"ES256"}
	}
	if len(c.ProofSigningAlgs) == 0 {
		c.ProofSigningAlgs = []string{"ES256", "EdDSA"}
	}
	// JSON decodes path indexes as float64; keep them as int.
	for i := range c.Claims {
		for j, el := range c.Claims[i].Path {
			if f, ok := el.(float64); ok && f == float64(int(f)) {
				c.Claims[i].Path[j] = int(f)
			}
		}
	}
}

// RequiresBinding reports whether credentials of c are bound to a holder key,
// so that requests must carry proofs.
func (c *Configuration) RequiresBinding() bool {
	return !(len(c.BindingMethods) == 1 && c.BindingMethods[0] == "none")
}

// Validate checks the format-independent rules of c and, through formats, the
// format-specific ones. The error is a *FieldError naming the field.
func (c *Configuration) Validate(formats *Formats) error {
	if !idPattern.MatchString(c.ID) {
		return &FieldError{"id", "must be 1-128 letters, digits, '.', '_', ':' or '-'"}
	}
	f, ok := formats.Lookup(c.Format)
	if !ok {
		return &FieldError{"format", fmt.Sprintf("unsupported format %q (supported: %s)", c.Format, strings.Join(formats.IDs(), ", "))}
	}
	if c.Scope != "" && !scopePattern.MatchString(c.Scope) {
		return &FieldError{"scope", "must be a single RFC 6749 scope token (no spaces or quotes)"}
	}
	if c.Validity < 0 {
		return &FieldError{"validity", "must be positive"}
	}
	if c.ReviewPolicy != "" && c.ReviewPolicy != ReviewAuto && c.ReviewPolicy != ReviewManual {
		return &FieldError{"review_policy", fmt.Sprintf("must be %s or %s, not %q", ReviewAuto, ReviewManual, c.ReviewPolicy)}
	}
	if err := c.validateReview(); err != nil {
		return err
	}
	if err := validateTxCode(c.TxCode); err != nil {
		return err
	}
	if err := validateDisplays(c.Display); err != nil {
		return err
	}
	if err := validateClaims(c.Claims); err != nil {
		return err
	}
	if err := c.validateUpstream(); err != nil {
		return err
	}
	for i, m := range c.BindingMethods {
		if m != BindingJWK && !(m == "none" && len(c.BindingMethods) == 1) {
			return &FieldError{fmt.Sprintf("binding_methods[%d]", i), fmt.Sprintf("unsupported binding method %q (supported: jwk, or none alone)", m)}
		}
	}
	for i, alg := range c.ProofSigningAlgs {
		if !slices.Contains(SupportedProofAlgs, alg) {
			return &FieldError{fmt.Sprintf("proof_signing_algs[%d]", i), fmt.Sprintf("unsupported algorithm %q (supported: %s)", alg, strings.Join(SupportedProofAlgs, ", "))}
		}
	}
	return f.Validate(c)
}

// SupportedProofAlgs are the JOSE algorithms credmint verifies in key proofs.
var SupportedProofAlgs = []string{"ES256", "ES384", "EdDSA"}

// validateTxCode checks the limits OID4VCI §4.1.1 leaves to the issuer, the
// same the admin API applies to an offer's tx_code.
func validateTxCode(t *TxCodeDefault) error {
	if t == nil {
		return nil
	}
	if t.InputMode != "" && t.InputMode != "numeric" && t.InputMode != "text" {
		return &FieldError{"tx_code.input_mode", fmt.Sprintf("must be numeric or text, not %q", t.InputMode)}
	}
	if t.Length != 0 && (t.Length < 4 || t.Length > 12) {
		return &FieldError{"tx_code.length", "must be between 4 and 12"}
	}
	if len(t.Description) > 300 {
		return &FieldError{"tx_code.description", "must be at most 300 characters"}
	}
	return nil
}

func validateDisplays(ds []Display) error {
	seen := map[string]bool{}
	for i, d := range ds {
		field := fmt.Sprintf("display[%d]", i)
		if strings.TrimSpace(d.Name) == "" {
			return &FieldError{field + ".name", "is required"}
		}
		if d.Locale != "" && !localeTag.MatchString(d.Locale) {
			return &FieldError{field + ".locale", fmt.Sprintf("%q is not a BCP 47 language tag", d.Locale)}
		}
		if seen[strings.ToLower(d.Locale)] {
			return &FieldError{field + ".locale", fmt.Sprintf("locale %q appears twice", d.Locale)}
		}
		seen[strings.ToLower(d.Locale)] = true
		for name, col := range map[string]string{"background_color": d.BackgroundColor, "text_color": d.TextColor} {
			if col != "" && !colorPattern.MatchString(col) {
				return &FieldError{field + "." + name, fmt.Sprintf("%q is not a #rgb or #rrggbb colour", col)}
			}
		}
		for name, img := range map[string]*Image{"logo": d.Logo, "background_image": d.BackgroundImage} {
			if img != nil && img.URI == "" {
				return &FieldError{field + "." + name + ".uri", "is required"}
			}
			if img != nil && !imageURI(img.URI) {
				return &FieldError{field + "." + name + ".uri", fmt.Sprintf("%q is not an https:, http: or data: URI, nor a path starting with /", img.URI)}
			}
		}
	}
	return nil
}

func validateClaims(claims []Claim) error {
	seen := map[string]int{}
	for i, cl := range claims {
		field := fmt.Sprintf("claims[%d]", i)
		if len(cl.Path) == 0 {
			return &FieldError{field + ".path", "must not be empty"}
		}
		for j, el := range cl.Path {
			switch v := el.(type) {
			case string:
				if v == "" || v == "_sd" || v == "..." {
					return &FieldError{fmt.Sprintf("%s.path[%d]", field, j), fmt.Sprintf("%q is not a usable claim name", v)}
				}
			case nil:
			case int:
				if v < 0 {
					return &FieldError{fmt.Sprintf("%s.path[%d]", field, j), "array index must not be negative"}
				}
			default:
				return &FieldError{fmt.Sprintf("%s.path[%d]", field, j), fmt.Sprintf("must be a string, a non-negative integer or null, not %T", el)}
			}
		}
		if _, ok := cl.Path[0].(string); !ok {
			return &FieldError{field + ".path[0]", "must be a claim name"}
		}
		key := PathString(cl.Path)
		if prev, dup := seen[key]; dup {
			return &FieldError{field + ".path", fmt.Sprintf("duplicate claim path %s (also claims[%d])", key, prev)}
		}
		seen[key] = i
		if !slices.Contains(knownTypes, cl.Type) {
			return &FieldError{field + ".type", fmt.Sprintf("unknown type %q (known: %s)", cl.Type, strings.Join(knownTypes[1:], ", "))}
		}
		localeSeen := map[string]bool{}
		for j, d := range cl.Display {
			if strings.TrimSpace(d.Name) == "" {
				return &FieldError{fmt.Sprintf("%s.display[%d].name", field, j), "is required"}
			}
			if d.Locale != "" && !localeTag.MatchString(d.Locale) {
				return &FieldError{fmt.Sprintf("%s.display[%d].locale", field, j), fmt.Sprintf("%q is not a BCP 47 language tag", d.Locale)}
			}
			if localeSeen[strings.ToLower(d.Locale)] {
				return &FieldError{fmt.Sprintf("%s.display[%d].locale", field, j), fmt.Sprintf("locale %q appears twice", d.Locale)}
			}
			localeSeen[strings.ToLower(d.Locale)] = true
		}
	}
	// A path may not treat a claim as an object in one place and as an array
	// in another, nor address one array with both null and an index
	// (Appendix B.2).
	kinds := map[string]string{}
	for i, cl := range claims {
		for j := 0; j < len(cl.Path)-1; j++ {
			prefix := PathString(cl.Path[:j+1])
			kind := "object"
			switch cl.Path[j+1].(type) {
			case nil:
				kind = "array[*]"
			case int:
				kind = "array[i]"
			}
			if k, ok := kinds[prefix]; ok && k != kind {
				return &FieldError{fmt.Sprintf("claims[%d].path", i), fmt.Sprintf("%s is addressed both as %s and as %s", prefix, k, kind)}
			}
			kinds[prefix] = kind
		}
	}
	return nil
}

// imageURI reports whether uri is an image reference credmint can publish:
// an http(s) or data URI, or a path on the issuer's host (starting with /).
// Other schemes (javascript:, file:) and bare names are refused.
func imageURI(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || strings.ContainsAny(uri, " \t\r\n") {
		return false
	}
	switch u.Scheme {
	case "https", "http":
		return u.Host != ""
	case "data":
		return u.Opaque != ""
	case "":
		return strings.HasPrefix(uri, "/") && !strings.HasPrefix(uri, "//")
	}
	return false
}

// PathString renders a claims path pointer for messages and map keys, e.g.
// address.locality or nationalities[*].
func PathString(path []any) string {
	var b strings.Builder
	for i, el := range path {
		switch v := el.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case nil:
			b.WriteString("[*]")
		default:
			fmt.Fprintf(&b, "[%v]", v)
		}
	}
	return b.String()
}

// validateReview checks review_rules and four_eyes against the policy.
func (c *Configuration) validateReview() error {
	for i, r := range c.ReviewRules {
		if !slices.Contains(ReviewRuleNames, r) {
			return &FieldError{fmt.Sprintf("review_rules[%d]", i), fmt.Sprintf("must be one of %s, not %q", strings.Join(ReviewRuleNames, ", "), r)}
		}
	}
	if len(c.ReviewRules) > 0 && c.Review() != ReviewManual {
		return &FieldError{"review_rules", "needs review_policy: manual"}
	}
	if c.FourEyes && c.Review() != ReviewManual {
		return &FieldError{"four_eyes", "needs review_policy: manual"}
	}
	return nil
}
