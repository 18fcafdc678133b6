package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/staff"
)

// offersRoutes registers the console's offers pages on in (signed-in routes):
// reading needs PermRead, every change (and the QR codes, links and letters,
// which are secrets) PermManageOffers.
func (s *Server) offersRoutes(in *gin.RouterGroup) {
	if s.deps.Delivery == nil {
		return
	}
	ch := s.console
	read, manage := s.require(staff.PermRead), s.require(staff.PermManageOffers)
	small, print := limitBody(limitSmall), limitBody(limitAdmin)
	in.GET("/offers", read, s.page(ch.Offers))
	in.GET("/offers/new", manage, s.page(ch.NewOffer))
	in.POST("/offers", manage, small, s.page(ch.CreateOffer))
	in.GET("/offers/batches/new", manage, s.page(ch.NewBatch))
	in.POST("/offers/batches", manage, small, s.page(ch.CreateBatch))
	in.GET("/offers/batches/:id", read, s.page(ch.Batch))
	in.GET("/offers/batches/:id/progress", read, s.page(ch.BatchProgress))
	in.POST("/offers/letters", manage, print, s.page(ch.PrintLetters))
	in.POST("/offers/letters.pdf", manage, print, s.page(ch.PrintPDF))
	in.GET("/offers/:id", read, s.page(ch.Offer))
	in.GET("/offers/:id/qr.png", manage, s.page(ch.OfferQRPNG))
	in.GET("/offers/:id/qr.svg", manage, s.page(ch.OfferQRSVG))
	in.POST("/offers/:id/resend", manage, small, s.page(ch.ResendOffer))
	in.POST("/offers/:id/tx-code", manage, small, s.page(ch.RegenerateTxCode))
	in.POST("/offers/:id/revoke", manage, small, s.page(ch.RevokeOffer))
	in.POST("/offers/:id/extend", manage, small, s.page(ch.ExtendOffer))
}
