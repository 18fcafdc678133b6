package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/staff"
)

// reviewsRoutes registers the deferred-issuance review queue
// (PermReview: reviewers and admins) on in (signed-in routes).
func (s *Server) reviewsRoutes(in *gin.RouterGroup) {
	ch := s.console
	rv := in.Group("/reviews", s.require(staff.PermReview))
	rv.GET("", s.page(ch.ReviewList))
	rv.POST("/approve", limitBody(limitSmall), s.page(ch.BulkApproveReviews))
	rv.GET("/:id", s.page(ch.Review))
	rv.POST("/:id/approve", limitBody(limitSmall), s.page(ch.ApproveReview))
	rv.POST("/:id/reject", limitBody(limitSmall), s.page(ch.RejectReview))
}
