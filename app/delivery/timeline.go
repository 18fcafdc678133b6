package delivery

import (
	"context"
	"strconv"
	"time"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Step is one state on an offer's way: created → delivered → offer fetched →
// token issued → credential issued → accepted, or an end (expired, locked,
// revoked).
type Step struct {
	Key, Label string
	// At is when the offer reached the step; nil when it has not.
	At *time.Time
	// End marks an end that leaves the happy path.
	End bool
}

// Entry is one line of an offer's history: an audit event or a message on
// its way.
type Entry struct {
	At    time.Time
	Label string
	// Actor is who did it; the console names it (audit.Names) with one
	// lookup for the whole timeline. Entries credmint itself adds are the
	// system's.
	Actor   audit.Actor
	Detail  string
	Problem bool
}

// Timeline is the history of an offer.
type Timeline struct {
	Steps   []Step
	Entries []Entry
}

// happyPath are the steps of an offer that goes well, with the audit actions
// that mark them.
var happyPath = []struct {
	key, label string
	actions    []string
}{
	{"created", "Created", []string{"offer.created"}},
	{"delivered", "Delivered", []string{"offer.delivered", "offer.printed"}},
	{"fetched", "Offer fetched", []string{"offer.fetched"}},
	{"redeemed", "Token issued", []string{"offer.redeemed"}},
	{"credential_issued", "Credential issued", []string{"credential.issued"}},
	{"accepted", "Accepted", []string{"credential.credential_accepted"}},
}

// actionLabels name the audit actions of an offer for people.
var actionLabels = map[string]string{
	"offer.created":                  "Offer created",
	"offer.delivered":                "Offer sent by email",
	"offer.printed":                  "Letter printed",
	"offer.tx_code_sent":             "PIN sent",
	"offer.delivery_failed":          "Delivery failed",
	"offer.delivery_cancelled":       "Delivery cancelled",
	"offer.fetched":                  "Offer fetched by a wallet",
	"offer.redeemed":                 "Token issued to a wallet",
	"credential.issued":              "Credential issued",
	"credential.credential_accepted": "Wallet accepted the credential",
	"credential.credential_failure":  "Wallet reported a failure",
	"credential.credential_deleted":  "Wallet deleted the credential",
	"offer.locked":                   "Locked after too many wrong PINs",
	"offer.revoked":                  "Revoked",
	"offer.extended":                 "Expiry extended",
	"offer.resent":                   "Delivery queued again",
	"offer.tx_code_regenerated":      "New PIN issued",
}

var problemActions = map[string]bool{
	"offer.delivery_failed": true, "offer.locked": true, "offer.revoked": true, "credential.credential_failure": true,
}

// Timeline builds the history of o from its audit events and its messages
// still on their way.
func (s *Service) Timeline(ctx context.Context, o *issuance.Offer) (*Timeline, error) {
	evs, err := s.Store.AuditEvents(ctx, "offer", o.ID)
	if err != nil {
		return nil, err
	}
	msgs, err := s.Store.OfferMessages(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	return buildTimeline(o, evs, msgs, s.now()), nil
}

func buildTimeline(o *issuance.Offer, evs []audit.Event, msgs []Message, now time.Time) *Timeline {
	t := &Timeline{}
	first := map[string]time.Time{}
	for _, ev := range evs {
		if _, ok := first[ev.Action]; !ok {
			first[ev.Action] = ev.At
		}
		label := actionLabels[ev.Action]
		if label == "" {
			label = ev.Action
		}
		t.Entries = append(t.Entries, Entry{At: ev.At, Label: label, Actor: ev.Actor, Detail: eventDetail(ev), Problem: problemActions[ev.Action]})
	}
	for _, p := range happyPath {
		st := Step{Key: p.key, Label: p.label}
		for _, a := range p.actions {
			if at, ok := first[a]; ok && (st.At == nil || at.Before(*st.At)) {
				at := at
				st.At = &at
			}
		}
		t.Steps = append(t.Steps, st)
	}
	switch st := o.EffectiveState(now); st {
	case issuance.OfferExpired:
		at := o.ExpiresAt
		t.Steps = append(t.Steps, Step{Key: "expired", Label: "Expired", At: &at, End: true})
		t.Entries = append(t.Entries, Entry{At: at, Label: "Expired unused", Actor: system, Problem: true})
	case issuance.OfferLocked:
		t.Steps = append(t.Steps, Step{Key: "locked", Label: "Locked", At: firstOf(first, "offer.locked", o.LockedAt), End: true})
	case issuance.OfferRevoked:
		t.Steps = append(t.Steps, Step{Key: "revoked", Label: "Revoked", At: firstOf(first, "offer.revoked", o.RevokedAt), End: true})
	}
	for _, m := range msgs {
		switch m.State {
		case StatePending, StateSending:
			label := "Message queued: " + purposeLabel(m) + " by " + m.Kind
			detail := ""
			if m.Attempts > 0 {
				detail = "attempt " + strconv.Itoa(m.Attempts) + " failed: " + m.LastError + "; next try " + m.NextAttemptAt.Format(time.RFC3339)
			}
			t.Entries = append(t.Entries, Entry{At: m.CreatedAt, Label: label, Actor: system, Detail: detail, Problem: m.Attempts > 0})
		}
	}
	return t
}

func firstOf(first map[string]time.Time, action string, fallback *time.Time) *time.Time {
	if at, ok := first[action]; ok {
		return &at
	}
	return fallback
}

func purposeLabel(m Message) string {
	if m.Purpose == PurposeTxCode {
		return "PIN"
	}
	return "offer"
}

// system is the actor of what credmint does by itself.
var system = audit.Actor{Kind: audit.ActorSystem}

// eventDetail shows the non-secret details of an event that help staff.
func eventDetail(ev audit.Event) string {
	var out string
	for _, k := range []string{"channel", "delivery_channel", "tx_code_channel", "expires_at", "error", "previous_state", "batch_id"} {
		if v := ev.Details[k]; v != "" {
			if out != "" {
				out += ", "
			}
			out += k + ": " + v
		}
	}
	return out
}
