// Package api is the admin JSON API (/api/v1) that back-office systems use to
// do what staff do in the console. Requests are authenticated with an API key
// by the web package; handlers here parse, make one service call and render.
package api

import (
	"embed"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
)

// Handlers serve the admin API.
type Handlers struct {
	svc *issuance.Service
}

// New returns the handlers over svc.
func New(svc *issuance.Service) *Handlers {
	return &Handlers{svc: svc}
}

//go:embed openapi.json
var openapiFS embed.FS

// OpenAPI serves the OpenAPI 3.1 description of this API.
func OpenAPI(c *gin.Context) {
	b, _ := openapiFS.ReadFile("openapi.json")
	c.Data(http.StatusOK, "application/json", b)
}
