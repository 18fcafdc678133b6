package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/applicants"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/views/components"
	"credmint/views/offers"
)

// channelForm are the delivery fields of the offer forms.
type channelForm struct {
	DeliveryChannel string `form:"delivery_channel"`
	TxCodeChannel   string `form:"tx_code_channel"`
	ExpiresInDays   string `form:"expires_in_days"`
	// Grant is "pre-authorized_code" ("" too) or "authorization_code".
	Grant string `form:"grant"`
}

// order reads the channels; a bad number of days is a field error.
func (f *channelForm) order() (delivery.Order, components.Errors) {
	o := delivery.Order{DeliveryChannel: f.DeliveryChannel, TxCodeChannel: f.TxCodeChannel}
	switch f.Grant {
	case "", "pre-authorized_code":
	case "authorization_code":
		o.Grant = issuance.GrantAuthorizationCode
	default:
		return o, components.Errors{"grant": "choose a PIN or a login"}
	}
	if s := strings.TrimSpace(f.ExpiresInDays); s != "" {
		days, err := strconv.Atoi(s)
		if err != nil || days < 1 || days > 90 {
			return o, components.Errors{"expires_in_days": "must be a whole number of days between 1 and 90"}
		}
		o.ExpiresIn = time.Duration(days) * 24 * time.Hour
	}
	return o, nil
}

func (h *Handlers) channels(f channelForm) offers.Channels {
	c := offers.Channels{Delivery: f.DeliveryChannel, TxCode: f.TxCodeChannel, ExpiresInDays: f.ExpiresInDays,
		EmailEnabled: h.Delivery.EmailEnabled, SMSEnabled: h.Delivery.SMSEnabled, Grant: f.Grant}
	if c.Delivery == "" {
		c.Delivery = issuance.DeliveryPrint
		if c.EmailEnabled {
			c.Delivery = issuance.DeliveryEmail
		}
	}
	if c.TxCode == "" {
		c.TxCode = issuance.DeliveryPrint
		if c.SMSEnabled {
			c.TxCode = issuance.DeliverySMS
		}
	}
	return c
}

type newOfferForm struct {
	channelForm
	ApplicantID string `form:"applicant_id"`
}

// NewOffer serves GET /console/offers/new?applicant=ID.
func (h *Handlers) NewOffer(c *gin.Context) error {
	f := newOfferForm{ApplicantID: c.Query("applicant")}
	return h.renderNewOffer(c, http.StatusOK, f, nil)
}

func (h *Handlers) renderNewOffer(c *gin.Context, status int, f newOfferForm, errs components.Errors) error {
	p := offers.NewProps{Layout: h.Layout(c, "New offer"), ApplicantID: f.ApplicantID, Channels: h.channels(f.channelForm), Errors: errs}
	// The login is offered when credmint is an authorization server.
	p.Channels.LoginEnabled = h.Issuance.CodeGrant != nil
	if f.ApplicantID != "" && h.Applicants != nil {
		if a, err := h.Applicants.Get(c.Request.Context(), f.ApplicantID); err == nil {
			p.ApplicantName = cmpOr(a.Name, a.ID)
		}
	}
	return render(c, status, offers.New(p))
}

// CreateOffer serves POST /console/offers: one offer for one applicant, its
// deliveries queued.
func (h *Handlers) CreateOffer(c *gin.Context) error {
	var f newOfferForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	o, errs := f.order()
	if errs != nil {
		return h.renderNewOffer(c, http.StatusBadRequest, f, errs)
	}
	created, err := h.Delivery.CreateOffer(c.Request.Context(), strings.TrimSpace(f.ApplicantID), o)
	if err != nil {
		errs, err := formErrors(err)
		if err != nil {
			return err
		}
		return h.renderNewOffer(c, http.StatusBadRequest, f, errs)
	}
	return h.redirect(c, "/console/offers/"+created.Offer.ID, "Offer created.")
}

type batchForm struct {
	channelForm
	ImportJobID     string `form:"import_job_id"`
	ConfigurationID string `form:"configuration_id"`
	Query           string `form:"query"`
}

// NewBatch serves GET /console/offers/batches/new (?import=ID or
// ?configuration=ID preselects the applicants).
func (h *Handlers) NewBatch(c *gin.Context) error {
	f := batchForm{ImportJobID: c.Query("import"), ConfigurationID: c.Query("configuration"), Query: c.Query("q")}
	return h.renderBatchForm(c, http.StatusOK, f, nil)
}

