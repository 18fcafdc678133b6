package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"credmint/app/credential"
	"credmint/views/components"
	"credmint/views/configurations"
)

// configurationForm is the configuration editor as posted. Display entries
// and claims are rows of parallel fields; a claim row has one name per
// display locale (claim_name is row-major), and its checkboxes carry the
// row's index as value.
type configurationForm struct {
	Op string `form:"op"`

	ID               string `form:"id"`
	Format           string `form:"format"`
	VCT              string `form:"vct"`
	Scope            string `form:"scope"`
	Validity         string `form:"validity"`
	Binding          string `form:"binding"`
	SigningAlgs      string `form:"signing_algs"`
	ProofSigningAlgs string `form:"proof_signing_algs"`
	ReviewPolicy     string `form:"review_policy"`

	// Format-specific fields (shown when the format names them).
	Doctype      string `form:"doctype"`
	VCDM         string `form:"vcdm"`
	Types        string `form:"types"`
	Contexts     string `form:"contexts"`
	HolderDIDJWK string `form:"holder_did_jwk"`
	DraftTwin    string `form:"draft_twin"`

	TxCodeMode        string `form:"tx_code_mode"`
	TxCodeInputMode   string `form:"tx_code_input_mode"`
	TxCodeLength      string `form:"tx_code_length"`
	TxCodeDescription string `form:"tx_code_description"`

	DisplayLocale          []string `form:"display_locale"`
	DisplayName            []string `form:"display_name"`
	DisplayDescription     []string `form:"display_description"`
	DisplayLogoURI         []string `form:"display_logo_uri"`
	DisplayLogoAlt         []string `form:"display_logo_alt"`
	DisplayBackgroundColor []string `form:"display_background_color"`
	DisplayTextColor       []string `form:"display_text_color"`

	ClaimPath      []string `form:"claim_path"`
	ClaimType      []string `form:"claim_type"`
	ClaimMandatory []string `form:"claim_mandatory"`
	ClaimSelective []string `form:"claim_selective"`
	ClaimName      []string `form:"claim_name"`

	// The login mapping section (configurations_upstream.go).
	upstreamForm
}

// Editor operations that change the form without saving it. opFormat
// re-renders the form with the fields of the chosen format (the button
// browsers without JavaScript use; htmx swaps the fields in at once).
const (
	opFormat       = "format"
	opAddClaim     = "add_claim"
	opRemoveClaim  = "remove_claim:"
	opAddLocale    = "add_locale"
	opRemoveLocale = "remove_locale:"
)

// values turns the posted form into the editor's rows.
func (f *configurationForm) values() configurations.Values {
	at := func(s []string, i int) string {
		if i < len(s) {
			return strings.TrimSpace(s[i])
		}
		return ""
	}
	v := configurations.Values{ID: strings.TrimSpace(f.ID), Format: f.Format, VCT: strings.TrimSpace(f.VCT), Scope: strings.TrimSpace(f.Scope),
		Validity: strings.TrimSpace(f.Validity), Binding: f.Binding, SigningAlgs: strings.TrimSpace(f.SigningAlgs),
		ProofSigningAlgs: strings.TrimSpace(f.ProofSigningAlgs), ReviewPolicy: f.ReviewPolicy,
		TxCodeMode: f.TxCodeMode, TxCodeInputMode: f.TxCodeInputMode, TxCodeLength: strings.TrimSpace(f.TxCodeLength),
		TxCodeDescription: strings.TrimSpace(f.TxCodeDescription)}
	v.Doctype, v.VCDM, v.Types, v.Contexts = strings.TrimSpace(f.Doctype), strings.TrimSpace(f.VCDM), strings.TrimSpace(f.Types), strings.TrimSpace(f.Contexts)
	v.HolderDIDJWK, v.DraftTwin = f.HolderDIDJWK != "", f.DraftTwin != ""
	for i := range f.DisplayLocale {
		v.Displays = append(v.Displays, configurations.DisplayRow{Locale: at(f.DisplayLocale, i), Name: at(f.DisplayName, i),
			Description: at(f.DisplayDescription, i), LogoURI: at(f.DisplayLogoURI, i), LogoAlt: at(f.DisplayLogoAlt, i),
			BackgroundColor: at(f.DisplayBackgroundColor, i), TextColor: at(f.DisplayTextColor, i)})
	}
	cols := max(len(v.Displays), 1)
	for i := range f.ClaimPath {
		row := configurations.ClaimRow{Path: at(f.ClaimPath, i), Type: at(f.ClaimType, i),
			Mandatory: slices.Contains(f.ClaimMandatory, strconv.Itoa(i)), Selective: slices.Contains(f.ClaimSelective, strconv.Itoa(i))}
		for j := range cols {
			row.Names = append(row.Names, at(f.ClaimName, i*cols+j))
		}
		v.Claims = append(v.Claims, row)
	}
	f.upstreamForm.fill(&v)
	return v
}

