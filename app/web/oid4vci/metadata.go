package oid4vci

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
)

// metadataMaxAge lets wallets and proxies cache the metadata briefly.
const metadataMaxAge = "public, max-age=300"

// IssuerMetadata serves /.well-known/openid-credential-issuer (OID4VCI
// §12.2.2): JSON by default, the signed JWT (§12.2.3) when the request
// prefers application/jwt.
func (h *Handlers) IssuerMetadata(c *gin.Context) error {
	c.Header("Vary", "Accept")
	if prefersJWT(c.GetHeader("Accept")) {
		jwt, err := h.svc.SignedIssuerMetadata(c.Request.Context())
		if err != nil {
			return err
		}
		c.Header("Cache-Control", metadataMaxAge)
		c.Data(http.StatusOK, issuance.MediaTypeJWT, []byte(jwt))
		return nil
	}
	m, err := h.svc.IssuerMetadata(c.Request.Context())
	if err != nil {
		return err
	}
	c.Header("Cache-Control", metadataMaxAge)
	c.JSON(http.StatusOK, m)
	return nil
}

// prefersJWT reports whether an Accept header asks for application/jwt with
// a higher quality than application/json (JSON wins ties: it is the
// default form).
func prefersJWT(accept string) bool {
	jwtQ, jsonQ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mt {
		case issuance.MediaTypeJWT:
			jwtQ = max(jwtQ, q)
		case "application/json":
			jsonQ = max(jsonQ, q)
		}
	}
	return jwtQ > 0 && jwtQ > jsonQ
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
