package credential

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Select resolves a claims path pointer against data and returns the values
// it selects (Appendix C.1). It returns no values when the path selects
// nothing.
func Select(data any, path []any) []any {
	current := []any{data}
	for _, el := range path {
		var next []any
		for _, v := range current {
			switch p := el.(type) {
			case string:
				if obj, ok := v.(map[string]any); ok {
					if child, ok := obj[p]; ok {
						next = append(next, child)
					}
				}
			case nil:
				if arr, ok := v.([]any); ok {
					next = append(next, arr...)
				}
			case int:
				if arr, ok := v.([]any); ok && p >= 0 && p < len(arr) {
					next = append(next, arr[p])
				}
			}
		}
		current = next
	}
	return current
}

// CheckDataset checks a credential dataset against c: every mandatory claim
// is present and not null, and every declared claim has its declared type.
// It returns one FieldError per problem, with Field set to the claim path.
func (c *Configuration) CheckDataset(data map[string]any) []FieldError {
	var errs []FieldError
	for _, cl := range c.Claims {
		values := Select(data, cl.Path)
		name := PathString(cl.Path)
		if len(values) == 0 || (len(values) == 1 && values[0] == nil) {
			if cl.Mandatory {
				errs = append(errs, FieldError{name, fmt.Sprintf("is mandatory for %s", c.ID)})
			}
			continue
		}
		for _, v := range values {
			if v == nil {
				continue
			}
			if reason := checkType(cl.Type, v); reason != "" {
				errs = append(errs, FieldError{name, reason})
				break
			}
		}
	}
	return errs
}

// UndeclaredClaims returns the members of data, as dotted paths, that no
// claim of c declares: a top-level member no claim path starts with, or a
// member of an object whose declared claims all name its children (as
// mdoc's [namespace, element] paths do) but not this one. A claim path that
// ends at a member, or goes on with an array step, declares everything
// below it. It returns nil when c declares no claims (open datasets).
func (c *Configuration) UndeclaredClaims(data map[string]any) []string {
	if len(c.Claims) == 0 {
		return nil
	}
	root := &claimNode{}
	for _, cl := range c.Claims {
		n := root
		for _, el := range cl.Path {
			name, ok := el.(string)
			if !ok || n.all {
				break
			}
			if n.children == nil {
				n.children = map[string]*claimNode{}
			}
			if n.children[name] == nil {
				n.children[name] = &claimNode{}
			}
			n = n.children[name]
		}
		n.all = true
	}
	var out []string
	var walk func(n *claimNode, prefix string, obj map[string]any)
	walk = func(n *claimNode, prefix string, obj map[string]any) {
		for name, v := range obj {
			child := n.children[name]
			switch {
			case child == nil:
				out = append(out, prefix+name)
			case !child.all:
				if sub, ok := v.(map[string]any); ok {
					walk(child, prefix+name+".", sub)
				}
			}
		}
	}
	walk(root, "", data)
	slices.Sort(out)
	return out
}

// claimNode is a step of the tree of declared claim paths; all means the
// claim is declared whole from here down.
type claimNode struct {
	children map[string]*claimNode
	all      bool
}

// TopLevelClaims returns the claim names c declares at the top level of a
// dataset.
func (c *Configuration) TopLevelClaims() []string {
	var names []string
	for _, cl := range c.Claims {
		if s, ok := cl.Path[0].(string); ok {
			names = append(names, s)
		}
	}
	return names
}

func checkType(typ string, v any) string {
	switch typ {
	case TypeAny:
		return ""
	case TypeString:
		if _, ok := v.(string); !ok {
			return "must be a string"
		}
	case TypeNumber:
		if !isNumber(v) {
			return "must be a number"
		}
	case TypeInteger:
		if !isInteger(v) {
			return "must be an integer"
		}
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			return "must be true or false"
		}
	case TypeDate:
		s, ok := v.(string)
		if !ok {
			return "must be a date (YYYY-MM-DD)"
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Sprintf("%q is not a date (YYYY-MM-DD)", s)
		}
	case TypeDateTime:
		s, ok := v.(string)
		if !ok {
			return "must be an RFC 3339 date-time"
		}
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return fmt.Sprintf("%q is not an RFC 3339 date-time", s)
		}
	case TypeObject:
		if _, ok := v.(map[string]any); !ok {
			return "must be an object"
		}
	case TypeArray:
		if _, ok := v.([]any); !ok {
			return "must be an array"
		}
	case TypeBytes:
		s, ok := v.(string)
		if !ok {
			return "must be base64url-encoded binary data"
		}
		if _, err := DecodeBytes(s); err != nil {
			return "is not valid base64url"
		}
	}
	return ""
}

// DecodeBytes decodes the base64url text of a TypeBytes claim; padding is
// optional.
func DecodeBytes(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func isNumber(v any) bool {
	switch v.(type) {
	case float64, float32, int, int64, json.Number:
		return true
	}
	return false
}

func isInteger(v any) bool {
	switch n := v.(type) {
	case int, int64:
		return true
	case float64:
		return n == math.Trunc(n) && !math.IsInf(n, 0)
	case json.Number:
		if _, err := n.Int64(); err == nil {
			return true
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
	}
	return false
}
