package web

import "github.com/gin-gonic/gin"

// applicantsRoutes registers the console's applicants pages on in (signed-in routes).
func (s *Server) applicantsRoutes(in *gin.RouterGroup) {
}
