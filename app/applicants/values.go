package applicants

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"credmint/app/credential"
)

// convert turns a value from a file or a form into the claim's type. Text
// is trimmed and "" is no value (nil). The reason names what is wrong,
// never the value itself (it is personal data).
func convert(typ string, v any) (any, string) {
	s, isText := v.(string)
	if !isText {
		return convertTyped(typ, v)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, ""
	}
	switch typ {
	case credential.TypeNumber:
		n, ok := parseNumber(s)
		if !ok {
			return nil, "not a number"
		}
		return n, ""
	case credential.TypeInteger:
		n, ok := parseInteger(s)
		if !ok {
			return nil, "not a whole number"
		}
		return n, ""
	case credential.TypeBoolean:
		switch strings.ToLower(s) {
		case "true", "yes", "y", "1":
			return true, ""
		case "false", "no", "n", "0":
			return false, ""
		}
		return nil, "not true/false (or yes/no, 1/0)"
	case credential.TypeDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, "not a date (YYYY-MM-DD)"
		}
	case credential.TypeDateTime:
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return nil, "not a date and time (RFC 3339, e.g. 2025-01-31T09:00:00Z)"
		}
	case credential.TypeBytes:
		if _, err := credential.DecodeBytes(s); err != nil {
			return nil, "not base64url-encoded binary data"
		}
	case credential.TypeObject, credential.TypeArray:
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil || dec.More() {
			return nil, "not valid JSON"
		}
		return convertTyped(typ, x)
	}
	return s, ""
}

// convertTyped checks a value that already has a JSON type (from a JSON
// file): numbers and booleans may stand for text, text for the rest.
func convertTyped(typ string, v any) (any, string) {
	switch x := v.(type) {
	case nil:
		return nil, ""
	case json.Number:
		switch typ {
		case credential.TypeString:
			return x.String(), ""
		case credential.TypeNumber, credential.TypeAny:
			return x, ""
		case credential.TypeInteger:
			if n, ok := parseInteger(x.String()); ok {
				return n, ""
			}
			return nil, "not a whole number"
		}
	case bool:
		switch typ {
		case credential.TypeString:
			return strconv.FormatBool(x), ""
		case credential.TypeBoolean, credential.TypeAny:
			return x, ""
		}
	case map[string]any:
		if typ == credential.TypeObject || typ == credential.TypeAny {
			return x, ""
		}
	case []any:
		if typ == credential.TypeArray || typ == credential.TypeAny {
			return x, ""
		}
	}
	return nil, "must be " + typeName(typ)
}

func typeName(typ string) string {
	switch typ {
	case credential.TypeString:
		return "text"
	case credential.TypeNumber:
		return "a number"
	case credential.TypeInteger:
		return "a whole number"
	case credential.TypeBoolean:
		return "true or false"
	case credential.TypeDate:
		return "a date (YYYY-MM-DD)"
	case credential.TypeDateTime:
		return "a date and time (RFC 3339)"
	case credential.TypeObject:
		return "a JSON object"
	case credential.TypeArray:
		return "a JSON array"
	case credential.TypeBytes:
		return "base64url binary data"
	}
	return "a value"
}

var integerPattern = regexp.MustCompile(`^[+-]?[0-9]+$`)

// parseInteger accepts decimal integers of any size, and "42.0".
func parseInteger(s string) (json.Number, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".0"), ".00")
	if !integerPattern.MatchString(s) {
		return "", false
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return "", false
	}
	return json.Number(n.String()), true
}

// parseNumber accepts a JSON-style decimal number, or one with a decimal
// comma ("1,5") as European spreadsheets write it.
func parseNumber(s string) (json.Number, bool) {
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "xXpP_") || strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") ||
		strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") || strings.EqualFold(s, "nan") {
		return "", false
	}
	if n, ok := parseInteger(s); ok {
		return n, true
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), true
}

// text turns a field value from a file into text: JSON numbers and
// booleans are written out, objects and arrays are refused.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return strings.TrimSpace(x), true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// validEmail reports whether s is a bare email address (no display name).
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}

// setPath stores v at path in data, making the objects and arrays on the
// way. A path element that is nil (all elements) cannot be set.
func setPath(data map[string]any, path []any, v any) error {
	var cur any = data
	for i, el := range path {
		last := i == len(path)-1
		switch p := el.(type) {
		case string:
			obj, ok := cur.(map[string]any)
			if !ok {
				return fmt.Errorf("%s is not an object", credential.PathString(path[:i]))
			}
			if last {
				obj[p] = v
				return nil
			}
			next, ok := obj[p]
			if !ok || next == nil {
				next = emptyFor(path[i+1])
				obj[p] = next
			}
			if arr, isArr := next.([]any); isArr {
				if idx, isInt := path[i+1].(int); isInt && idx >= len(arr) {
					next = append(arr, make([]any, idx+1-len(arr))...)
					obj[p] = next
				}
			}
			cur = next
		case int:
			arr, ok := cur.([]any)
			if !ok || p >= len(arr) {
				return fmt.Errorf("%s is not an array", credential.PathString(path[:i]))
			}
			if last {
				arr[p] = v
				return nil
			}
			if arr[p] == nil {
				arr[p] = emptyFor(path[i+1])
			}
			if sub, isArr := arr[p].([]any); isArr {
				if idx, isInt := path[i+1].(int); isInt && idx >= len(sub) {
					arr[p] = append(sub, make([]any, idx+1-len(sub))...)
				}
			}
			cur = arr[p]
		default:
			return fmt.Errorf("%s selects several values", credential.PathString(path[:i+1]))
		}
	}
	return nil
}

func emptyFor(next any) any {
	if _, ok := next.(string); ok {
		return map[string]any{}
	}
	return []any{}
}

// deletePath removes the value at path, if any.
func deletePath(data map[string]any, path []any) {
	parents := credential.Select(data, path[:len(path)-1])
	if len(parents) != 1 {
		return
	}
	switch p := path[len(path)-1].(type) {
	case string:
		if obj, ok := parents[0].(map[string]any); ok {
			delete(obj, p)
		}
	case int:
		if arr, ok := parents[0].([]any); ok && p < len(arr) {
			arr[p] = nil
		}
	}
}

// format writes a claim value as a form shows it.
func format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}
