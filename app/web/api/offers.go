package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/app/qr"
	"credmint/app/web/wire"
)

// createOfferBody is the body of POST /api/v1/offers.
type createOfferBody struct {
	CredentialConfigurationIDs []string        `json:"credential_configuration_ids"`
	Claims                     map[string]any  `json:"claims"`
	TxCode                     json.RawMessage `json:"tx_code"`
	ExpiresIn                  *int64          `json:"expires_in"`
	ByReference                *bool           `json:"by_reference"`
	// Grant is "pre-authorized_code" (the default) or
	// "authorization_code" (the person logs in; the offer carries
	// issuer_state).
	Grant string `json:"grant"`
}

// offerView is how the API shows an offer.
type offerView struct {
	ID                         string           `json:"id"`
	State                      string           `json:"state"`
	Grant                      string           `json:"grant"`
	CredentialConfigurationIDs []string         `json:"credential_configuration_ids"`
	OfferURI                   string           `json:"offer_uri,omitempty"`
	CredentialOfferURI         string           `json:"credential_offer_uri,omitempty"`
	TxCode                     string           `json:"tx_code,omitempty"`
	TxCodePolicy               *issuance.TxCode `json:"tx_code_policy,omitempty"`
	TxCodeAttempts             int              `json:"tx_code_attempts"`
	MaxTxCodeAttempts          int              `json:"max_tx_code_attempts"`
	QRURL                      string           `json:"qr_url,omitempty"`
	QRSVGURL                   string           `json:"qr_svg_url,omitempty"`
	CreatedAt                  time.Time        `json:"created_at"`
	ExpiresAt                  time.Time        `json:"expires_at"`
	FetchedAt                  *time.Time       `json:"fetched_at,omitempty"`
	RedeemedAt                 *time.Time       `json:"redeemed_at,omitempty"`
	CredentialIssuedAt         *time.Time       `json:"credential_issued_at,omitempty"`
	AcceptedAt                 *time.Time       `json:"accepted_at,omitempty"`
	RevokedAt                  *time.Time       `json:"revoked_at,omitempty"`
	LockedAt                   *time.Time       `json:"locked_at,omitempty"`
}

// CreateOffer serves POST /api/v1/offers.
func (h *Handlers) CreateOffer(c *gin.Context) error {
	var body createOfferBody
	if err := wire.DecodeJSON(c.Request, &body, wire.Options{UseNumber: true, Strict: true}); err != nil {
		return requestError(err)
	}
	req, err := body.request()
	if err != nil {
		return err
	}
	created, err := h.svc.CreateOffer(c.Request.Context(), req)
	if err != nil {
		return err
	}
	v := h.view(created.Offer, created.Links)
	v.TxCode = created.TxCode
	c.Header("Location", v.selfURL(h.svc.Issuer))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, v)
	return nil
}

func (b *createOfferBody) request() (issuance.CreateOfferRequest, error) {
	req := issuance.CreateOfferRequest{
		ConfigurationIDs: b.CredentialConfigurationIDs,
		Claims:           b.Claims,
		ByReference:      b.ByReference,
	}
	switch b.Grant {
	case "", "pre-authorized_code", issuance.GrantPreAuthorizedCode:
	case "authorization_code":
		req.Grant = issuance.GrantAuthorizationCode
	default:
		return req, &issuance.ValidationError{Fields: map[string]string{"grant": `must be "pre-authorized_code" or "authorization_code"`}}
	}
	if b.ExpiresIn != nil {
		if *b.ExpiresIn <= 0 {
			return req, &issuance.ValidationError{Fields: map[string]string{"expires_in": "must be a positive number of seconds"}}
		}
		req.ExpiresIn = time.Duration(*b.ExpiresIn) * time.Second
	}
	tc, err := parseTxCode(b.TxCode)
	if err != nil {
		return req, err
	}
	req.TxCode = tc
	return req, nil
}

