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
	}{
		{"valid with unknown members", "application/json", `{"name":"a","count":1,"unknown":{"x":1}}`, ""},
		{"charset parameter", "application/json; charset=utf-8", `{}`, ""},
		{"wrong media type", "text/plain", `{}`, "application/json"},
		{"no media type", "", `{}`, "application/json"},
		{"empty", "application/json", ``, "empty"},
		{"syntax error", "application/json", `{"name":}`, "not valid JSON"},
		{"truncated", "application/json", `{"name":"a"`, "truncated"},
		{"wrong type", "application/json", `{"count":"seven"}`, "count must be a number"},
		{"wrong nested type", "application/json", `{"tags":"x"}`, "tags must be an array"},
		{"not an object", "application/json", `[1,2]`, "the request body must be an object"},
		{"trailing data", "application/json", `{} {}`, "after the JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var b body
			err := DecodeJSON(r, &b, false)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}
