package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/staff"
)

// consoleRoutes is the operator console's part of the route table. Every
// console route is protected against cross-site requests and kept out of
// caches; all but sign-in need a session, and each names the permission it
// needs.
func (s *Server) consoleRoutes(g *gin.RouterGroup) {
	ch := s.console
	con := g.Group("/console", s.csrf, consoleNoStore)
	con.GET("/login", s.page(ch.LoginPage))
	con.POST("/login", limitBody(limitSmall), s.page(ch.Login))
	s.consoleSSORoutes(con)

	in := con.Group("", s.consoleSession)
	in.POST("/logout", s.page(ch.Logout))
	in.GET("/", s.require(staff.PermRead), s.page(ch.Dashboard))
	s.configurationsRoutes(in)
	s.applicantsRoutes(in)
	s.offersRoutes(in)
	s.adminRoutes(in)
	s.walletsRoutes(in)
	s.webhooksRoutes(in)
	s.reviewsRoutes(in)
}