// parseTxCode reads tx_code: absent (default policy), "none", or an object
// {input_mode, length, description}.
func parseTxCode(raw json.RawMessage) (*issuance.TxCodePolicy, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "none" {
			return &issuance.TxCodePolicy{None: true}, nil
		}
		return nil, &issuance.ValidationError{Fields: map[string]string{"tx_code": `must be "none" or an object {input_mode, length, description}`}}
	}
	var p struct {
		InputMode   string `json:"input_mode"`
		Length      int    `json:"length"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, &issuance.ValidationError{Fields: map[string]string{"tx_code": `must be "none" or an object {input_mode, length, description}`}}
	}
	return &issuance.TxCodePolicy{InputMode: p.InputMode, Length: p.Length, Description: p.Description}, nil
}

// ShowOffer serves GET /api/v1/offers/{id}. The links are shown only while
// the offer can still be redeemed.
func (h *Handlers) ShowOffer(c *gin.Context) error {
	o, err := h.svc.Offer(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	links, err := h.openLinks(o)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h.view(o, links))
	return nil
}

// RevokeOffer serves POST /api/v1/offers/{id}/revoke.
func (h *Handlers) RevokeOffer(c *gin.Context) error {
	o, err := h.svc.RevokeOffer(c.Request.Context(), c.Param("id"))
	if errors.Is(err, issuance.ErrConflict) {
		return &issuance.Error{Code: "conflict", Description: "the offer is already revoked", Status: http.StatusConflict}
	} else if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h.view(o, issuance.OfferLinks{}))
	return nil
}

// openLinks returns the links of an offer that can still be redeemed, and
// none otherwise.
func (h *Handlers) openLinks(o *issuance.Offer) (issuance.OfferLinks, error) {
	if !o.Redeemable(h.svc.Now()) {
		return issuance.OfferLinks{}, nil
	}
	return h.svc.Links(o)
}

// OfferQRPNG serves GET /api/v1/offers/{id}/qr.png (?size=pixels, 128-2048).
func (h *Handlers) OfferQRPNG(c *gin.Context) error {
	links, err := h.offerLinks(c)
	if err != nil {
		return err
	}
	size := 512
	if s := c.Query("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 128 || n > 2048 {
			return &issuance.ValidationError{Fields: map[string]string{"size": "must be a number of pixels between 128 and 2048"}}
		}
		size = n
	}
	png, err := qr.PNG(links.OfferURI, size)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "image/png", png)
	return nil
}

// OfferQRSVG serves GET /api/v1/offers/{id}/qr.svg.
func (h *Handlers) OfferQRSVG(c *gin.Context) error {
	links, err := h.offerLinks(c)
	if err != nil {
		return err
	}
	svg, err := qr.SVG(links.OfferURI)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "image/svg+xml", svg)
	return nil
}

// offerLinks returns the links for a QR code: 410 once the offer cannot be
// redeemed any more.
func (h *Handlers) offerLinks(c *gin.Context) (issuance.OfferLinks, error) {
	o, err := h.svc.Offer(c.Request.Context(), c.Param("id"))
	if err != nil {
		return issuance.OfferLinks{}, err
	}
	if !o.Redeemable(h.svc.Now()) {
		return issuance.OfferLinks{}, &issuance.Error{Code: "offer_unavailable", Description: "the offer is " + string(o.EffectiveState(h.svc.Now())) + "; there is no QR code to show", Status: http.StatusGone}
	}
	return h.svc.Links(o)
}

func (h *Handlers) view(o *issuance.Offer, links issuance.OfferLinks) offerView {
	now := h.svc.Now()
	self := h.svc.Issuer + "/api/v1/offers/" + o.ID
	v := offerView{
		ID: o.ID, State: string(o.EffectiveState(now)), Grant: "pre-authorized_code", CredentialConfigurationIDs: o.ConfigurationIDs,
		OfferURI: links.OfferURI, CredentialOfferURI: links.CredentialOfferURI,
		TxCodePolicy: o.TxCode, TxCodeAttempts: o.TxCodeAttempts, MaxTxCodeAttempts: o.MaxTxCodeAttempts,
		CreatedAt: o.CreatedAt, ExpiresAt: o.ExpiresAt, FetchedAt: o.FetchedAt, RedeemedAt: o.RedeemedAt,
		CredentialIssuedAt: o.IssuedAt, AcceptedAt: o.AcceptedAt, RevokedAt: o.RevokedAt, LockedAt: o.LockedAt,
	}
	if o.Grant == issuance.GrantAuthorizationCode {
		v.Grant = "authorization_code"
	}
	if links.OfferURI != "" {
		v.QRURL, v.QRSVGURL = self+"/qr.png", self+"/qr.svg"
	}
	return v
}

func (v offerView) selfURL(issuer string) string {
	return issuer + "/api/v1/offers/" + v.ID
}

// requestError turns a body decoding problem into a 400 (or keeps a 413).
func requestError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return &issuance.Error{Code: issuance.CodeInvalidRequest, Description: err.Error(), Status: http.StatusBadRequest}
}
