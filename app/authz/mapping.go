package authz

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"time"

	"credmint/app/credential"
)

// MapUpstream builds a credential dataset from the upstream claims by the
// configuration's upstream_claims. A claim whose source is missing (or
// whose transform does not apply) is left out, so that CheckDataset names
// it when it is mandatory.
func MapUpstream(rules []credential.UpstreamClaim, upstream map[string]any) map[string]any {
	out := map[string]any{}
	for _, r := range rules {
		v, ok := sourceValue(r, upstream)
		if !ok {
			continue
		}
		if v, ok = transform(r.Transform, v); ok {
			setPath(out, strings.Split(r.Claim, "."), v)
		}
	}
	return out
}

func sourceValue(r credential.UpstreamClaim, upstream map[string]any) (any, bool) {
	switch {
	case r.Constant != nil:
		return r.Constant, true
	case r.From != "":
		return lookup(upstream, r.From)
	}
	sep := r.Separator
	if sep == "" {
		sep = " "
	}
	var parts []string
	for _, name := range r.FromAll {
		if v, ok := lookup(upstream, name); ok {
			if s := strings.TrimSpace(text(v)); s != "" {
				parts = append(parts, s)
			}
		}
	}
	if len(parts) == 0 {
		return nil, false
	}
	return strings.Join(parts, sep), true
}

// lookup finds an upstream claim by its name, or by a dotted path into
// objects (the OpenID Connect address claim: "address.country").
func lookup(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok && v != nil {
		return v, true
	}
	var cur any = claims
	for _, part := range strings.Split(name, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// text renders a scalar claim value as text.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// dateLayouts are the date formats TransformDate reads. Dates with slashes
// are read day first (DD/MM/YYYY), as in most of the world.
var dateLayouts = []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "20060102", "02.01.2006", "02/01/2006", "2006/01/02", "2.1.2006"}

// transform applies a credential.Transform* to v; false when it cannot.
func transform(kind string, v any) (any, bool) {
	switch kind {
	case "":
		return v, true
	case credential.TransformLower, credential.TransformUpper:
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		if kind == credential.TransformLower {
			return strings.ToLower(s), true
		}
		return strings.ToUpper(s), true
	case credential.TransformDate:
		return parseDate(v)
	}
	return nil, false
}

// parseDate reads a date in one of dateLayouts, or as Unix seconds, and
// returns it as YYYY-MM-DD.
func parseDate(v any) (any, bool) {
	s := strings.TrimSpace(text(v))
	if _, isString := v.(string); !isString {
		if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(secs, 0).UTC().Format("2006-01-02"), true
		}
	}
	for _, layout := range dateLayouts {
		// Year 0000 is OpenID Connect's "year withheld" (Core §5.1):
		// not a date a credential can carry.
		if t, err := time.Parse(layout, s); err == nil && t.Year() > 0 {
			return t.Format("2006-01-02"), true
		}
	}
	return nil, false
}

// setPath sets the claim at path in m, creating objects on the way.
func setPath(m map[string]any, path []string, v any) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// merge returns base with over laid on top: objects are merged member by
// member, anything else in over replaces base's value.
func merge(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range over {
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := out[k].(map[string]any); ok {
				out[k] = merge(bm, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// describeValue renders a claim value for the consent page.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = describeValue(e)
		}
		return strings.Join(parts, ", ")
	}
	return text(v)
}
