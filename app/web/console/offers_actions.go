package console

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/views/components"
	"credmint/views/letters"
)

func canManageOffers(c *gin.Context) bool { return Can(c, staff.PermManageOffers) }

// actionError shows a refused action on the offer page (400 for a field
// error, 409 for the wrong state); other errors become error pages.
func (h *Handlers) actionError(c *gin.Context, id string, err error) error {
	errs, err := formErrors(err)
	if err != nil {
		if errors.Is(err, issuance.ErrConflict) {
			return h.redirect(c, "/console/offers/"+id, "!This is not possible in the offer's current state.")
		}
		return err
	}
	status := http.StatusBadRequest
	if errs[""] != "" {
		status = http.StatusConflict
	}
	return h.renderOffer(c, status, id, errs, "")
}

// ResendOffer serves POST /console/offers/:id/resend.
func (h *Handlers) ResendOffer(c *gin.Context) error {
	id := c.Param("id")
	n, err := h.Delivery.Resend(c.Request.Context(), id)
	if err != nil {
		return h.actionError(c, id, err)
	}
	return h.redirect(c, "/console/offers/"+id, "Delivery queued again ("+strconv.Itoa(n)+" message(s)).")
}

// RegenerateTxCode serves POST /console/offers/:id/tx-code: a new PIN,
// delivered by the offer's PIN channel, or shown once when it has none.
func (h *Handlers) RegenerateTxCode(c *gin.Context) error {
	id := c.Param("id")
	code, err := h.Delivery.RegenerateTxCode(c.Request.Context(), id)
	if err != nil {
		return h.actionError(c, id, err)
	}
	if code != "" {
		return h.renderOffer(c, http.StatusOK, id, nil, code)
	}
	return h.redirect(c, "/console/offers/"+id, "New PIN issued; it goes out by the offer's PIN channel.")
}

// RevokeOffer serves POST /console/offers/:id/revoke.
func (h *Handlers) RevokeOffer(c *gin.Context) error {
	id := c.Param("id")
	if _, err := h.Issuance.RevokeOffer(c.Request.Context(), id); err != nil {
		return h.actionError(c, id, err)
	}
	return h.redirect(c, "/console/offers/"+id, "Offer revoked.")
}

type extendForm struct {
	ExpiresAt string `form:"expires_at"`
}

// ExtendOffer serves POST /console/offers/:id/extend.
func (h *Handlers) ExtendOffer(c *gin.Context) error {
	id := c.Param("id")
	var f extendForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	until, err := time.Parse("2006-01-02T15:04", f.ExpiresAt)
	if err != nil {
		return h.renderOffer(c, http.StatusBadRequest, id, components.Errors{"expires_at": "give a date and time, e.g. 2026-05-01T17:00"}, "")
	}
	if _, err := h.Issuance.ExtendOffer(c.Request.Context(), id, until); err != nil {
		return h.actionError(c, id, err)
	}
	return h.redirect(c, "/console/offers/"+id, "Expiry extended.")
}

type printForm struct {
	OfferIDs []string `form:"offer"`
	BatchID  string   `form:"batch"`
	Layout   string   `form:"layout"`
}

func (f *printForm) selection() delivery.PrintSelection {
	return delivery.PrintSelection{BatchID: f.BatchID, OfferIDs: f.OfferIDs}
}

// printRefused answers a print request that selects nothing printable.
func (h *Handlers) printRefused(c *gin.Context, err error) error {
	errs, err := formErrors(err)
	if err != nil {
		return err
	}
	msg := "Nothing to print."
	for _, m := range errs {
		msg = m
	}
	return h.redirect(c, "/console/offers", "!"+msg)
}

// PrintLetters serves POST /console/offers/letters: a printable page (print
// CSS, A4) of the selected offers' letters. Printing is recorded on each
// offer.
func (h *Handlers) PrintLetters(c *gin.Context) error {
	var f printForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	ls, res, err := h.Delivery.PrintLetters(c.Request.Context(), f.selection(), cmpOr(f.Layout, delivery.LayoutSlip))
	if err != nil {
		return h.printRefused(c, err)
	}
	p := letters.Props{BasePath: h.BasePath, PINsOnly: f.Layout == delivery.LayoutPINs, Skipped: res.Skipped}
	for i := range ls {
		p.Letters = append(p.Letters, letterView(&ls[i]))
	}
	c.Header("Cache-Control", "no-store")
	return render(c, http.StatusOK, letters.Page(p))
}

func letterView(l *delivery.Letter) letters.Letter {
	v := letters.Letter{OfferID: l.OfferID, Name: l.Name, Address: l.Address, IssuerName: l.IssuerName, Contact: l.Contact,
		CredentialName: l.CredentialName, CredentialDescription: l.CredentialDescription, LandingURL: l.LandingURL,
		ExpiresAt: l.ExpiresAt.UTC().Format("2 January 2006"), TxCode: l.TxCode, Lang: l.Locale}
	if len(l.QRPNG) > 0 {
		v.QRDataURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(l.QRPNG)
	}
	return v
}

// PrintPDF serves POST /console/offers/letters.pdf: the selected offers'
// letters as one PDF, one page per applicant.
func (h *Handlers) PrintPDF(c *gin.Context) error {
	var f printForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	layout := cmpOr(f.Layout, delivery.LayoutSlip)
	ls, _, err := h.Delivery.PrintLetters(c.Request.Context(), f.selection(), layout)
	if err != nil {
		return h.printRefused(c, err)
	}
	if len(ls) == 0 {
		return h.redirect(c, "/console/offers", "!None of the selected offers can be printed: they can no longer be redeemed, or have no PIN to print.")
	}
	var buf bytes.Buffer
	if err := delivery.WritePDF(&buf, ls, layout); err != nil {
		return err
	}
	name := "credential-offers"
	if f.BatchID != "" {
		name += "-" + f.BatchID
	}
	if layout == delivery.LayoutPINs {
		name += "-pins"
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
	return nil
}
