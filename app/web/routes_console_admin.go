package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/staff"
)

// adminRoutes registers the console's admin pages on in (signed-in routes):
// the audit log (PermReadAudit), users (PermManageUsers) and API keys
// (PermManageAPIKeys) and the signing keys (PermManageKeys).
func (s *Server) adminRoutes(in *gin.RouterGroup) {
	ch := s.console
	small := limitBody(limitSmall)

	audit := in.Group("/audit", s.require(staff.PermReadAudit))
	audit.GET("", s.page(ch.AuditLog))
	audit.GET("/export.csv", s.page(ch.AuditExport))

	users := in.Group("/users", s.require(staff.PermManageUsers))
	users.GET("", s.page(ch.Users))
	users.GET("/new", s.page(ch.NewUser))
	users.POST("", small, s.page(ch.CreateUser))
	users.POST("/:id/role", small, s.page(ch.ChangeRole))
	users.POST("/:id/disable", small, s.page(ch.DisableUser))
	users.POST("/:id/enable", small, s.page(ch.EnableUser))
	users.POST("/:id/sessions/revoke", small, s.page(ch.RevokeUserSessions))

	keys := in.Group("/apikeys", s.require(staff.PermManageAPIKeys))
	keys.GET("", s.page(ch.APIKeys))
	keys.POST("", small, s.page(ch.CreateAPIKey))
	keys.POST("/:id/revoke", small, s.page(ch.RevokeAPIKey))

	signing := in.Group("/keys", s.require(staff.PermManageKeys))
	signing.GET("", s.page(ch.SigningKeys))
	signing.GET("/iaca.pem", s.page(ch.IACACertificates))
	signing.POST("/rotate", small, s.page(ch.RotateKey))
	signing.POST("/csr", small, s.page(ch.CreateCSR))
	signing.GET("/:id/csr.pem", s.page(ch.KeyCSR))
	signing.POST("/:id/chain", small, s.page(ch.ImportKeyChain))
	signing.GET("/:id/retire", s.page(ch.RetireKeyPage))
	signing.POST("/:id/retire", small, s.page(ch.RetireKey))
}