func (h *Handlers) renderBatchForm(c *gin.Context, status int, f batchForm, errs components.Errors) error {
	p := offers.BatchFormProps{Layout: h.Layout(c, "Offers for many applicants"), ImportJobID: f.ImportJobID,
		ConfigurationID: f.ConfigurationID, Query: f.Query, Channels: h.channels(f.channelForm), Errors: errs,
		Imports: []components.Option{{Value: "", Label: "—"}}, Configurations: []components.Option{{Value: "", Label: "—"}}}
	p.Channels.LoginEnabled = h.Issuance.CodeGrant != nil
	if h.Applicants != nil {
		ctx := c.Request.Context()
		jobs, err := h.Applicants.Jobs(ctx, 50)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			p.Imports = append(p.Imports, components.Option{Value: j.ID, Label: fmt.Sprintf("%s (%s, %d applicants, %s)", j.FileName, j.ConfigurationID, j.Imported, j.CreatedAt.Format("2006-01-02"))})
		}
		configs, err := h.Applicants.Configurations(ctx)
		if err != nil {
			return err
		}
		for _, cfg := range configs {
			p.Configurations = append(p.Configurations, components.Option{Value: cfg.ID, Label: cfg.ID})
		}
	}
	return render(c, status, offers.BatchForm(p))
}

// CreateBatch serves POST /console/offers/batches: it records the batch and
// sends the browser to its progress page; the offers are made in the
// background, in chunked transactions.
func (h *Handlers) CreateBatch(c *gin.Context) error {
	var f batchForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	o, errs := f.order()
	if errs != nil {
		return h.renderBatchForm(c, http.StatusBadRequest, f, errs)
	}
	sel := applicants.Filter{ImportJobID: f.ImportJobID, ConfigurationID: f.ConfigurationID, Query: strings.TrimSpace(f.Query)}
	b, err := h.Delivery.StartBatch(c.Request.Context(), sel, o)
	if err != nil {
		errs, err := formErrors(err)
		if err != nil {
			return err
		}
		return h.renderBatchForm(c, http.StatusBadRequest, f, errs)
	}
	return h.redirect(c, "/console/offers/batches/"+b.ID, "The offers are being created.")
}

// Batch serves GET /console/offers/batches/:id.
func (h *Handlers) Batch(c *gin.Context) error {
	b, err := h.Delivery.Batch(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	p := offers.BatchProps{Layout: h.Layout(c, "Batch "+b.ID), Batch: h.batchView(c, b)}
	if p.Batch.CanPrint && !p.Batch.Running {
		// Said before the PDF is made: letters whose words the PDF's font
		// cannot print.
		// A failure here leaves the note out, not the page.
		bad, err := h.Delivery.BatchUnprintable(c.Request.Context(), b.ID)
		if err != nil {
			h.Log.Warn("batch page: looking for letters the PDF cannot print failed", "batch_id", b.ID, "error", err.Error())
		}
		for _, l := range bad {
			p.Unprintable = append(p.Unprintable, offers.UnprintableLetter{Name: cmpOr(l.Name, l.OfferID), URL: h.BasePath + "/console/offers/" + l.OfferID})
		}
	}
	return render(c, http.StatusOK, offers.Batch(p))
}

// BatchProgress serves GET /console/offers/batches/:id/progress, the part of
// the batch page htmx refreshes while the batch runs.
func (h *Handlers) BatchProgress(c *gin.Context) error {
	b, err := h.Delivery.Batch(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, offers.BatchProgress(h.batchView(c, b)))
}

func (h *Handlers) batchView(c *gin.Context, b *delivery.Batch) offers.BatchView {
	self := h.BasePath + "/console/offers/batches/" + b.ID
	return offers.BatchView{
		ID: b.ID, Selection: delivery.SelectionLabel(b.Selection), State: b.State,
		Delivery: channelLabel(b.Order.DeliveryChannel), TxCode: channelLabel(b.Order.TxCodeChannel),
		CreatedAt: b.CreatedAt.UTC().Format(timeFormat), LastError: b.LastError,
		Total: b.Total, Created: b.Created, Skipped: b.Skipped, Done: b.Done(), Running: b.State == delivery.BatchRunning,
		ProgressURL: self + "/progress", OffersURL: h.BasePath + "/console/offers?batch=" + b.ID,
		CanPrint: b.Created > 0 && (b.Order.DeliveryChannel == issuance.DeliveryPrint || b.Order.TxCodeChannel == issuance.DeliveryPrint) && canManageOffers(c),
		Login:    b.Order.Grant == issuance.GrantAuthorizationCode,
	}
}
