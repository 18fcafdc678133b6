package configurations

// Values are the editor's fields as text, one row per display locale and
// per claim.
type Values struct {
	ID               string
	Format           string
	VCT              string
	Scope            string
	Validity         string
	Binding          string
	SigningAlgs      string
	ProofSigningAlgs string
	ReviewPolicy     string

	// Format-specific fields; the editor shows those the chosen format
	// names (credential.Fielder). Types and Contexts are separated by
	// spaces.
	Doctype      string
	VCDM         string
	Types        string
	Contexts     string
	HolderDIDJWK bool
	DraftTwin    bool

	// TxCodeMode is "" (the issuer's default), "required" or "none".
	TxCodeMode        string
	TxCodeInputMode   string
	TxCodeLength      string
	TxCodeDescription string

	Displays []DisplayRow
	Claims   []ClaimRow

	// The upstream login mapping (authorization code flow): one row per
	// upstream_claims entry, and applicant_match / no_match. MatchBy ""
	// means no applicant matching.
	Upstream   []UpstreamRow
	MatchBy    string
	MatchClaim string
	MatchData  string
	NoMatch    string
}

// UpstreamRow is one upstream_claims entry. Source is "from", "from_all"
// or "constant"; Value is the upstream claim's name, the names separated
// by spaces, or the constant (JSON for numbers, booleans, objects and
// arrays, else text).
type UpstreamRow struct {
	Claim, Source, Value, Separator, Transform string
}

// DisplayRow is the display of the credential in one locale.
type DisplayRow struct {
	Locale, Name, Description, LogoURI, LogoAlt, BackgroundColor, TextColor string
}

// Empty reports whether the row says nothing but (maybe) a locale: it only
// adds a column for claim names.
func (d DisplayRow) Empty() bool {
	return d.Name == "" && d.Description == "" && d.LogoURI == "" && d.LogoAlt == "" && d.BackgroundColor == "" && d.TextColor == ""
}

// ClaimRow is one claim; Names has one entry per locale column.
type ClaimRow struct {
	Path      string
	Type      string
	Mandatory bool
	Selective bool
	Names     []string
}

// Locales are the columns of claim names: the display rows' locales, or
// one column without a locale when there is no display row.
func (v Values) Locales() []string {
	if len(v.Displays) == 0 {
		return []string{""}
	}
	out := make([]string, len(v.Displays))
	for i, d := range v.Displays {
		out[i] = d.Locale
	}
	return out
}

// DisplayRow returns the row of the n-th display entry that is not empty.
func (v Values) DisplayRow(n int) int {
	for i, d := range v.Displays {
		if d.Empty() {
			continue
		}
		if n == 0 {
			return i
		}
		n--
	}
	return n
}
