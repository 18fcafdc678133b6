package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/access"
	"credmint/app/audit"
	"credmint/app/web/wire"
)

// apiKeyAuth guards the admin API: 401 without a valid key, 403 for a
// revoked one. The key's id becomes the audit actor.
func (s *Server) apiKeyAuth(c *gin.Context) {
	scheme, key, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	c.Header("Cache-Control", "no-store")
	if !strings.EqualFold(scheme, "Bearer") || key == "" {
		c.Header("WWW-Authenticate", `Bearer realm="credmint admin API"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, wire.Body{Error: "invalid_token", Description: "an admin API key is required: Authorization: Bearer <key>"})
		return
	}
	k, err := s.deps.Access.Authenticate(c.Request.Context(), strings.TrimSpace(key))
	switch {
	case errors.Is(err, access.ErrUnknownKey):
		c.Header("WWW-Authenticate", `Bearer realm="credmint admin API", error="invalid_token"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, wire.Body{Error: "invalid_token", Description: "the API key is not valid"})
		return
	case errors.Is(err, access.ErrRevokedKey):
		c.AbortWithStatusJSON(http.StatusForbidden, wire.Body{Error: "access_denied", Description: "the API key was revoked"})
		return
	case err != nil:
		s.writeError(c, err)
		return
	}
	ctx := audit.WithActor(c.Request.Context(), audit.Actor{Kind: audit.ActorAPIKey, ID: k.ID, RemoteAddr: c.ClientIP(), RequestID: requestID(c)})
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}
