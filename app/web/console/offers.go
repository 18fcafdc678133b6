package console

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/app/qr"
	"credmint/app/staff"
	"credmint/views/components"
	"credmint/views/offers"
)

type offerListQuery struct {
	State       string `form:"state"`
	BatchID     string `form:"batch"`
	ApplicantID string `form:"applicant"`
	Failed      bool   `form:"failed"`
	// DeliveryFailed is the dashboard's name for Failed.
	DeliveryFailed bool   `form:"delivery_failed"`
	After          string `form:"after"`
}

// Offers serves GET /console/offers: offers newest first, filtered by
// state, batch, applicant or failed delivery, in keyset pages.
func (h *Handlers) Offers(c *gin.Context) error {
	var q offerListQuery
	if err := c.ShouldBindQuery(&q); err != nil {
		return &issuance.ValidationError{Fields: map[string]string{"": "bad filter"}}
	}
	q.Failed = q.Failed || q.DeliveryFailed
	f := issuance.OfferFilter{State: issuance.OfferState(q.State), BatchID: q.BatchID, ApplicantID: q.ApplicantID, DeliveryFailed: q.Failed}
	if q.State != "" && !slices.Contains(issuance.FilterStates, f.State) {
		f.State = ""
	}
	f.After = decodeOfferCursor(q.After)
	list, next, err := h.Issuance.ListOffers(c.Request.Context(), f)
	if err != nil {
		return err
	}
	p := offers.ListProps{Layout: h.Layout(c, "Offers"), States: stateOptions(), CanManage: Can(c, staff.PermManageOffers),
		Filter: offers.Filter{State: string(f.State), BatchID: q.BatchID, ApplicantID: q.ApplicantID, Failed: q.Failed}}
	now := h.Issuance.Clock()
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	failed, err := h.Delivery.FailedAmong(c.Request.Context(), ids)
	if err != nil {
		return err
	}
	names, err := h.applicantNames(c.Request.Context(), list)
	if err != nil {
		return err
	}
	for i := range list {
		r := h.offerRow(&list[i], names, now)
		r.DeliveryProblem = failed[r.ID]
		p.Rows = append(p.Rows, r)
	}
	base := url.Values{}
	for k, v := range map[string]string{"state": string(f.State), "batch": q.BatchID, "applicant": q.ApplicantID} {
		if v != "" {
			base.Set(k, v)
		}
	}
	if q.Failed {
		base.Set("failed", "1")
	}
	if next != nil {
		v := cloneValues(base)
		v.Set("after", encodeOfferCursor(next))
		p.NextURL = h.BasePath + "/console/offers?" + v.Encode()
	}
	if q.After != "" {
		p.FirstURL = h.BasePath + "/console/offers?" + base.Encode()
	}
	if q.After == "" && q.BatchID == "" && q.ApplicantID == "" && h.Delivery != nil {
		batches, err := h.Delivery.RecentBatches(c.Request.Context())
		if err != nil {
			return err
		}
		for i := range batches {
			p.Batches = append(p.Batches, h.batchRow(&batches[i]))
		}
	}
	return render(c, http.StatusOK, offers.List(p))
}

