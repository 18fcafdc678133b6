package console

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/access"
	"credmint/views/apikeys"
	"credmint/views/components"
)

type apiKeyForm struct {
	Name string `form:"name"`
}

// APIKeys serves GET /console/apikeys.
func (h *Handlers) APIKeys(c *gin.Context) error {
	return h.apiKeysPage(c, http.StatusOK, apikeys.Props{})
}

// apiKeysPage renders the list with p's form state.
func (h *Handlers) apiKeysPage(c *gin.Context, status int, p apikeys.Props) error {
	keys, err := h.Access.List(c.Request.Context())
	if err != nil {
		return err
	}
	p.Layout, p.Keys = h.Layout(c, "API keys"), keys
	return render(c, status, apikeys.Page(p))
}

// CreateAPIKey serves POST /console/apikeys: the page with the new key,
// shown this once (never in a redirect or a cookie).
func (h *Handlers) CreateAPIKey(c *gin.Context) error {
	var f apiKeyForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	secret, k, err := h.Access.Create(c.Request.Context(), f.Name)
	if errors.Is(err, access.ErrBadName) {
		return h.apiKeysPage(c, http.StatusBadRequest, apikeys.Props{Name: f.Name, Errors: components.Errors{"name": "Give the key a name of 1 to 100 characters."}})
	} else if err != nil {
		return err
	}
	return h.apiKeysPage(c, http.StatusCreated, apikeys.Props{Created: &apikeys.Created{Key: *k, Secret: secret}})
}

// RevokeAPIKey serves POST /console/apikeys/:id/revoke.
func (h *Handlers) RevokeAPIKey(c *gin.Context) error {
	k, err := h.Access.Revoke(c.Request.Context(), c.Param("id"))
	if errors.Is(err, access.ErrNotFound) {
		return h.redirect(c, "/console/apikeys", "!That key does not exist or is revoked already.")
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/apikeys", "Key “"+k.Name+"” revoked: requests with it are refused from now on.")
}
