package oid4vci

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/app/status"
)

// StatusTokens gives the signed Status List Token of a list in either form
// (status.Service).
type StatusTokens interface {
	Token(ctx context.Context, id string) (*status.Token, error)
	CWT(ctx context.Context, id string) (*status.Token, error)
}

// StatusList returns the handler of GET /status/{id}, the list URI that
// credentials reference (Token Status List -14 §8.1): the raw token as
// application/statuslist+jwt, or application/statuslist+cwt when Accept
// prefers that form, cacheable for its ttl but never past its exp, with an
// ETag for conditional requests. 404 for an unknown list, 406 when Accept
// rules out both forms.
func StatusList(svc StatusTokens, now func() time.Time) func(*gin.Context) error {
	return func(c *gin.Context) error {
		h := c.Writer.Header()
		h.Set("Vary", "Accept, Accept-Encoding")
		form, ok := statusForm(c.GetHeader("Accept"))
		if !ok {
			return &issuance.Error{Code: "not_acceptable", Description: "a status list is served as " + status.MediaTypeJWT + " or " + status.MediaTypeCWT, Status: http.StatusNotAcceptable}
		}
		var (
			tok *status.Token
			err error
		)
		if form == status.MediaTypeCWT {
			tok, err = svc.CWT(c.Request.Context(), c.Param("id"))
		} else {
			tok, err = svc.Token(c.Request.Context(), c.Param("id"))
		}
		if err != nil {
			return err
		}
		etag := fmt.Sprintf(`"%d-%d"`, tok.Version, tok.IssuedAt.Unix())
		body := []byte(tok.JWT)
		if form == status.MediaTypeCWT {
			etag, body = fmt.Sprintf(`"c%d-%d"`, tok.Version, tok.IssuedAt.Unix()), tok.CWT
		}
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(tok.MaxAge(now())/time.Second)))
		h.Set("ETag", etag)
		if etagMatches(c.GetHeader("If-None-Match"), etag) {
			c.Status(http.StatusNotModified)
			return nil
		}
		if form == status.MediaTypeJWT && len(body) >= gzipMin && acceptsGzip(c.GetHeader("Accept-Encoding")) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
			if _, err := zw.Write(body); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			h.Set("Content-Encoding", "gzip")
			body = buf.Bytes()
		}
		c.Data(http.StatusOK, form, body)
		return nil
	}
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, so W/ prefixes match too) or is "*" (RFC 9110 §13.1.2). The
// ETags include their quotes, so a substring test matches only a whole
// entity tag, never another version or form of the list.
func etagMatches(inm, etag string) bool {
	inm = strings.TrimSpace(inm)
	return inm == "*" || inm != "" && strings.Contains(inm, etag)
}

// gzipMin is the smallest JWT worth compressing: the base64url text of a
// large list's bits shrinks by about a quarter (Token Status List §8.1
// recommends gzip for the JWT form).
const gzipMin = 1024

// acceptsGzip reports whether an Accept-Encoding header admits gzip with a
// quality above zero.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}

// statusForm picks the form of a Status List Token an Accept header asks
// for (RFC 9110 §12.5.1): each form gets the quality of the most specific
// media range that matches it; the CWT form is served only when its
// quality is higher, the JWT form (the default, and the answer to no
// Accept at all) otherwise. ok is false when both qualities are zero.
func statusForm(accept string) (form string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return status.MediaTypeJWT, true
	}
	jwtQ, cwtQ := acceptQuality(accept, status.MediaTypeJWT, "application/jwt"), acceptQuality(accept, status.MediaTypeCWT, "application/cwt")
	switch {
	case cwtQ > jwtQ:
		return status.MediaTypeCWT, true
	case jwtQ > 0:
		return status.MediaTypeJWT, true
	}
	return "", false
}

// acceptQuality is the quality accept gives to mt: that of the most
// specific range matching it (mt or alias exactly, then application/*,
// then */*), 0 when none does.
func acceptQuality(accept, mt, alias string) float64 {
	best, q := -1, 0.0
	for _, part := range strings.Split(accept, ",") {
		r, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		spec := -1
		switch r {
		case mt, alias:
			spec = 2
		case "application/*":
			spec = 1
		case "*/*":
			spec = 0
		}
		if spec < best || spec < 0 {
			continue
		}
		rq := 1.0
		if v, ok := params["q"]; ok {
			if rq, err = strconv.ParseFloat(v, 64); err != nil || rq < 0 || rq > 1 {
				continue
			}
		}
		if spec > best {
			best, q = spec, rq
		} else {
			q = max(q, rq)
		}
	}
	return q
}