// applyEditorOp performs an editor operation on v; false when op is not one
// (it is a save).
func applyEditorOp(v *configurations.Values, op string) bool {
	index := func(prefix string, n int) (int, bool) {
		i, err := strconv.Atoi(strings.TrimPrefix(op, prefix))
		return i, err == nil && i >= 0 && i < n
	}
	switch {
	case op == opFormat:
	case op == opAddClaim:
		v.Claims = append(v.Claims, configurations.ClaimRow{Names: make([]string, max(len(v.Displays), 1))})
	case strings.HasPrefix(op, opRemoveClaim):
		if i, ok := index(opRemoveClaim, len(v.Claims)); ok {
			v.Claims = slices.Delete(v.Claims, i, i+1)
		}
	case op == opAddLocale:
		if len(v.Displays) > 0 { // the single column of a form without locales stays the first
			for i := range v.Claims {
				v.Claims[i].Names = append(v.Claims[i].Names, "")
			}
		}
		v.Displays = append(v.Displays, configurations.DisplayRow{})
	case strings.HasPrefix(op, opRemoveLocale):
		i, ok := index(opRemoveLocale, len(v.Displays))
		if !ok {
			break
		}
		v.Displays = slices.Delete(v.Displays, i, i+1)
		for j := range v.Claims {
			if len(v.Displays) > 0 && i < len(v.Claims[j].Names) {
				v.Claims[j].Names = slices.Delete(v.Claims[j].Names, i, i+1)
			}
		}
	default:
		return applyUpstreamOp(v, op)
	}
	return true
}

// configurationOf builds the configuration v describes, or the messages of
// the fields that cannot be read. Validation proper is the service's.
// Of the format-specific fields, only those the format uses (fields, its
// credential.Fielder names) are taken: the others may still be in a form
// whose format was just changed.
func configurationOf(v configurations.Values, fields []string) (credential.Configuration, components.Errors) {
	errs := components.Errors{}
	c := credential.Configuration{ID: v.ID, Format: v.Format, Scope: v.Scope, ReviewPolicy: v.ReviewPolicy,
		SigningAlgs: splitList(v.SigningAlgs), ProofSigningAlgs: splitList(v.ProofSigningAlgs)}
	for _, f := range fields {
		switch f {
		case "vct":
			c.VCT = v.VCT
		case "doctype":
			c.Doctype = v.Doctype
		case "vcdm":
			c.VCDM = v.VCDM
		case "types":
			c.Types = strings.Fields(v.Types)
		case "contexts":
			c.Contexts = strings.Fields(v.Contexts)
		case "holder_did_jwk":
			c.HolderDIDJWK = v.HolderDIDJWK
		case "draft_twin":
			c.DraftTwin = v.DraftTwin
		}
	}
	if v.Binding != "" {
		c.BindingMethods = []string{v.Binding}
	}
	var err error
	if c.Validity, err = parseValidity(v.Validity); err != nil {
		errs["validity"] = err.Error()
	}
	switch v.TxCodeMode {
	case "":
		if v.TxCodeInputMode != "" || v.TxCodeLength != "" || v.TxCodeDescription != "" {
			errs["tx_code_mode"] = "Choose “require a tx_code” or “no tx_code” to give this configuration its own tx_code settings."
		}
	case "required", "none":
		c.TxCode = &credential.TxCodeDefault{Required: v.TxCodeMode == "required", InputMode: v.TxCodeInputMode, Description: v.TxCodeDescription}
		if v.TxCodeLength != "" {
			if c.TxCode.Length, err = strconv.Atoi(v.TxCodeLength); err != nil {
				errs["tx_code_length"] = "Give a number of characters, 4 to 12."
			}
		}
	default:
		errs["tx_code_mode"] = "Choose a tx_code policy from the list."
	}
	locales := v.Locales()
	for _, d := range v.Displays {
		if d.Empty() {
			continue
		}
		cd := credential.Display{Locale: d.Locale, Name: d.Name, Description: d.Description, BackgroundColor: d.BackgroundColor, TextColor: d.TextColor}
		if d.LogoURI != "" || d.LogoAlt != "" {
			cd.Logo = &credential.Image{URI: d.LogoURI, AltText: d.LogoAlt}
		}
		c.Display = append(c.Display, cd)
	}
	for i, r := range v.Claims {
		cl := credential.Claim{Type: r.Type, Mandatory: r.Mandatory, Selective: r.Selective}
		if cl.Path, err = parsePath(r.Path); err != nil {
			errs[fmt.Sprintf("claims[%d].path", i)] = err.Error()
		}
		for j, name := range r.Names {
			if name != "" && j < len(locales) {
				cl.Display = append(cl.Display, credential.ClaimDisplay{Name: name, Locale: locales[j]})
			}
		}
		c.Claims = append(c.Claims, cl)
	}
	if len(errs) > 0 {
		return c, errs
	}
	return c, nil
}

