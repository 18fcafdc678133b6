package web

import "github.com/gin-gonic/gin"

// landingRoutes registers the public applicant landing page on g: the page
// behind an offer's link, {base}/c/{handle}, with no session.
func (s *Server) landingRoutes(g *gin.RouterGroup) {
	if s.deps.Delivery == nil {
		return
	}
	g.GET("/c/:handle", s.landing)
}
