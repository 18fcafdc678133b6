package oid4vci

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/status"
)

func TestStatusForm(t *testing.T) {
	const jwt, cwt = "application/statuslist+jwt", "application/statuslist+cwt"
	tests := []struct {
		accept string
		want   string // "" for 406
	}{
		{"", jwt},
		{"*/*", jwt},
		{"application/*", jwt},
		{jwt, jwt},
		{"application/jwt", jwt},
		{cwt, cwt},
		{"application/cwt", cwt},
		{cwt + ", " + jwt, jwt}, // a tie: the default
		{jwt + ";q=0.5, " + cwt, cwt},
		{cwt + ";q=0.9, */*;q=0.1", cwt},
		{jwt + ";q=0, */*", cwt}, // the JWT excluded, */* admits the CWT
		{cwt + ";q=0, */*", jwt},
		{"text/html", ""},
		{jwt + ";q=0, " + cwt + ";q=0", ""},
		{"application/json;q=1, text/*", ""},
		{"garbage;;", ""},
		{cwt + ";q=2", ""}, // an invalid quality is ignored
	}
	for _, tt := range tests {
		got, ok := statusForm(tt.accept)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("statusForm(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "br, gzip": true, "GZIP;q=0.5": true, "gzip;q=0": false,
		"gzip; q=0.0": false, "deflate": false, "gzip;q=x": false, "x-gzip": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

type fixedTokens struct{ jwt string }

func (f fixedTokens) Token(context.Context, string) (*status.Token, error) {
	now := time.Now()
	return &status.Token{JWT: f.jwt, Version: 1, IssuedAt: now, ExpiresAt: now.Add(time.Hour), TTL: time.Hour}, nil
}
func (f fixedTokens) CWT(context.Context, string) (*status.Token, error) {
	return nil, errors.New("no CWT")
}

// TestStatusListGzip checks that a large JWT is sent gzip-compressed to a
// client that accepts it, and as is to one that does not.
func TestStatusListGzip(t *testing.T) {
	gin.SetMode(gin.TestMode)
	jwt := strings.Repeat("eyJhbGciOiJFUzI1NiJ9", 200)
	r := gin.New()
	r.GET("/status/:id", func(c *gin.Context) {
		if err := StatusList(fixedTokens{jwt}, time.Now)(c); err != nil {
			t.Error(err)
		}
	})
	for _, enc := range []string{"gzip", ""} {
		req := httptest.NewRequest(http.MethodGet, "/status/sl_1", nil)
		req.Header.Set("Accept-Encoding", enc)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if enc == "gzip" {
			if rec.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("Accept-Encoding gzip: Content-Encoding %q, want gzip", rec.Header().Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		} else if rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("no Accept-Encoding: Content-Encoding %q, want none", rec.Header().Get("Content-Encoding"))
		}
		if string(body) != jwt {
			t.Errorf("Accept-Encoding %q: body differs from the token", enc)
		}
		if v := rec.Header().Get("Vary"); !strings.Contains(v, "Accept-Encoding") {
			t.Errorf("Vary %q: want Accept-Encoding in it", v)
		}
	}
}
