package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/authz"
	"credmint/app/issuance"
	"credmint/views/components"
	"credmint/views/wallets"
)

// walletForm is the create and edit form of a wallet client.
type walletForm struct {
	ClientID     string `form:"client_id"`
	Name         string `form:"name"`
	RedirectURIs string `form:"redirect_uris"`
	// Pre10 is the "speaks a pre-1.0 draft" checkbox: absent is false.
	Pre10 bool `form:"pre_1_0"`
}

func (f walletForm) view(errs components.Errors) wallets.Form {
	return wallets.Form{ClientID: f.ClientID, Name: f.Name, RedirectURIs: f.RedirectURIs, Pre10: f.Pre10, Errors: errs}
}

// Wallets serves GET /console/wallets.
func (h *Handlers) Wallets(c *gin.Context) error {
	return h.walletsPage(c, http.StatusOK, wallets.Form{})
}

// walletsPage renders the list with the create form's state.
func (h *Handlers) walletsPage(c *gin.Context, status int, f wallets.Form) error {
	p := wallets.Props{Layout: h.Layout(c, "Wallets"), Form: f}
	if h.WalletClients != nil {
		stored, err := h.WalletClients.StoredClients(c.Request.Context())
		if err != nil {
			return err
		}
		p.Enabled, p.Configured, p.Stored = h.WalletClients.Editable(), h.WalletClients.ConfiguredClients(), stored
	}
	return render(c, status, wallets.Page(p))
}

// CreateWallet serves POST /console/wallets.
func (h *Handlers) CreateWallet(c *gin.Context) error {
	var f walletForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	if h.WalletClients == nil {
		return issuance.ErrNotFound
	}
	sc, err := h.WalletClients.CreateClient(c.Request.Context(), h.walletInput(f, f.ClientID))
	if ve, ok := errors.AsType[*issuance.ValidationError](err); ok {
		return h.walletsPage(c, http.StatusBadRequest, f.view(ve.Fields))
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/wallets", "Wallet “"+sc.Name+"” registered.")
}

// EditWallet serves GET /console/wallets/:id.
func (h *Handlers) EditWallet(c *gin.Context) error {
	if h.WalletClients == nil {
		return issuance.ErrNotFound
	}
	sc, err := h.WalletClients.StoredClient(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	f := walletForm{ClientID: sc.ID, Name: sc.Name, RedirectURIs: strings.Join(sc.RedirectURIs, "\n"), Pre10: sc.Pre10}
	return render(c, http.StatusOK, wallets.Edit(wallets.EditProps{Layout: h.Layout(c, "Wallet "+sc.ID), Client: *sc, Form: f.view(nil)}))
}

// UpdateWallet serves POST /console/wallets/:id.
func (h *Handlers) UpdateWallet(c *gin.Context) error {
	var f walletForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	if h.WalletClients == nil {
		return issuance.ErrNotFound
	}
	ctx, id := c.Request.Context(), c.Param("id")
	sc, err := h.WalletClients.UpdateClient(ctx, id, h.walletInput(f, id))
	if ve, ok := errors.AsType[*issuance.ValidationError](err); ok {
		old, rerr := h.WalletClients.StoredClient(ctx, id)
		if rerr != nil {
			return rerr
		}
		return render(c, http.StatusBadRequest, wallets.Edit(wallets.EditProps{Layout: h.Layout(c, "Wallet "+id), Client: *old, Form: f.view(ve.Fields)}))
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/wallets", "Wallet “"+sc.Name+"” saved.")
}

// DisableWallet serves POST /console/wallets/:id/disable.
func (h *Handlers) DisableWallet(c *gin.Context) error { return h.setWalletDisabled(c, true) }

// EnableWallet serves POST /console/wallets/:id/enable.
func (h *Handlers) EnableWallet(c *gin.Context) error { return h.setWalletDisabled(c, false) }

func (h *Handlers) setWalletDisabled(c *gin.Context, disabled bool) error {
	if h.WalletClients == nil {
		return issuance.ErrNotFound
	}
	sc, err := h.WalletClients.SetClientDisabled(c.Request.Context(), c.Param("id"), disabled)
	if err != nil {
		return err
	}
	msg := "Wallet “" + sc.Name + "” enabled."
	if disabled {
		msg = "Wallet “" + sc.Name + "” disabled: it is refused like an unknown wallet."
	}
	return h.redirect(c, "/console/wallets", msg)
}

// DeleteWallet serves POST /console/wallets/:id/delete.
func (h *Handlers) DeleteWallet(c *gin.Context) error {
	if h.WalletClients == nil {
		return issuance.ErrNotFound
	}
	if err := h.WalletClients.DeleteClient(c.Request.Context(), c.Param("id")); err != nil {
		return err
	}
	return h.redirect(c, "/console/wallets", "Wallet deleted.")
}

func (h *Handlers) walletInput(f walletForm, id string) authz.ClientInput {
	return authz.ClientInput{ID: id, Name: f.Name, RedirectURIs: f.RedirectURIs, Pre10: f.Pre10}
}
