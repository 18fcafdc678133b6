package web

import (
	"github.com/gin-gonic/gin"

	"credmint/app/staff"
	"credmint/app/status"
)

// configurationsRoutes registers the console's configurations pages on in
// (signed-in routes), and the issued credentials: reading needs PermRead,
// the editor (with its preview) PermManageConfigurations, changing a
// credential's status PermManageCredentials.
func (s *Server) configurationsRoutes(in *gin.RouterGroup) {
	ch := s.console
	read, manage := s.require(staff.PermRead), s.require(staff.PermManageConfigurations)
	form := limitBody(limitAdmin) // the editor posts every row of a large configuration
	in.GET("/configurations", read, s.page(ch.ListConfigurations))
	in.GET("/configurations/new", manage, s.page(ch.NewConfiguration))
	in.POST("/configurations", manage, form, s.page(ch.CreateConfiguration))
	in.POST("/configurations/preview", manage, form, s.page(ch.PreviewConfiguration))
	in.POST("/configurations/format-fields", manage, form, s.page(ch.ConfigurationFormatFields))
	in.GET("/configurations/:id", read, s.page(ch.ShowConfiguration))
	in.GET("/configurations/:id/edit", manage, s.page(ch.EditConfiguration))
	in.POST("/configurations/:id", manage, form, s.page(ch.UpdateConfiguration))
	in.POST("/configurations/:id/disable", manage, limitBody(limitSmall), s.page(ch.DisableConfiguration))
	in.POST("/configurations/:id/enable", manage, limitBody(limitSmall), s.page(ch.EnableConfiguration))

	in.GET("/credentials", read, s.page(ch.Credentials))
	if s.deps.Status != nil {
		changeStatus := s.require(staff.PermManageCredentials)
		small := limitBody(limitSmall)
		in.POST("/credentials/bulk", changeStatus, small, s.page(ch.BulkCredentialStatus))
		in.POST("/credentials/:id/revoke", changeStatus, small, s.page(ch.ChangeCredentialStatus(status.Revoke)))
		in.POST("/credentials/:id/suspend", changeStatus, small, s.page(ch.ChangeCredentialStatus(status.Suspend)))
		in.POST("/credentials/:id/unsuspend", changeStatus, small, s.page(ch.ChangeCredentialStatus(status.Unsuspend)))
	}
}
