package console

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/keys"
	"credmint/views/components"
	keysview "credmint/views/keys"
)

// KeyManager rotates keys, makes CSRs and imports chains (keys.Ring). Every
// change is audited by the ring with the staff member in the context.
type KeyManager interface {
	Inventory(ctx context.Context) ([]keys.Info, error)
	Rotate(ctx context.Context, purpose string, at time.Time) (keys.Info, error)
	RequestCertificate(ctx context.Context, req keys.CSRRequest) (keys.Info, []byte, error)
	CertificateRequestPEM(id string) ([]byte, error)
	ImportChain(ctx context.Context, id string, chainPEM []byte, activateAt time.Time) (keys.Info, error)
	IACACertificates() []*x509.Certificate
	PlanRetire(ctx context.Context, id string) (keys.RetirePlan, error)
	Retire(ctx context.Context, id string, opts keys.RetireOptions) (keys.RetireResult, error)
}

// keyPurposes are the purposes offered by the rotation and CSR forms.
var keyPurposes = []components.Option{
	{Value: keys.PurposeCredential, Label: "credential (SD-JWT VC)"},
	{Value: keys.PurposeCredentialJWTVC, Label: "credential (jwt_vc_json)"},
	{Value: keys.PurposeMdocDocumentSigner, Label: "mdoc document signer"},
	{Value: keys.PurposeStatusList, Label: "status list"},
	{Value: keys.PurposeMetadata, Label: "signed metadata"},
}

// maxChainSize bounds an uploaded chain file.
const maxChainSize = 32 << 10

// datetimeLocal is the value of an <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

type rotateForm struct {
	Purpose string `form:"purpose"`
	At      string `form:"at"`
}

type csrForm struct {
	Purpose string `form:"csr_purpose"`
	Subject string `form:"subject"`
	DNS     string `form:"dns"`
}

// SigningKeys serves GET /console/keys.
func (h *Handlers) SigningKeys(c *gin.Context) error {
	return h.keysPage(c, http.StatusOK, keysview.Props{})
}

func (h *Handlers) keysPage(c *gin.Context, status int, p keysview.Props) error {
	infos, err := h.Deps.Keys.Inventory(c.Request.Context())
	if err != nil {
		return err
	}
	p.Layout, p.Keys, p.Purposes = h.Layout(c, "Signing keys"), infos, keyPurposes
	for _, cert := range h.Deps.Keys.IACACertificates() {
		p.IACA = append(p.IACA, keysview.IACA{Subject: cert.Subject.String(), NotAfter: cert.NotAfter})
	}
	return render(c, status, keysview.Page(p))
}

// RotateKey serves POST /console/keys/rotate.
func (h *Handlers) RotateKey(c *gin.Context) error {
	var f rotateForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	errs := components.Errors{}
	if !validPurpose(f.Purpose) {
		errs["purpose"] = "Choose a purpose."
	}
	at, err := parseLocal(f.At)
	if err != nil {
		errs["at"] = "Give a date and time such as 2026-05-01T00:00, or leave it empty."
	}
	if len(errs) > 0 {
		return h.keysPage(c, http.StatusBadRequest, keysview.Props{Rotate: keysview.RotateForm(f), Errors: errs})
	}
	k, err := h.Deps.Keys.Rotate(c.Request.Context(), f.Purpose, at)
	if err != nil {
		return err
	}
	return h.redirect(c, "/console/keys", "New "+k.Purpose+" key "+k.ID+" published; it signs from "+k.NotBefore.UTC().Format("2006-01-02 15:04 UTC")+".")
}

// CreateCSR serves POST /console/keys/csr: it creates a key waiting for
// its certificate and answers with its CSR as a PEM download.
func (h *Handlers) CreateCSR(c *gin.Context) error {
	var f csrForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	errs := components.Errors{}
	if !validPurpose(f.Purpose) {
		errs["csr_purpose"] = "Choose a purpose."
	}
	name, err := keys.ParseDN(f.Subject)
	if err != nil {
		errs["subject"] = strings.TrimPrefix(err.Error(), "keys: ")
	}
	if len(errs) > 0 {
		return h.keysPage(c, http.StatusBadRequest, keysview.Props{CSR: keysview.CSRForm(f), Errors: errs})
	}
	var dns []string
	for _, d := range strings.Split(f.DNS, ",") {
		if d = strings.TrimSpace(d); d != "" {
			dns = append(dns, d)
		}
	}
	k, csr, err := h.Deps.Keys.RequestCertificate(c.Request.Context(), keys.CSRRequest{Purpose: f.Purpose, Subject: name, DNSNames: dns})
	if err != nil {
		return err
	}
	return sendPEM(c, k.ID+".csr.pem", csr)
}

// KeyCSR serves GET /console/keys/:id/csr.pem.
func (h *Handlers) KeyCSR(c *gin.Context) error {
	csr, err := h.Deps.Keys.CertificateRequestPEM(c.Param("id"))
	if errors.Is(err, keys.ErrKeyNotFound) {
		return h.redirect(c, "/console/keys", "!That key has no pending certificate request.")
	} else if err != nil {
		return err
	}
	return sendPEM(c, c.Param("id")+".csr.pem", csr)
}

