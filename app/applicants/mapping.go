package applicants

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"credmint/app/credential"
)

// ClaimTarget is a claim of a configuration that a column (or a form
// field) can fill: a path without "all elements" that is not the parent of
// another such claim.
type ClaimTarget struct {
	Path []any
	// Key is credential.PathString(Path), e.g. address.locality.
	Key string
	// Field is the form field name of the claim: claims[…].
	Field     string
	Label     string
	Type      string
	Mandatory bool
}

// ClaimField is the form field name for the claim with path key k. The
// key is encoded so that the name survives form parsing whatever the
// claim is called.
func ClaimField(k string) string {
	return "claims[" + base64.RawURLEncoding.EncodeToString([]byte(k)) + "]"
}

// Targets returns the claims of cfg a column can fill, in the order cfg
// declares them.
func Targets(cfg *credential.Configuration) []ClaimTarget {
	var settable [][]any
	for _, cl := range cfg.Claims {
		if !slices.Contains(cl.Path, nil) {
			settable = append(settable, cl.Path)
		}
	}
	var out []ClaimTarget
	for _, cl := range cfg.Claims {
		if slices.Contains(cl.Path, nil) || isParent(cl.Path, settable) {
			continue
		}
		key := credential.PathString(cl.Path)
		out = append(out, ClaimTarget{Path: cl.Path, Key: key, Field: ClaimField(key), Label: claimLabel(cl, key),
			Type: cl.Type, Mandatory: cl.Mandatory})
	}
	return out
}

// isParent reports whether p is a strict prefix of one of paths.
func isParent(p []any, paths [][]any) bool {
	for _, q := range paths {
		if len(q) > len(p) && slices.Equal(p, q[:len(p)]) {
			return true
		}
	}
	return false
}

// claimLabel is the claim's English (or first) display name, else its path.
func claimLabel(cl credential.Claim, key string) string {
	for _, d := range cl.Display {
		if d.Locale == "" || strings.HasPrefix(strings.ToLower(d.Locale), "en") {
			return d.Name
		}
	}
	if len(cl.Display) > 0 {
		return cl.Display[0].Name
	}
	return key
}

