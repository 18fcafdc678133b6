package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/access"
	"credmint/app/issuance"
	"credmint/app/web/wire"
)

// handlerFunc is how credmint's handlers are written: they return an error
// and one function, writeError, turns it into a response.
type handlerFunc func(c *gin.Context) error

// protocol adapts a protocol handler: errors become OAuth/OID4VCI JSON.
func (s *Server) protocol(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}

// writeError writes err as {error, error_description} with
// Cache-Control: no-store and the status the protocol gives. Unexpected
// errors are logged with their cause and answered with a generic 500.
func (s *Server) writeError(c *gin.Context, err error) {
	c.Header("Cache-Control", "no-store")
	var pe *issuance.Error
	var ve *issuance.ValidationError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &pe):
		if pe.Status == http.StatusUnauthorized && pe.Code == issuance.CodeInvalidToken {
			c.Header("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+wire.Quote(pe.PublicDescription())+`"`)
		}
		if pe.Status == http.StatusForbidden && pe.Code == issuance.CodeInsufficientScope {
			c.Header("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		}
		c.AbortWithStatusJSON(pe.Status, wire.Body{Error: pe.Code, Description: pe.PublicDescription()})
	case errors.As(err, &ve):
		c.AbortWithStatusJSON(http.StatusBadRequest, wire.Body{Error: issuance.CodeInvalidRequest, Description: "the request has invalid fields", Fields: ve.Fields})
	case errors.As(err, &mbe):
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, wire.Body{Error: issuance.CodeInvalidRequest, Description: "the request body is too large"})
	case errors.Is(err, issuance.ErrNotFound), errors.Is(err, access.ErrNotFound):
		c.AbortWithStatusJSON(http.StatusNotFound, wire.Body{Error: "not_found", Description: "no such resource"})
	case errors.Is(err, issuance.ErrConflict):
		c.AbortWithStatusJSON(http.StatusConflict, wire.Body{Error: "conflict", Description: "the resource is not in a state that allows this"})
	default:
		s.log.LogAttrs(c.Request.Context(), slog.LevelError, "request failed",
			slog.String("request_id", requestID(c)), slog.String("route", c.FullPath()), slog.String("error", err.Error()))
		c.AbortWithStatusJSON(http.StatusInternalServerError, wire.Body{Error: issuance.CodeServerError, Description: "internal error; quote request id " + requestID(c)})
	}
}