// ImportKeyChain serves POST /console/keys/:id/chain (multipart: file,
// activate_at).
func (h *Handlers) ImportKeyChain(c *gin.Context) error {
	id := c.Param("id")
	at, err := parseLocal(c.PostForm("activate_at"))
	if err != nil {
		return h.redirect(c, "/console/keys", "!Give the activation time as a date and time, or leave it empty.")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return h.redirect(c, "/console/keys", "!Choose the PEM file with the chain your CA issued.")
	}
	if fh.Size > maxChainSize {
		return h.redirect(c, "/console/keys", "!That file is too large for a certificate chain.")
	}
	file, err := fh.Open()
	if err != nil {
		return err
	}
	defer file.Close()
	raw, err := io.ReadAll(io.LimitReader(file, maxChainSize))
	if err != nil {
		return err
	}
	k, err := h.Deps.Keys.ImportChain(c.Request.Context(), id, raw, at)
	switch {
	case errors.Is(err, keys.ErrBadChain):
		return h.redirect(c, "/console/keys", "!"+strings.TrimPrefix(err.Error(), "keys: "))
	case errors.Is(err, keys.ErrKeyNotFound):
		return h.redirect(c, "/console/keys", "!That key does not exist or is retired.")
	case err != nil:
		return err
	}
	return h.redirect(c, "/console/keys", "Chain imported for "+k.Purpose+" key "+k.ID+" (issued by "+k.Issuer+"); it signs from "+k.NotBefore.UTC().Format("2006-01-02 15:04 UTC")+".")
}

type retireForm struct {
	Reason string `form:"reason"`
	Force  bool   `form:"force"`
}

// RetireKeyPage serves GET /console/keys/:id/retire: what retiring the key
// now does, and the form that does it.
func (h *Handlers) RetireKeyPage(c *gin.Context) error {
	plan, err := h.Deps.Keys.PlanRetire(c.Request.Context(), c.Param("id"))
	if errors.Is(err, keys.ErrKeyNotFound) {
		return h.redirect(c, "/console/keys", "!That key does not exist or is retired already.")
	} else if err != nil {
		return err
	}
	return render(c, http.StatusOK, keysview.Retire(keysview.RetireProps{Layout: h.Layout(c, "Retire a signing key"), Plan: plan}))
}

// RetireKey serves POST /console/keys/:id/retire: the key is retired now
// and, if it was the one its purpose uses, replaced at once.
func (h *Handlers) RetireKey(c *gin.Context) error {
	var f retireForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	ctx := c.Request.Context()
	f.Reason = strings.TrimSpace(f.Reason)
	if len(f.Reason) > 500 {
		plan, err := h.Deps.Keys.PlanRetire(ctx, c.Param("id"))
		if err != nil {
			return h.redirect(c, "/console/keys", "!That key does not exist or is retired already.")
		}
		return render(c, http.StatusBadRequest, keysview.Retire(keysview.RetireProps{Layout: h.Layout(c, "Retire a signing key"), Plan: plan,
			Reason: f.Reason, Errors: components.Errors{"reason": "Keep the reason under 500 characters."}}))
	}
	res, err := h.Deps.Keys.Retire(ctx, c.Param("id"), keys.RetireOptions{Force: f.Force, Reason: f.Reason})
	switch {
	case errors.Is(err, keys.ErrKeyNotFound):
		return h.redirect(c, "/console/keys", "!That key does not exist or is retired already.")
	case errors.Is(err, keys.ErrKeyInUse):
		return h.redirect(c, "/console/keys/"+c.Param("id")+"/retire", "!Document signer keys issued by this IACA are in use: retire them first, or confirm that the IACA goes anyway.")
	case err != nil:
		return err
	}
	msg := "Key " + res.Key.ID + " (" + res.Key.Purpose + ") is retired and no longer published."
	if r := res.Replacement; r != nil {
		msg += " New " + r.Purpose + " key " + r.ID + " signs from now."
	}
	if n := res.Key.ValidCredentials; n > 0 {
		msg += fmt.Sprintf(" It signed %d unexpired credentials: revoke them through the status list.", n)
	}
	return h.redirect(c, "/console/keys", msg)
}

// IACACertificates serves GET /console/keys/iaca.pem (and, in the web
// package, the public /mdoc/iaca.pem).
func (h *Handlers) IACACertificates(c *gin.Context) error {
	var out []byte
	for _, cert := range h.Deps.Keys.IACACertificates() {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	if len(out) == 0 {
		c.Status(http.StatusNotFound)
		return nil
	}
	return sendPEM(c, "iaca.pem", out)
}

func sendPEM(c *gin.Context, filename string, b []byte) error {
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/x-pem-file", b)
	return nil
}

func validPurpose(p string) bool {
	for _, o := range keyPurposes {
		if o.Value == p {
			return true
		}
	}
	return false
}

// parseLocal parses a datetime-local value as UTC; empty is the zero time.
func parseLocal(s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(datetimeLocal, s)
}
