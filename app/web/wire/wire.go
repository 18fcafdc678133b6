// Package wire holds what credmint's JSON endpoints share on the wire: the
// error body and strict-but-tolerant request decoding (size limits, media
// type, unknown members ignored as OID4VCI §0 requires).
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Body is the error body of every JSON endpoint: OAuth's {error,
// error_description}, plus field messages for the admin API.
type Body struct {
	Error       string            `json:"error"`
	Description string            `json:"error_description,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
}

// Quote makes s safe inside a quoted-string of a WWW-Authenticate header.
func Quote(s string) string {
	return strings.NewReplacer(`\`, ``, `"`, `'`, "\r", " ", "\n", " ").Replace(s)
}

// ErrMediaType is returned by DecodeJSON for a body that is not JSON.
var ErrMediaType = errors.New("the request body must be application/json")

// Options change how DecodeJSON reads a body.
type Options struct {
	// UseNumber decodes numbers into interface values as json.Number.
	UseNumber bool
	// Strict refuses unknown members of the top-level object. Protocol
	// endpoints must ignore them (OID4VCI §0); the admin API refuses them
	// so that a misspelt field is not silently dropped.
	Strict bool
}

// DecodeJSON decodes the request body into v. Trailing data, a wrong media
// type and wrongly typed members are errors that name the problem. A body
// over the limit set by the caller's http.MaxBytesReader returns the
// *http.MaxBytesError.
func DecodeJSON(r *http.Request, v any, o Options) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return ErrMediaType
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if o.UseNumber {
		dec.UseNumber()
	}
	if o.Strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return describe(err)
	}
	if dec.More() {
		return errors.New("the request body has data after the JSON value")
	}
	return nil
}

func describe(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return fmt.Errorf("the request body must be %s", expected(te.Type.Kind().String()))
		}
		return fmt.Errorf("%s must be %s", te.Field, expected(te.Type.Kind().String()))
	case errors.As(err, &se):
		return fmt.Errorf("the request body is not valid JSON (at byte %d)", se.Offset)
	case errors.Is(err, io.EOF):
		return errors.New("the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the request body is truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return fmt.Errorf("the request body is not valid JSON: %v", err)
}

func expected(kind string) string {
	switch kind {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "ptr", "interface":
		return "a value of another type"
	}
	return "a number"
}
