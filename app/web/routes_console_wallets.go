package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/staff"
)

// walletsRoutes registers the console's wallet clients pages on in
// (signed-in routes): admins only (PermManageWalletClients).
func (s *Server) walletsRoutes(in *gin.RouterGroup) {
	ch := s.console
	small := limitBody(limitSmall)
	w := in.Group("/wallets", s.require(staff.PermManageWalletClients))
	w.GET("", s.page(ch.Wallets))
	w.POST("", small, s.page(ch.CreateWallet))
	w.GET("/:id", s.page(ch.EditWallet))
	w.POST("/:id", small, s.page(ch.UpdateWallet))
	w.POST("/:id/disable", small, s.page(ch.DisableWallet))
	w.POST("/:id/enable", small, s.page(ch.EnableWallet))
	w.POST("/:id/delete", small, s.page(ch.DeleteWallet))
}
