package oid4vci

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/app/status"
)

// StatusTokens gives the signed Status List Token of a list (status.Service).
type StatusTokens interface {
	Token(ctx context.Context, id string) (*status.Token, error)
}

// StatusList returns the handler of GET /status/{id}, the list URI that
// credentials reference (Token Status List -14 §8.1): the raw token as
// application/statuslist+jwt, cacheable for its ttl but never past its exp,
// with an ETag for conditional requests. 404 for an unknown list, 406 when
// Accept rules out the JWT form (the CWT form is not served).
func StatusList(svc StatusTokens, now func() time.Time) func(*gin.Context) error {
	return func(c *gin.Context) error {
		if !acceptsStatusJWT(c.GetHeader("Accept")) {
			return &issuance.Error{Code: "not_acceptable", Description: "only " + status.MediaTypeJWT + " is served", Status: http.StatusNotAcceptable}
		}
		tok, err := svc.Token(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		etag := fmt.Sprintf(`"%d-%d"`, tok.Version, tok.IssuedAt.Unix())
		h := c.Writer.Header()
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(tok.MaxAge(now())/time.Second)))
		h.Set("ETag", etag)
		h.Set("Vary", "Accept")
		if inm := c.GetHeader("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
			c.Status(http.StatusNotModified)
			return nil
		}
		c.Data(http.StatusOK, status.MediaTypeJWT, []byte(tok.JWT))
		return nil
	}
}

// acceptsStatusJWT reports whether an Accept header admits the JWT form
// (no header admits everything).
func acceptsStatusJWT(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case status.MediaTypeJWT, "application/*", "*/*", "application/jwt":
			return true
		}
	}
	return false
}