// applicantNames returns the names of the applicants of list, in one
// lookup; nil when the page has no applicants service.
func (h *Handlers) applicantNames(ctx context.Context, list []issuance.Offer) (map[string]string, error) {
	if h.Applicants == nil {
		return nil, nil
	}
	var ids []string
	for i := range list {
		if id := list[i].ApplicantID; id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return h.Applicants.Names(ctx, ids)
}

func (h *Handlers) offerRow(o *issuance.Offer, names map[string]string, now time.Time) offers.Row {
	r := offers.Row{ID: o.ID, Href: h.BasePath + "/console/offers/" + o.ID, State: string(o.EffectiveState(now)),
		Configuration: strings.Join(o.ConfigurationIDs, ", "), Delivery: channelLabel(o.DeliveryChannel),
		CreatedAt: offers.MomentOf(o.CreatedAt), ExpiresAt: offers.MomentOf(o.ExpiresAt)}
	switch {
	case o.ApplicantID == "":
		r.ApplicantName = "—"
	default:
		r.ApplicantName, r.ApplicantHref = o.ApplicantID, h.BasePath+"/console/applicants/"+o.ApplicantID
		if name := names[o.ApplicantID]; name != "" {
			r.ApplicantName = name
		}
	}
	return r
}

func (h *Handlers) batchRow(b *delivery.Batch) offers.BatchRow {
	progress := strconv.Itoa(b.Created) + " offers"
	if b.Total > 0 {
		progress = strconv.Itoa(b.Done()) + " of " + strconv.Itoa(b.Total) + " applicants, " + progress
	}
	return offers.BatchRow{ID: b.ID, Href: h.BasePath + "/console/offers/batches/" + b.ID, Selection: delivery.SelectionLabel(b.Selection),
		State: b.State, Progress: progress, CreatedAt: offers.MomentOf(b.CreatedAt)}
}

func stateOptions() []components.Option {
	opts := []components.Option{{Value: "", Label: "All"}}
	for _, s := range issuance.FilterStates {
		label := string(s)
		switch s {
		case issuance.StateOpen:
			label = "open (can be redeemed)"
		case issuance.OfferRedeemed:
			label = "token issued"
		case issuance.OfferIssued:
			label = "credential issued"
		}
		opts = append(opts, components.Option{Value: string(s), Label: label})
	}
	return opts
}

// encodeOfferCursor makes the "after" parameter of the next page.
func encodeOfferCursor(c *issuance.OfferCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

// decodeOfferCursor reads an "after" parameter; a bad one starts over.
func decodeOfferCursor(s string) *issuance.OfferCursor {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || s == "" {
		return nil
	}
	at, id, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return nil
	}
	return &issuance.OfferCursor{CreatedAt: t, ID: id}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Offer serves GET /console/offers/:id. Staff who may manage offers see its
// QR code and links (secrets that let anyone collect the credential).
func (h *Handlers) Offer(c *gin.Context) error {
	return h.renderOffer(c, http.StatusOK, c.Param("id"), nil, "")
}

// renderOffer shows the offer page with errs (status 400 for a form error)
// or a new PIN to hand over.
func (h *Handlers) renderOffer(c *gin.Context, status int, id string, errs components.Errors, newPIN string) error {
	manage := Can(c, staff.PermManageOffers)
	d, err := h.Delivery.OfferDetail(c.Request.Context(), id, manage)
	if err != nil {
		return err
	}
	actors := make([]audit.Actor, len(d.Timeline.Entries))
	for i, e := range d.Timeline.Entries {
		actors[i] = e.Actor
	}
	names, err := h.Reports.ActorNames(c.Request.Context(), audit.ActorIDs(actors, d.Offer.CreatedBy))
	if err != nil {
		return err
	}
	return render(c, status, offers.Show(h.showProps(c, d, names, manage, errs, newPIN)))
}

// offerQR returns the offer URI behind a QR code; 404 once the offer cannot
// be redeemed.
func (h *Handlers) offerQR(c *gin.Context) (string, error) {
	d, err := h.Delivery.OfferDetail(c.Request.Context(), c.Param("id"), true)
	if err != nil {
		return "", err
	}
	if d.Links.OfferURI == "" {
		return "", issuance.ErrNotFound
	}
	return d.Links.OfferURI, nil
}

// OfferQRPNG serves GET /console/offers/:id/qr.png (?download=1 to save it).
func (h *Handlers) OfferQRPNG(c *gin.Context) error {
	uri, err := h.offerQR(c)
	if err != nil {
		return err
	}
	png, err := qr.PNG(uri, 720)
	if err != nil {
		return err
	}
	qrHeaders(c, c.Param("id")+".png")
	c.Data(http.StatusOK, "image/png", png)
	return nil
}

// OfferQRSVG serves GET /console/offers/:id/qr.svg (?download=1 to save it).
func (h *Handlers) OfferQRSVG(c *gin.Context) error {
	uri, err := h.offerQR(c)
	if err != nil {
		return err
	}
	svg, err := qr.SVG(uri)
	if err != nil {
		return err
	}
	qrHeaders(c, c.Param("id")+".svg")
	c.Data(http.StatusOK, "image/svg+xml", svg)
	return nil
}

func qrHeaders(c *gin.Context, name string) {
	c.Header("Cache-Control", "private, no-store")
	if c.Query("download") != "" {
		c.Header("Content-Disposition", `attachment; filename="credential-offer-`+name+`"`)
	}
}

// formErrors turns a validation error into field messages; other errors
// come back as they are.
func formErrors(err error) (components.Errors, error) {
	var ve *issuance.ValidationError
	if errors.As(err, &ve) {
		return components.Errors(ve.Fields), nil
	}
	var ce *delivery.ConflictError
	if errors.As(err, &ce) {
		return components.Errors{"": ce.Reason}, nil
	}
	return nil, err
}
