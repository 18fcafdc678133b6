package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"credmint/app/credential"
	"credmint/views/components"
	"credmint/views/configurations"
)

// upstreamForm is the login mapping section of the configuration editor as
// posted (see docs/identity-providers.md): upstream_claims as rows of
// parallel fields, and the applicant match.
type upstreamForm struct {
	UpstreamClaim     []string `form:"upstream_claim"`
	UpstreamSource    []string `form:"upstream_source"`
	UpstreamValue     []string `form:"upstream_value"`
	UpstreamSeparator []string `form:"upstream_separator"`
	UpstreamTransform []string `form:"upstream_transform"`

	MatchBy    string `form:"match_by"`
	MatchClaim string `form:"match_upstream_claim"`
	MatchData  string `form:"match_data"`
	NoMatch    string `form:"no_match"`
}

// Sources of an upstream_claims row.
const (
	sourceFrom     = "from"
	sourceFromAll  = "from_all"
	sourceConstant = "constant"
)

// Editor operations of the section.
const (
	opAddUpstream    = "add_upstream"
	opRemoveUpstream = "remove_upstream:"
)

// fill copies the posted section into v.
func (f *upstreamForm) fill(v *configurations.Values) {
	at := func(s []string, i int) string {
		if i < len(s) {
			return s[i]
		}
		return ""
	}
	for i := range f.UpstreamClaim {
		v.Upstream = append(v.Upstream, configurations.UpstreamRow{Claim: strings.TrimSpace(at(f.UpstreamClaim, i)),
			Source: at(f.UpstreamSource, i), Value: strings.TrimSpace(at(f.UpstreamValue, i)),
			// The separator is kept as typed: ", " is not ",".
			Separator: at(f.UpstreamSeparator, i), Transform: at(f.UpstreamTransform, i)})
	}
	v.MatchBy, v.MatchClaim, v.MatchData, v.NoMatch = f.MatchBy, strings.TrimSpace(f.MatchClaim), f.MatchData, f.NoMatch
}

// applyUpstreamOp performs an editor operation of the section on v; false
// when op is none of them.
func applyUpstreamOp(v *configurations.Values, op string) bool {
	switch {
	case op == opAddUpstream:
		v.Upstream = append(v.Upstream, configurations.UpstreamRow{Source: sourceFrom})
	case strings.HasPrefix(op, opRemoveUpstream):
		if i, err := strconv.Atoi(strings.TrimPrefix(op, opRemoveUpstream)); err == nil && i >= 0 && i < len(v.Upstream) {
			v.Upstream = slices.Delete(v.Upstream, i, i+1)
		}
	default:
		return false
	}
	return true
}

// mappingOf sets the upstream login mapping v describes on c, or returns
// the messages of the fields that cannot be read. Validation proper is the
// service's. The defaults (uploaded data wins, deny without a match) are
// stored as absent, as in the configuration file; without matching, the
// match's other choices are ignored.
func mappingOf(v configurations.Values, c *credential.Configuration) components.Errors {
	errs := components.Errors{}
	c.UpstreamClaims, c.ApplicantMatch, c.NoMatch = nil, nil, ""
	for i, r := range v.Upstream {
		key := fmt.Sprintf("upstream_claims[%d]", i)
		u := credential.UpstreamClaim{Claim: r.Claim, Separator: r.Separator, Transform: r.Transform}
		switch r.Source {
		case sourceFrom:
			u.From = r.Value
			if r.Value == "" {
				errs[key+".value"] = "Give the name of the upstream claim, such as given_name."
			}
		case sourceFromAll:
			u.FromAll = splitList(r.Value)
			if len(u.FromAll) == 0 {
				errs[key+".value"] = "Give the names of the upstream claims, separated by spaces."
			}
		case sourceConstant:
			u.Constant = constantOf(r.Value)
			if r.Value == "" {
				errs[key+".value"] = "Give the value."
			}
		default:
			errs[key+".source"] = "Choose where the value comes from."
		}
		c.UpstreamClaims = append(c.UpstreamClaims, u)
	}
	switch v.MatchBy {
	case "":
		if v.MatchClaim != "" {
			errs["match_by"] = "Choose the applicant field the upstream claim is compared with, or leave the upstream claim empty."
		}
	case credential.MatchByEmail, credential.MatchByExternalID:
		c.ApplicantMatch = &credential.ApplicantMatch{By: v.MatchBy, UpstreamClaim: v.MatchClaim, Data: v.MatchData}
		if v.MatchData == credential.DataUploadedWins {
			c.ApplicantMatch.Data = ""
		}
		if v.NoMatch != credential.NoMatchDeny {
			c.NoMatch = v.NoMatch
		}
	default:
		errs["match_by"] = "Choose how applicants are matched from the list."
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// upstreamValuesOf puts the upstream login mapping of c into the editor's
// rows.
func upstreamValuesOf(c *credential.Configuration, v *configurations.Values) {
	for _, u := range c.UpstreamClaims {
		r := configurations.UpstreamRow{Claim: u.Claim, Separator: u.Separator, Transform: u.Transform}
		switch {
		case len(u.FromAll) > 0:
			r.Source, r.Value = sourceFromAll, strings.Join(u.FromAll, " ")
		case u.Constant != nil:
			r.Source, r.Value = sourceConstant, constantText(u.Constant)
		default:
			r.Source, r.Value = sourceFrom, u.From
		}
		v.Upstream = append(v.Upstream, r)
	}
	if m := c.ApplicantMatch; m != nil {
		v.MatchBy, v.MatchClaim, v.MatchData = m.By, m.UpstreamClaim, m.MergePolicy()
	}
	v.NoMatch = c.NoMatchPolicy()
}

// constantOf reads a constant as typed: a JSON number, boolean, object,
// array or quoted string, else the text itself.
func constantOf(s string) any {
	if !json.Valid([]byte(s)) {
		return s
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || v == nil {
		return s // null is the text "null": a constant is never empty
	}
	return v
}

// constantText writes a constant so that constantOf reads it back the
// same: text as it is unless it would read as JSON, everything else as
// JSON.
func constantText(v any) string {
	if s, ok := v.(string); ok {
		if _, isText := constantOf(s).(string); isText {
			return s
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// upstreamField maps a validation error's field of the login mapping to the
// editor's: upstream_claims[1].from to upstream_claims[1].value,
// applicant_match.by to match_by. ok is false for other fields.
func upstreamField(field string) (string, bool) {
	switch field {
	case "applicant_match.by":
		return "match_by", true
	case "applicant_match.upstream_claim":
		return "match_upstream_claim", true
	case "applicant_match.data":
		return "match_data", true
	case "no_match":
		return "no_match", true
	}
	m := indexedField.FindStringSubmatch(field)
	if m == nil || m[1] != "upstream_claims" {
		return "", false
	}
	switch rest := m[3]; rest {
	case ".claim", ".separator", ".transform":
		return "upstream_claims[" + m[2] + "]" + rest, true
	default: // "", .from, .from_all, .constant: the value
		return "upstream_claims[" + m[2] + "].value", true
	}
}