// valuesOf is the editor's rows for a stored configuration. The locale
// columns are the display locales, then any other locale of a claim name.
func valuesOf(c *credential.Configuration) configurations.Values {
	v := configurations.Values{ID: c.ID, Format: c.Format, VCT: c.VCT, Scope: c.Scope, Validity: formatValidity(c.Validity),
		SigningAlgs: strings.Join(c.SigningAlgs, " "), ProofSigningAlgs: strings.Join(c.ProofSigningAlgs, " "), ReviewPolicy: c.Review(),
		Doctype: c.Doctype, VCDM: c.VCDM, Types: strings.Join(c.Types, " "), Contexts: strings.Join(c.Contexts, " "),
		HolderDIDJWK: c.HolderDIDJWK, DraftTwin: c.DraftTwin}
	if len(c.BindingMethods) > 0 {
		v.Binding = c.BindingMethods[0]
	}
	if t := c.TxCode; t != nil {
		v.TxCodeMode, v.TxCodeInputMode, v.TxCodeDescription = "none", t.InputMode, t.Description
		if t.Required {
			v.TxCodeMode = "required"
		}
		if t.Length != 0 {
			v.TxCodeLength = strconv.Itoa(t.Length)
		}
	}
	for _, d := range c.Display {
		row := configurations.DisplayRow{Locale: d.Locale, Name: d.Name, Description: d.Description, BackgroundColor: d.BackgroundColor, TextColor: d.TextColor}
		if d.Logo != nil {
			row.LogoURI, row.LogoAlt = d.Logo.URI, d.Logo.AltText
		}
		v.Displays = append(v.Displays, row)
	}
	for _, cl := range c.Claims {
		for _, d := range cl.Display {
			if !slices.Contains(v.Locales(), d.Locale) {
				v.Displays = append(v.Displays, configurations.DisplayRow{Locale: d.Locale})
			}
		}
	}
	locales := v.Locales()
	for _, cl := range c.Claims {
		row := configurations.ClaimRow{Path: formatPath(cl.Path), Type: cl.Type, Mandatory: cl.Mandatory, Selective: cl.Selective,
			Names: make([]string, max(len(locales), 1))}
		for _, d := range cl.Display {
			if j := slices.Index(locales, d.Locale); j >= 0 {
				row.Names[j] = d.Name
			}
		}
		v.Claims = append(v.Claims, row)
	}
	upstreamValuesOf(c, &v)
	return v
}

