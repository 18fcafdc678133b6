package console

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/views/components"
	"credmint/views/offers"
)

const timeFormat = "2006-01-02 15:04:05 UTC"

// showProps builds the offer page from d, naming people with names.
func (h *Handlers) showProps(c *gin.Context, d *delivery.Detail, names audit.Names, manage bool, errs components.Errors, newPIN string) offers.ShowProps {
	o := d.Offer
	st := d.State
	p := offers.ShowProps{
		Layout: h.Layout(c, "Offer "+o.ID), ID: o.ID, State: string(st),
		Configuration: strings.Join(o.ConfigurationIDs, ", "),
		CreatedAt:     o.CreatedAt.UTC().Format(timeFormat), CreatedBy: names.ByID(o.CreatedBy), ExpiresAt: o.ExpiresAt.UTC().Format(timeFormat),
		TxCodePolicy: txCodePolicy(o), Delivery: channelLabel(o.DeliveryChannel), TxCode: txCodeChannelLabel(o),
		DeliveredAt: "not yet", CanManage: manage, Errors: errs, NewTxCode: newPIN,
	}
	if o.TxCode != nil {
		p.Attempts = fmt.Sprintf("%d of %d", o.TxCodeAttempts, o.MaxTxCodeAttempts)
	} else {
		p.Attempts = "—"
	}
	if o.DeliveredAt != nil {
		p.DeliveredAt = o.DeliveredAt.UTC().Format(timeFormat)
	}
	switch {
	case d.Applicant != nil:
		p.ApplicantName, p.ApplicantHref = d.Applicant.Name, h.BasePath+"/console/applicants/"+d.Applicant.ID
	case o.ApplicantID != "":
		p.ApplicantName = o.ApplicantID + " (deleted)"
	default:
		p.ApplicantName = "none (made through the API)"
	}
	if o.BatchID != "" {
		p.BatchID, p.BatchHref = o.BatchID, h.BasePath+"/console/offers/batches/"+o.BatchID
	}
	if d.Links.OfferURI != "" {
		self := h.BasePath + "/console/offers/" + o.ID
		p.OfferURI, p.LandingURL, p.QRPNGURL, p.QRSVGURL = d.Links.OfferURI, d.Links.LandingURL, self+"/qr.png", self+"/qr.svg"
	}
	for _, s := range d.Timeline.Steps {
		step := offers.Step{Label: s.Label, Reached: s.At != nil, End: s.End}
		if s.At != nil {
			step.At = s.At.UTC().Format(timeFormat)
		}
		p.Steps = append(p.Steps, step)
	}
	for _, e := range d.Timeline.Entries {
		p.Entries = append(p.Entries, offers.Entry{At: e.At.UTC().Format(timeFormat), Label: e.Label, Actor: names.Of(e.Actor), Detail: e.Detail, Problem: e.Problem})
	}
	for _, m := range d.Messages {
		p.Messages = append(p.Messages, messageRow(m))
	}
	redeemable := st == issuance.OfferCreated || st == issuance.OfferFetched
	p.CanResend = redeemable && (o.DeliveryChannel == issuance.DeliveryEmail || hasFailed(d.Messages))
	p.CanRegenerate = o.TxCode != nil && (redeemable || st == issuance.OfferLocked)
	p.CanRevoke = st != issuance.OfferRevoked
	p.CanExtend = redeemable || st == issuance.OfferExpired
	p.CanPrint = redeemable
	if p.CanExtend {
		until := o.ExpiresAt
		if now := h.Issuance.Clock(); until.Before(now) {
			until = now
		}
		p.ExtendUntil = until.Add(7 * 24 * time.Hour).UTC().Format("2006-01-02T15:04")
	}
	return p
}

func hasFailed(msgs []delivery.Message) bool {
	for _, m := range msgs {
		if m.State == delivery.StateFailed && len(m.PayloadSealed) > 0 {
			return true
		}
	}
	return false
}

func messageRow(m delivery.Message) offers.MessageRow {
	r := offers.MessageRow{ID: m.ID, What: "Offer (QR code and link)", Kind: m.Kind, State: m.State,
		Attempts: strconv.Itoa(m.Attempts), LastError: m.LastError, Problem: m.State == delivery.StateFailed}
	if m.Purpose == delivery.PurposeTxCode {
		r.What = "PIN"
	}
	switch {
	case m.SentAt != nil:
		r.When = "sent " + m.SentAt.UTC().Format(timeFormat)
	case m.State == delivery.StatePending:
		r.When = "due " + m.NextAttemptAt.UTC().Format(timeFormat)
	}
	return r
}

func txCodePolicy(o *issuance.Offer) string {
	if o.TxCode == nil {
		return "none: the wallet asks for no PIN"
	}
	s := fmt.Sprintf("%d %s characters", o.TxCode.Length, o.TxCode.InputMode)
	if o.TxCode.Description != "" {
		s += ` ("` + o.TxCode.Description + `")`
	}
	return s
}

func channelLabel(ch string) string {
	switch ch {
	case issuance.DeliveryEmail:
		return "email"
	case issuance.DeliveryPrint:
		return "letter"
	case issuance.DeliverySMS:
		return "SMS"
	}
	return "by hand"
}

func txCodeChannelLabel(o *issuance.Offer) string {
	if o.TxCode == nil {
		return "no PIN"
	}
	switch o.TxCodeChannel {
	case issuance.DeliveryEmail:
		return "a second email"
	case issuance.DeliverySMS:
		return "SMS"
	case issuance.DeliveryPrint:
		return "printed slip"
	}
	return "by hand"
}
