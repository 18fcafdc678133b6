package db

import (
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// encodeJSON returns the JSON text of v for a NOT NULL JSON column.
func encodeJSON(column string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("db: encode %s: %w", column, err)
	}
	return string(b), nil
}

// encodeJSONOrNull is encodeJSON for a nullable column: NULL when isNil.
func encodeJSONOrNull(column string, v any, isNil bool) (*string, error) {
	if isNil {
		return nil, nil
	}
	s, err := encodeJSON(column, v)
	return &s, err
}

// decodeJSON decodes the JSON text of column into v; NULL leaves v alone.
func decodeJSON(column string, text *string, v any) error {
	if text == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(*text), v); err != nil {
		return fmt.Errorf("db: decode %s: %w", column, err)
	}
	return nil
}

// decodeStrings decodes a JSON array of strings; empty is nil.
func decodeStrings(column, text string) ([]string, error) {
	var out []string
	if err := decodeJSON(column, &text, &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// nullIfEmpty maps "" to NULL, for optional references.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// emptyIfNull maps NULL to "".
func emptyIfNull(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nilIfEmpty maps an empty byte slice to nil, so that NULL, an empty BLOB
// and an empty BYTEA read back alike.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// isNotFound reports whether err is gorm's "record not found".
func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// isDuplicate reports whether err is a unique or primary key violation, on
// either dialect (gorm translates both with TranslateError).
func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }
