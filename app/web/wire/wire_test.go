package wire

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	type body struct {
		Name  string         `json:"name"`
		Count int            `json:"count"`
		Tags  []string       `json:"tags"`
		Extra map[string]any `json:"extra"`
	}
	tests := []struct {
		name, contentType, body, wantErr string
		strict                           bool
	}{
		{"valid with unknown members", "application/json", `{"name":"a","count":1,"unknown":{"x":1}}`, "", false},
		{"charset parameter", "application/json; charset=utf-8", `{}`, "", false},
		{"wrong media type", "text/plain", `{}`, "application/json", false},
		{"no media type", "", `{}`, "application/json", false},
		{"empty", "application/json", ``, "empty", false},
		{"syntax error", "application/json", `{"name":}`, "not valid JSON", false},
		{"truncated", "application/json", `{"name":"a"`, "truncated", false},
		{"wrong type", "application/json", `{"count":"seven"}`, "count must be a number", false},
		{"wrong nested type", "application/json", `{"tags":"x"}`, "tags must be an array", false},
		{"not an object", "application/json", `[1,2]`, "the request body must be an object", false},
		{"trailing data", "application/json", `{} {}`, "after the JSON value", false},
		{"strict refuses unknown members", "application/json", `{"nmae":"a"}`, `unknown field "nmae"`, true},
		{"strict allows nested unknown members", "application/json", `{"extra":{"anything":1}}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var b body
			err := DecodeJSON(r, &b, Options{Strict: tt.strict})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}
