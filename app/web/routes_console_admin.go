package web

import "github.com/gin-gonic/gin"

// adminRoutes registers the console's admin pages on in (signed-in routes).
func (s *Server) adminRoutes(in *gin.RouterGroup) {
}
