package web

import "github.com/gin-gonic/gin"

// landingRoutes registers the public applicant landing page on g.
func (s *Server) landingRoutes(g *gin.RouterGroup) {
}
