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

// DecodeJSON decodes the request body into v. Unknown members are ignored;
// trailing data, a wrong media type and wrongly typed members are errors that
// name the problem. Numbers decode as json.Number when useNumber is set. A
// body over the limit set by the caller's http.MaxBytesReader returns the
// *http.MaxBytesError.
func DecodeJSON(r *http.Request, v any, useNumber bool) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return ErrMediaType
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if useNumber {
		dec.UseNumber()
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
