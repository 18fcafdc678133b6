package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/staff"
)

// webhooksRoutes registers the webhook delivery log (PermManageWebhooks,
// admins) on in (signed-in routes).
func (s *Server) webhooksRoutes(in *gin.RouterGroup) {
	ch := s.console
	hooks := in.Group("/webhooks", s.require(staff.PermManageWebhooks))
	hooks.GET("", s.page(ch.Webhooks))
	hooks.POST("/:id/retry", limitBody(limitSmall), s.page(ch.RetryWebhook))
	hooks.POST("/events/:id/retry", limitBody(limitSmall), s.page(ch.RetryEvent))
}
