package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/app/web/wire"
)

// Notification serves the notification endpoint (OID4VCI §11): 204 on
// success.
func (h *Handlers) Notification(c *gin.Context) error {
	ctx := c.Request.Context()
	tok, err := accessToken(c, h.svc.Authenticate)
	if err != nil {
		return err
	}
	var req issuance.NotificationRequest
	if err := wire.DecodeJSON(c.Request, &req, wire.Options{}); err != nil {
		return asBodyError(issuance.CodeInvalidNotificationRequest, err)
	}
	if err := h.svc.Notify(ctx, tok, req); err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusNoContent)
	return nil
}