// configurationErrors maps a validation error of the configuration to the editor's
// fields: claims[2].path[1] to claims[2].path, claims[0].display[1].name to
// claims[0].names, signing_algs[0] to signing_algs. Display entries that
// were skipped as empty shift the index back to the row's.
func configurationErrors(v configurations.Values, fe *credential.FieldError) components.Errors {
	field := fe.Field
	if f, ok := upstreamField(field); ok {
		field = f
	} else if m := indexedField.FindStringSubmatch(field); m != nil {
		list, i, rest := m[1], m[2], m[3]
		switch list {
		case "claims":
			switch {
			case strings.HasPrefix(rest, ".path"):
				rest = ".path"
			case strings.HasPrefix(rest, ".display"):
				rest = ".names"
			}
			field = "claims[" + i + "]" + rest
		case "display":
			n, _ := strconv.Atoi(i)
			rest = strings.Replace(rest, ".logo.uri", ".logo_uri", 1)
			field = fmt.Sprintf("display[%d]%s", v.DisplayRow(n), rest)
		default: // signing_algs[0], proof_signing_algs[0], binding_methods[0], types[0], contexts[0]
			field = list
		}
	}
	if field == "binding_methods" {
		field = "binding"
	}
	field = strings.Replace(field, "tx_code.", "tx_code_", 1)
	return components.Errors{field: sentenceCase(fe.Reason) + ".", "": "Not saved: " + fe.Field + " " + fe.Reason + "."}
}

var indexedField = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](.*)$`)

// splitList splits a list typed with spaces or commas.
func splitList(s string) []string {
	out := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(out) == 0 {
		return nil
	}
	return out
}

// parseValidity reads "365d", "12h" or "90m"; "" is the default.
func parseValidity(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 36500 {
			return 0, fmt.Errorf("give a number of days like 365d, or hours like 12h")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("give a number of days like 365d, or hours like 12h")
	}
	return d, nil
}

func formatValidity(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	if d == 0 {
		return ""
	}
	return d.String()
}

// parsePath reads a claims path pointer typed as dotted names with
// [*] for all elements and [n] for one (degrees[*].title), or as a JSON
// array (["degrees", null, "title"]) for names the dotted form cannot
// write.
func parsePath(s string) ([]any, error) {
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "[") {
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.UseNumber()
		var raw []any
		if err := dec.Decode(&raw); err != nil || dec.More() {
			return nil, fmt.Errorf(`not a JSON array: write it like ["address", "locality"] or address.locality`)
		}
		for i, el := range raw {
			if n, ok := el.(json.Number); ok {
				v, err := strconv.Atoi(n.String())
				if err != nil {
					return nil, fmt.Errorf("element %d: array indexes are whole numbers", i)
				}
				raw[i] = v
			}
		}
		return raw, nil
	}
	var path []any
	for seg := range strings.SplitSeq(s, ".") {
		name, brackets, _ := strings.Cut(seg, "[")
		if name == "" {
			return nil, fmt.Errorf(`%q: every dot must be followed by a name; use the JSON form ["…"] for unusual names`, s)
		}
		path = append(path, name)
		if brackets == "" && !strings.Contains(seg, "[") {
			continue
		}
		if !strings.HasSuffix(brackets, "]") {
			return nil, fmt.Errorf("%q: brackets hold * or an index, like degrees[*] or degrees[0]", s)
		}
		for b := range strings.SplitSeq(strings.TrimSuffix("["+brackets, "]"), "]") {
			sel, ok := strings.CutPrefix(b, "[")
			if !ok {
				return nil, fmt.Errorf("%q: brackets hold * or an index, like degrees[*] or degrees[0]", s)
			}
			if sel == "*" {
				path = append(path, nil)
				continue
			}
			n, err := strconv.Atoi(sel)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%q: brackets hold * or an index, like degrees[*] or degrees[0]", s)
			}
			path = append(path, n)
		}
	}
	return path, nil
}

// formatPath writes path in the dotted form when parsePath reads it back
// the same, else as JSON.
func formatPath(path []any) string {
	dotted := credential.PathString(path)
	if back, err := parsePath(dotted); err == nil && samePath(back, path) {
		return dotted
	}
	b, _ := json.Marshal(path)
	return string(b)
}

func samePath(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if fmt.Sprintf("%T%v", a[i], a[i]) != fmt.Sprintf("%T%v", b[i], b[i]) {
			return false
		}
	}
	return true
}
