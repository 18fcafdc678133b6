package mdoc

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/fxamacker/cbor/v2"

	"credmint/app/credential"
)

// element is one data element to issue, its value already in CBOR form.
type element struct {
	id    string
	value any
}

// selectElements picks the data elements of the dataset, per namespace, in
// the order the configuration declares them (sorted by name when it
// declares none), converting each value to its CBOR form.
func selectElements(c *credential.Configuration, claims map[string]any) (map[string][]element, error) {
	out := map[string][]element{}
	add := func(ns, id, typ string, v any) error {
		if v == nil {
			return nil
		}
		cv, err := cborValue(typ, v)
		if err != nil {
			return fmt.Errorf("mdoc: %s/%s: %w", ns, id, err)
		}
		out[ns] = append(out[ns], element{id: id, value: cv})
		return nil
	}
	if len(c.Claims) == 0 {
		for _, ns := range slices.Sorted(maps.Keys(claims)) {
			elements, ok := claims[ns].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("mdoc: dataset member %q is not a namespace object {element: value}", ns)
			}
			for _, id := range slices.Sorted(maps.Keys(elements)) {
				if err := add(ns, id, credential.TypeAny, elements[id]); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}
	// One data element per distinct [namespace, element] the claims start
	// with, in the order they first appear. Claims with longer paths type
	// values inside their element (the dates in driving_privileges).
	type plan struct {
		ns, id string
		typ    string
		nested []credential.Claim
	}
	var plans []*plan
	byPath := map[[2]string]*plan{}
	for _, cl := range c.Claims {
		ns, id, ok := elementPath(cl.Path)
		if !ok {
			return nil, fmt.Errorf("mdoc: configuration %s: claim path %s is not [namespace, element, ...]", c.ID, credential.PathString(cl.Path))
		}
		p := byPath[[2]string{ns, id}]
		if p == nil {
			p = &plan{ns: ns, id: id, typ: credential.TypeAny}
			byPath[[2]string{ns, id}] = p
			plans = append(plans, p)
		}
		if len(cl.Path) == 2 {
			p.typ = cl.Type
		} else {
			p.nested = append(p.nested, cl)
		}
	}
	for _, p := range plans {
		// Outer paths first, so a deeper claim's type is the last word on
		// its values whatever the order of the declarations.
		slices.SortStableFunc(p.nested, func(a, b credential.Claim) int { return len(a.Path) - len(b.Path) })
		elements, _ := claims[p.ns].(map[string]any)
		v := elements[p.id]
		if v == nil {
			continue
		}
		cv, err := cborValue(p.typ, v)
		if err != nil {
			return nil, fmt.Errorf("mdoc: %s/%s: %w", p.ns, p.id, err)
		}
		for _, cl := range p.nested {
			if cv, err = typeWithin(cv, cl.Path[2:], cl.Type); err != nil {
				return nil, fmt.Errorf("mdoc: %s: %w", credential.PathString(cl.Path), err)
			}
		}
		out[p.ns] = append(out[p.ns], element{id: p.id, value: cv})
	}
	return out, nil
}

// typeWithin converts the values that path selects inside v, an element
// value already in its natural CBOR form (so its maps and arrays are fresh
// copies, safe to change), to the CBOR form of typ. A path step is a map
// key (string), every array element (null) or one array index (int); a
// step that selects nothing leaves v as it is, and null values stay null.
func typeWithin(v any, path []any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if len(path) == 0 {
		if _, converted := v.(cbor.Tag); converted {
			return v, nil
		}
		return cborValue(typ, v)
	}
	var err error
	switch step := path[0].(type) {
	case string:
		if m, ok := v.(map[string]any); ok {
			if child, ok := m[step]; ok {
				m[step], err = typeWithin(child, path[1:], typ)
			}
		}
	case nil:
		if arr, ok := v.([]any); ok {
			for i := range arr {
				if arr[i], err = typeWithin(arr[i], path[1:], typ); err != nil {
					break
				}
			}
		}
	case int:
		if arr, ok := v.([]any); ok && step >= 0 && step < len(arr) {
			arr[step], err = typeWithin(arr[step], path[1:], typ)
		}
	}
	return v, err
}

// elementPath returns the namespace and element identifier a claim path
// [namespace, element identifier, ...] starts with.
func elementPath(path []any) (ns, id string, ok bool) {
	if len(path) < 2 {
		return "", "", false
	}
	ns, ok1 := path[0].(string)
	id, ok2 := path[1].(string)
	return ns, id, ok1 && ok2
}

// cborValue converts a dataset value (as decoded from JSON) to the value to
// encode: a date claim becomes full-date (tag 1004, RFC 8943), a date-time
// claim tdate (tag 0, UTC, whole seconds), whole numbers integers, and
// everything else its natural CBOR counterpart.
func cborValue(typ string, v any) (any, error) {
	switch typ {
	case credential.TypeDate:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("a date must be a string, not %T", v)
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		return cbor.Tag{Number: tagFullDate, Content: s}, nil
	case credential.TypeDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("a date-time must be a string, not %T", v)
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 date-time", s)
		}
		return tdate(t), nil
	case credential.TypeBytes:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("binary data must be a base64url string, not %T", v)
		}
		b, err := credential.DecodeBytes(s)
		if err != nil {
			return nil, errors.New("binary data is not valid base64url")
		}
		return b, nil
	}
	return natural(v)
}

// natural converts a JSON value to CBOR: objects to maps with text keys,
// arrays to arrays, whole numbers to integers (JSON has only one number
// type; mdoc elements such as age_in_years are uint), other numbers to
// floats, strings, booleans and null as themselves.
func natural(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, bool, int, int64:
		return v, nil
	case cbor.Tag, []byte: // already converted by a deeper claim (typeWithin)
		return v, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			return int64(v), nil
		}
		return v, nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v.String())
		}
		return natural(f)
	case []any:
		out := make([]any, len(v))
		for i, el := range v {
			cv, err := natural(el)
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, el := range v {
			cv, err := natural(el)
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value type %T", v)
}

// permutation returns a uniformly random permutation of 0…n-1
// (Fisher-Yates) drawn from r.
func permutation(r io.Reader, n int) ([]int, error) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j, err := uniform(r, uint32(i+1))
		if err != nil {
			return nil, err
		}
		p[i], p[j] = p[j], p[i]
	}
	return p, nil
}

// uniform returns a uniformly random integer in [0, n), n > 0, drawn from r
// by rejection sampling.
func uniform(r io.Reader, n uint32) (int, error) {
	limit := math.MaxUint32 - math.MaxUint32%n // multiple of n
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		if v := binary.BigEndian.Uint32(b[:]); v < limit {
			return int(v % n), nil
		}
	}
}
