package oid4vci

import (
	"bytes"
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

	"credmint/app/issuance"
	"credmint/app/status"
)

// bothForms serves a large JWT and a CWT of list "sl_1"; other lists are
// unknown.
type bothForms struct{ now time.Time }

func (b bothForms) Token(_ context.Context, id string) (*status.Token, error) {
	if id != "sl_1" {
		return nil, issuance.ErrNotFound
	}
	return &status.Token{JWT: strings.Repeat("eyJhbGciOiJFUzI1NiJ9", 100), Version: 3, IssuedAt: b.now, ExpiresAt: b.now.Add(time.Hour), TTL: time.Hour}, nil
}

func (b bothForms) CWT(_ context.Context, id string) (*status.Token, error) {
	if id != "sl_1" {
		return nil, issuance.ErrNotFound
	}
	return &status.Token{CWT: []byte{0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40}, Version: 3, IssuedAt: b.now, ExpiresAt: b.now.Add(time.Hour), TTL: time.Hour}, nil
}

// FuzzStatusListRequest sends GETs of a status list with arbitrary Accept,
// Accept-Encoding and If-None-Match headers (and list ids) through the
// handler. It never panics; it answers 200 with one of the two media types
// and the token (gzip only when asked for, and then decodable), 304 only to
// an If-None-Match that names the ETag or "*", an *issuance.Error of 406
// when Accept admits neither form, or issuance.ErrNotFound for an unknown
// list.
func FuzzStatusListRequest(f *testing.F) {
	f.Add("sl_1", "", "", "")
	f.Add("sl_1", "application/statuslist+cwt", "gzip", `"c3-1767225600"`)
	f.Add("sl_1", "application/statuslist+jwt;q=0.5, application/statuslist+cwt", "br;q=1, gzip;q=0.1", "*")
	f.Add("sl_1", "text/html, */*;q=0", "gzip;q=x", `W/"3-1767225600"`)
	f.Add("other", "application/*;q=1.5,,;", "GZIP ; Q=0", "")
	gin.SetMode(gin.TestMode)
	now := time.Unix(1767225600, 0)
	svc := bothForms{now: now}
	f.Fuzz(func(t *testing.T, id, accept, encoding, inm string) {
		if !strings.HasPrefix(id, "sl_") || strings.ContainsAny(id, "/?#%") || len(id) > 64 {
			id = "sl_1"
		}
		var handlerErr error
		r := gin.New()
		r.GET("/status/:id", func(c *gin.Context) { handlerErr = StatusList(svc, func() time.Time { return now })(c) })
		req := httptest.NewRequest(http.MethodGet, "/status/sl_1", nil)
		req.URL.Path = "/status/" + id
		req.Header = http.Header{"Accept": {accept}, "Accept-Encoding": {encoding}, "If-None-Match": {inm}}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code == http.StatusNotFound && handlerErr == nil {
			return // an id gin does not route, such as one with a space
		}
		if handlerErr != nil {
			var pe *issuance.Error
			switch {
			case id != "sl_1" && errors.Is(handlerErr, issuance.ErrNotFound):
			case errors.As(handlerErr, &pe) && pe.Status == http.StatusNotAcceptable:
				if form, ok := statusForm(accept); ok {
					t.Fatalf("406 for Accept %q, which admits %s", accept, form)
				}
			default:
				t.Fatalf("id %q Accept %q: unexpected error %v", id, accept, handlerErr)
			}
			return
		}
		etag := rec.Header().Get("ETag")
		switch rec.Code {
		case http.StatusNotModified:
			if !strings.Contains(inm, etag) && strings.TrimSpace(inm) != "*" {
				t.Fatalf("304 for If-None-Match %q, ETag %q", inm, etag)
			}
			return
		case http.StatusOK:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		ct := rec.Header().Get("Content-Type")
		want := []byte(nil)
		switch ct {
		case status.MediaTypeJWT:
			tok, _ := svc.Token(context.Background(), id)
			want = []byte(tok.JWT)
		case status.MediaTypeCWT:
			tok, _ := svc.CWT(context.Background(), id)
			want = tok.CWT
		default:
			t.Fatalf("Content-Type %q", ct)
		}
		body := rec.Body.Bytes()
		if rec.Header().Get("Content-Encoding") == "gzip" {
			if !acceptsGzip(encoding) {
				t.Fatalf("gzip for Accept-Encoding %q", encoding)
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, want) {
			t.Fatalf("body is not the %s token", ct)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=3600" {
			t.Fatalf("Cache-Control %q", cc)
		}
	})
}

// TestStatusListIfNoneMatch: a GET with the ETag, or with "*", is answered
// 304 (RFC 9110 §13.1.2); another ETag gets the token.
func TestStatusListIfNoneMatch(t *testing.T) {
	gin.SetMode(gin.TestMode)
	now := time.Unix(1767225600, 0)
	r := gin.New()
	r.GET("/status/:id", func(c *gin.Context) {
		if err := StatusList(bothForms{now: now}, func() time.Time { return now })(c); err != nil {
			t.Error(err)
		}
	})
	for inm, want := range map[string]int{
		`"3-1767225600"`: http.StatusNotModified, `W/"3-1767225600"`: http.StatusNotModified,
		`"2-1767225600", "3-1767225600"`: http.StatusNotModified, " * ": http.StatusNotModified,
		`"2-1767225600"`: http.StatusOK, `"c3-1767225600"`: http.StatusOK, "": http.StatusOK,
	} {
		req := httptest.NewRequest(http.MethodGet, "/status/sl_1", nil)
		req.Header.Set("If-None-Match", inm)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("If-None-Match %q: got %d, want %d", inm, rec.Code, want)
		}
	}
}
