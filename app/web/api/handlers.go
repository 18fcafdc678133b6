// Package api is the admin JSON API (/api/v1) that back-office systems use to
// do what staff do in the console. Requests are authenticated with an API key
// by the web package; handlers here parse, make one service call and render.
package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
)

// Handlers serve the admin API.
type Handlers struct {
	svc     *issuance.Service
	openapi []byte
}

// New returns the handlers over svc.
func New(svc *issuance.Service) (*Handlers, error) {
	doc, err := openAPIFor(svc.Issuer)
	if err != nil {
		return nil, err
	}
	return &Handlers{svc: svc, openapi: doc}, nil
}

//go:embed openapi.json
var openapiJSON []byte

// openAPIFor returns the OpenAPI document with this deployment's absolute
// server URL (a relative one would lose the path of the public URL).
func openAPIFor(issuer string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.json: %w", err)
	}
	doc["servers"] = []map[string]string{{"url": issuer + "/api/v1"}}
	return json.MarshalIndent(doc, "", "  ")
}

// OpenAPI serves the OpenAPI 3.1 description of this API.
func (h *Handlers) OpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", h.openapi)
}
