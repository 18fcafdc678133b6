package console

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	viewhooks "credmint/views/webhooks"
)

// webhookLogSize is how many recent deliveries the log shows.
const webhookLogSize = 100

// Webhooks serves GET /console/webhooks: the configured endpoints (without
// their secrets), the events not yet turned into deliveries, and the recent
// deliveries.
func (h *Handlers) Webhooks(c *gin.Context) error {
	if h.WebhookLog == nil {
		return issuance.ErrNotFound
	}
	msgs, err := h.WebhookLog.Deliveries(c.Request.Context(), webhookLogSize)
	if err != nil {
		return err
	}
	delayed, err := h.WebhookLog.DelayedEvents(c.Request.Context(), webhookLogSize)
	if err != nil {
		return err
	}
	p := viewhooks.Props{Layout: h.Layout(c, "Webhooks"), Deliveries: msgs, Delayed: delayed, DelayedLimit: webhookLogSize}
	for _, e := range h.WebhookLog.Endpoints {
		p.Endpoints = append(p.Endpoints, viewhooks.Endpoint{URL: e.URL, Events: e.Events})
	}
	return render(c, http.StatusOK, viewhooks.Page(p))
}

// RetryEvent serves POST /console/webhooks/events/:id/retry: a delayed
// event is relayed again at once.
func (h *Handlers) RetryEvent(c *gin.Context) error {
	if h.WebhookLog == nil {
		return issuance.ErrNotFound
	}
	err := h.WebhookLog.RetryEvent(c.Request.Context(), c.Param("id"))
	if errors.Is(err, issuance.ErrConflict) {
		return h.redirect(c, "/console/webhooks", "!That event is not waiting: it was queued meanwhile.")
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/webhooks", "The event is tried again within seconds.")
}

// RetryWebhook serves POST /console/webhooks/:id/retry: a failed delivery
// is due now again, with a fresh attempt count.
func (h *Handlers) RetryWebhook(c *gin.Context) error {
	if h.WebhookLog == nil {
		return issuance.ErrNotFound
	}
	err := h.WebhookLog.Retry(c.Request.Context(), c.Param("id"))
	if errors.Is(err, issuance.ErrConflict) {
		return h.redirect(c, "/console/webhooks", "!That delivery has not failed, or is no longer kept.")
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/webhooks", "Delivery queued again: it is sent within seconds.")
}
