package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/audit"
)

// consoleSSORoutes registers single sign-on for staff when it is
// configured. Both are top-level GET navigations without a session.
func (s *Server) consoleSSORoutes(con *gin.RouterGroup) {
	if s.deps.StaffSSO == nil {
		return
	}
	sso := con.Group("/sso", s.ssoActor)
	sso.GET("/start", s.page(s.console.SSOStart))
	sso.GET("/callback", s.page(s.console.SSOCallback))
}

// ssoActor records where a sign-in comes from for its audit events (the
// staff member is named once known).
func (s *Server) ssoActor(c *gin.Context) {
	ctx := audit.WithActor(c.Request.Context(), audit.Actor{Kind: audit.ActorSystem, RemoteAddr: c.ClientIP(), RequestID: requestID(c)})
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}
