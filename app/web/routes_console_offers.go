package web

import "github.com/gin-gonic/gin"

// offersRoutes registers the console's offers pages on in (signed-in routes).
func (s *Server) offersRoutes(in *gin.RouterGroup) {
}
