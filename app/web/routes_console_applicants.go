package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/applicants"
	"credmint/app/staff"
)

// limitUpload admits an applicants file of applicants.MaxFileSize with room
// for the multipart envelope and the other fields.
const limitUpload = applicants.MaxFileSize + 1<<20

// applicantsRoutes registers the console's applicants pages on in (signed-in routes).
func (s *Server) applicantsRoutes(in *gin.RouterGroup) {
	ch := s.console
	read, manage := s.require(staff.PermRead), s.require(staff.PermManageApplicants)
	in.GET("/applicants", read, s.page(ch.ApplicantList))
	in.GET("/applicants/imports", read, s.page(ch.ImportList))
	in.GET("/applicants/imports/new", manage, s.page(ch.ImportNew))
	in.POST("/applicants/imports", manage, s.limitUploadBody, s.page(ch.ImportUpload))
	in.GET("/applicants/imports/:id", read, s.page(ch.ImportShow))
	in.GET("/applicants/imports/:id/progress", read, s.page(ch.ImportProgress))
	in.GET("/applicants/imports/:id/errors.csv", read, s.page(ch.ImportErrorsCSV))
	in.POST("/applicants/imports/:id/preview", manage, limitBody(limitSmall), s.page(ch.ImportPreview))
	in.POST("/applicants/imports/:id/start", manage, limitBody(limitSmall), s.page(ch.ImportStart))
	in.POST("/applicants/imports/:id/cancel", manage, limitBody(limitSmall), s.page(ch.ImportCancel))
	in.GET("/applicants/:id", read, s.page(ch.ApplicantShow))
	in.GET("/applicants/:id/edit", manage, s.page(ch.ApplicantEdit))
	in.POST("/applicants/:id", manage, limitBody(limitSmall), s.page(ch.ApplicantUpdate))
	in.GET("/applicants/:id/delete", manage, s.page(ch.ApplicantDeletePage))
	in.POST("/applicants/:id/delete", manage, limitBody(limitSmall), s.page(ch.ApplicantDelete))
}

// limitUploadBody is limitBody for the upload form: a browser gets an HTML
// page (413) rather than JSON.
func (s *Server) limitUploadBody(c *gin.Context) {
	if c.Request.ContentLength > limitUpload {
		c.Header("Connection", "close")
		s.renderError(c, http.StatusRequestEntityTooLarge, "Too large", fmt.Sprintf("The file is larger than %d MB. Split it into smaller files.", applicants.MaxFileSize>>20))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limitUpload)
	c.Next()
}