// Header names that usually hold a field, after normalizing (lower case,
// letters and digits only).
var (
	guessExternalID = []string{"externalid", "id", "studentid", "studentnumber", "employeeid", "employeenumber", "personnelnumber",
		"matriculationnumber", "membernumber", "memberid", "customerid", "reference", "ref", "personid"}
	guessName    = []string{"name", "fullname", "displayname", "completename"}
	guessGiven   = []string{"givenname", "firstname", "forename", "givennames", "vorname", "prenom"}
	guessFamily  = []string{"familyname", "lastname", "surname", "nachname", "nom"}
	guessEmail   = []string{"email", "emailaddress", "mail", "emailadresse", "courriel"}
	guessPhone   = []string{"phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "telephone", "tel", "msisdn", "handy"}
	guessAddress = [AddressLines][]string{
		{"address", "addressline1", "address1", "street", "streetaddress", "strasse"},
		{"addressline2", "address2", "postalcode", "postcode", "zip", "zipcode", "plz"},
		{"addressline3", "address3", "city", "town", "locality", "ort", "postalcodecity", "zipcity", "plzort"},
		{"addressline4", "address4", "country"},
	}
)

var nonAlnum = regexp.MustCompile(`[^\p{L}\p{N}]+`)

func normalize(s string) string {
	return nonAlnum.ReplaceAllString(strings.ToLower(s), "")
}

// Guess proposes a mapping of columns to fields by their header names.
func Guess(cfg *credential.Configuration, columns []string) Mapping {
	norm := make([]string, len(columns))
	for i, c := range columns {
		norm[i] = normalize(c)
	}
	find := func(names ...string) string {
		for _, n := range names {
			if i := slices.Index(norm, n); i >= 0 {
				return columns[i]
			}
		}
		return ""
	}
	m := Mapping{
		ExternalID: find(guessExternalID...), Name: find(guessName...),
		GivenName: find(guessGiven...), FamilyName: find(guessFamily...),
		Email: find(guessEmail...), Phone: find(guessPhone...), Claims: map[string]string{},
	}
	for _, names := range guessAddress {
		m.Address = append(m.Address, find(names...))
	}
	for _, t := range Targets(cfg) {
		last, _ := t.Path[len(t.Path)-1].(string)
		if col := find(normalize(t.Key), normalize(last), normalize(t.Label)); col != "" {
			m.Claims[t.Key] = col
		}
	}
	if m.ExternalID == "" {
		// A claim that names an id (employee_id, student_id) is the next
		// best guess.
		for _, t := range Targets(cfg) {
			if n := normalize(t.Key); strings.HasSuffix(n, "id") || strings.HasSuffix(n, "number") {
				if col := m.Claims[t.Key]; col != "" {
					m.ExternalID = col
					break
				}
			}
		}
	}
	return m
}

// mapper is a Mapping resolved against the columns of a file.
type mapper struct {
	cfg                                         *credential.Configuration
	columns                                     []string
	external, name, given, family, email, phone int
	address                                     []int
	claims                                      []mappedClaim
}

type mappedClaim struct {
	ClaimTarget
	col int
}

// Limits on the clear-text fields.
const (
	maxFieldLen   = 500
	maxAddressLen = 1000
)

// compile resolves m against columns. The errors are keyed by form field
// names: external_id, name, given_name, family_name, email, phone, address
// and each claim's Field.
func compile(cfg *credential.Configuration, columns []string, m Mapping) (*mapper, map[string]string) {
	errs := map[string]string{}
	col := func(field, name string) int {
		if name == "" {
			return -1
		}
		i := slices.Index(columns, name)
		if i < 0 {
			errs[field] = fmt.Sprintf("the file has no column %q", name)
		}
		return i
	}
	mp := &mapper{cfg: cfg, columns: columns,
		external: col("external_id", m.ExternalID), name: col("name", m.Name), given: col("given_name", m.GivenName),
		family: col("family_name", m.FamilyName), email: col("email", m.Email), phone: col("phone", m.Phone)}
	if m.Name != "" && (m.GivenName != "" || m.FamilyName != "") {
		errs["name"] = "choose either a name column or given and family name columns, not both"
	}
	for i, a := range m.Address {
		if i >= AddressLines {
			break
		}
		if c := col("address", a); c >= 0 {
			mp.address = append(mp.address, c)
		}
	}
	for _, t := range Targets(cfg) {
		c := col(t.Field, m.Claims[t.Key])
		if c < 0 && t.Mandatory && errs[t.Field] == "" {
			errs[t.Field] = "this claim is mandatory: choose the column that holds it"
		}
		if c >= 0 {
			mp.claims = append(mp.claims, mappedClaim{t, c})
		}
	}
	// Parents before children, so that a child lands inside its parent's
	// object.
	slices.SortStableFunc(mp.claims, func(a, b mappedClaim) int { return len(a.Path) - len(b.Path) })
	if len(errs) > 0 {
		return nil, errs
	}
	return mp, nil
}

// mapped is one row turned into an applicant, with what is wrong with it.
type mapped struct {
	Applicant
	Problems []string
}

// row maps one row of values.
func (mp *mapper) row(values []any) mapped {
	var r mapped
	r.Claims = map[string]any{}
	field := func(label string, c, limit int) string {
		if c < 0 {
			return ""
		}
		s, ok := text(values[c])
		switch {
		case !ok:
			r.Problems = append(r.Problems, fmt.Sprintf("%s (column %q): must be text, not an object or array", label, mp.columns[c]))
		case len(s) > limit:
			r.Problems = append(r.Problems, fmt.Sprintf("%s (column %q): longer than %d characters", label, mp.columns[c], limit))
		case strings.ContainsFunc(s, isControl):
			r.Problems = append(r.Problems, fmt.Sprintf("%s (column %q): contains control characters", label, mp.columns[c]))
		default:
			return s
		}
		return ""
	}
	r.ExternalID = field("external id", mp.external, maxFieldLen)
	r.Name = field("name", mp.name, maxFieldLen)
	if mp.name < 0 {
		r.Name = strings.TrimSpace(field("given name", mp.given, maxFieldLen) + " " + field("family name", mp.family, maxFieldLen))
	}
	r.Email = field("email", mp.email, maxFieldLen)
	if r.Email != "" && !validEmail(r.Email) {
		r.Problems = append(r.Problems, fmt.Sprintf("email (column %q): not an email address", mp.columns[mp.email]))
		r.Email = ""
	}
	r.Phone = field("phone", mp.phone, maxFieldLen)
	var lines []string
	for _, c := range mp.address {
		if s := field("address", c, maxAddressLen); s != "" {
			lines = append(lines, s)
		}
	}
	r.Address = strings.Join(lines, "\n")
	bad := map[string]bool{}
	for _, c := range mp.claims {
		v, reason := convert(c.Type, values[c.col])
		if reason != "" {
			r.Problems = append(r.Problems, fmt.Sprintf("%s (column %q): %s", c.Key, mp.columns[c.col], reason))
			bad[c.Key] = true
			continue
		}
		if v == nil {
			continue
		}
		if err := setPath(r.Claims, c.Path, v); err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s (column %q): %v", c.Key, mp.columns[c.col], err))
			bad[c.Key] = true
		}
	}
	for _, fe := range mp.cfg.CheckDataset(r.Claims) {
		if !bad[fe.Field] {
			r.Problems = append(r.Problems, fe.Field+": "+datasetReason(fe.Reason))
		}
	}
	if r.Email == "" && r.Phone == "" && r.Address == "" {
		r.Flags = []string{FlagNoContact}
	}
	return r
}

func isControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }

var quotedValue = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// datasetReason rewrites a credential.CheckDataset reason for staff,
// without the value it quotes.
func datasetReason(reason string) string {
	if strings.HasPrefix(reason, "is mandatory") {
		return "missing, and the claim is mandatory"
	}
	return quotedValue.ReplaceAllString(reason, "the value")
}
