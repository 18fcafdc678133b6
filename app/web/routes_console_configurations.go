package web

import "github.com/gin-gonic/gin"

// configurationsRoutes registers the console's configurations pages on in (signed-in routes).
func (s *Server) configurationsRoutes(in *gin.RouterGroup) {
}
