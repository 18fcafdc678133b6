package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// metadataMaxAge lets wallets and proxies cache the metadata briefly.
const metadataMaxAge = "public, max-age=300"

// IssuerMetadata serves /.well-known/openid-credential-issuer (OID4VCI §12.2.2).
func (h *Handlers) IssuerMetadata(c *gin.Context) error {
	m, err := h.svc.IssuerMetadata(c.Request.Context())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", metadataMaxAge)
	c.JSON(http.StatusOK, m)
	return nil
}

// AuthorizationServerMetadata serves /.well-known/oauth-authorization-server
// (RFC 8414).
func (h *Handlers) AuthorizationServerMetadata(c *gin.Context) error {
	c.Header("Cache-Control", metadataMaxAge)
	c.JSON(http.StatusOK, h.svc.AuthorizationServerMetadata())
	return nil
}

// JWTVCIssuerMetadata serves /.well-known/jwt-vc-issuer (SD-JWT VC §5).
func (h *Handlers) JWTVCIssuerMetadata(c *gin.Context) error {
	c.Header("Cache-Control", metadataMaxAge)
	c.JSON(http.StatusOK, h.svc.JWTVCIssuerMetadata())
	return nil
}
