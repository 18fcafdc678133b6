package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/credential"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/app/qr"
	"credmint/views/landing"
)

// landing serves GET /c/:handle, the applicant's page of an offer: the QR
// code, the "Open in wallet" button, what the credential is, where the PIN
// comes from, the expiry and the offer's state, in the best language of the
// configuration for the browser's Accept-Language. The handle is as secret
// as the credential_offer_uri: the page is never cached and sends no
// referrer.
func (s *Server) landing(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("X-Robots-Tag", "noindex, nofollow")
	c.Header("Vary", "Accept-Language")
	l, err := s.deps.Delivery.Landing(c.Request.Context(), c.Param("handle"))
	status := http.StatusOK
	var p landing.Props
	switch {
	case errors.Is(err, issuance.ErrNotFound):
		status = http.StatusNotFound
		lang := credential.BestLocale(c.GetHeader("Accept-Language"), landing.Languages, s.deps.Delivery.Locale)
		p = landing.Props{Lang: lang, T: landing.TextsFor(lang), State: "unknown", IssuerName: s.deps.IssuerName, Contact: s.deps.Delivery.Contact}
	case err != nil:
		s.writePageError(c, err)
		return
	default:
		if p, err = s.landingProps(c, l); err != nil {
			s.writePageError(c, err)
			return
		}
	}
	p.BasePath = s.deps.BasePath
	var buf bytes.Buffer
	if err := landing.Page(p).Render(c.Request.Context(), &buf); err != nil {
		s.writePageError(c, err)
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) landingProps(c *gin.Context, l *delivery.Landing) (landing.Props, error) {
	var locales []string
	if l.Configuration != nil {
		for _, d := range l.Configuration.Display {
			if d.Locale != "" {
				locales = append(locales, d.Locale)
			}
		}
	}
	lang := credential.BestLocale(c.GetHeader("Accept-Language"), locales, s.deps.Delivery.Locale)
	t := landing.TextsFor(lang)
	p := landing.Props{Lang: t.Lang, T: t, IssuerName: l.IssuerName, Contact: l.Contact,
		ExpiresAt: l.Offer.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), CredentialName: strings.Join(l.Offer.ConfigurationIDs, ", ")}
	if l.Configuration != nil {
		d := delivery.DisplayFor(l.Configuration, lang)
		p.CredentialName, p.Description = d.Name, d.Description
		if d.Logo != nil && (strings.HasPrefix(d.Logo.URI, "https://") || strings.HasPrefix(d.Logo.URI, "/")) {
			p.LogoURL, p.LogoAlt = d.Logo.URI, d.Logo.AltText
		}
	}
	switch l.State {
	case issuance.OfferCreated, issuance.OfferFetched:
		p.State = "open"
		p.OfferURI = l.Links.OfferURI
		png, err := qr.PNG(l.Links.OfferURI, 560)
		if err != nil {
			return p, err
		}
		p.QRDataURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
		if l.Offer.TxCode != nil {
			p.TxCodeChannel = cmpOr(l.Offer.TxCodeChannel, issuance.DeliveryNone)
		}
	case issuance.OfferRedeemed, issuance.OfferIssued, issuance.OfferAccepted:
		p.State = "collected"
		// A credential request that waits for a reviewer (SPEC §10).
		switch l.Review {
		case issuance.DeferredPending:
			p.State = "review_pending"
		case issuance.DeferredApproved:
			p.State = "review_ready"
		case issuance.DeferredRejected:
			p.State = "review_rejected"
		case issuance.DeferredExpired:
			p.State = "expired" // no reviewer decided in time
		}
	default:
		p.State = string(l.State) // expired, locked, revoked
	}
	return p, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
