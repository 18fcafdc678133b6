package delivery

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/views/mail"
)

func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	w, err := NewWorker(WorkerDeps{Store: nil, Sealer: nil, Owner: "x"})
	if err == nil || w != nil {
		t.Fatal("a worker without a store must be refused")
	}
	w = &Worker{WorkerDeps{Backoff: 30 * time.Second, MaxBackoff: time.Hour, Rand: bytes.NewReader(bytes.Repeat([]byte{0x42}, 1024))}}
	for attempt, base := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 32 * time.Minute, 8: time.Hour, 20: time.Hour} {
		got := w.backoff(attempt)
		if got < base*8/10 || got >= base*12/10 {
			t.Errorf("attempt %d: %v, want %v ± 20%%", attempt, got, base)
		}
	}
}

type catalog map[string]*credential.Configuration

func (c catalog) Configuration(_ context.Context, id string) (*credential.Configuration, error) {
	if cfg, ok := c[id]; ok {
		return cfg, nil
	}
	return nil, credential.ErrUnknownConfiguration
}

var testCatalog = catalog{"pid": {ID: "pid", Display: []credential.Display{{Name: "ID card", Locale: "en"}, {Name: "Ausweis", Locale: "de"}}}}

func TestOfferEmailNeverCarriesThePIN(t *testing.T) {
	tpl, err := mail.New("")
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMailer(SMTPConfig{Host: "smtp.example.org", From: "a@example.org"}, Texts{IssuerName: "Issuer"}, tpl, testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	p := &Payload{To: "b@example.org", Name: "Bea", Locale: "de-CH", ConfigurationID: "pid", OfferURI: "openid-credential-offer://?x=1",
		LandingURL: "https://i.example/c/HANDLE", TxCode: "913746", TxCodeChannel: "sms", ExpiresAt: time.Now()}
	for purpose, want := range map[string][2]string{
		PurposeOffer:  {"HANDLE", "913746"},
		PurposeTxCode: {"913746", "HANDLE"},
	} {
		em, err := m.Build(context.Background(), &Message{ID: "msg_1", Purpose: purpose}, p)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := em.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		raw := strings.ReplaceAll(buf.String(), "=\r\n", "")
		if !strings.Contains(raw, want[0]) || strings.Contains(raw, want[1]) {
			t.Errorf("%s message: want %q in it and %q not", purpose, want[0], want[1])
		}
		if !strings.Contains(raw, "Ausweis") || !strings.Contains(raw, "Message-ID: <msg_1@credmint.invalid>") {
			t.Errorf("%s message: German display name or Message-ID missing", purpose)
		}
	}
}

func TestTemplatesPerConfigurationAndLocale(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sms.pid.fr.tmpl"), []byte(`{{define "text"}}Votre PIN : {{.TxCode}}{{end}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tpl, err := mail.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ config, locale, want string }{
		{"pid", "fr-BE", "Votre PIN : 1234"},    // the operator's file, by language
		{"other", "fr", "your PIN for the"},     // no French default: English
		{"pid", "de", "Ihre PIN für den"},       // built-in German
		{"pid", "", "your PIN for the"},         // no locale: English
		{"pid", "de-AT", "Ihre PIN für den"},    // region falls back to the language
		{"x", "zz", "your PIN for the x is 12"}, // unknown everything
	} {
		m, err := tpl.Render(mail.KindSMS, tc.config, tc.locale, mail.Data{TxCode: "1234", CredentialName: tc.config})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, tc.want) {
			t.Errorf("%s/%s: %q, want %q", tc.config, tc.locale, m.Text, tc.want)
		}
	}
	if _, err := mail.New(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing templates directory must be refused")
	}
}

func TestTimelineFromAuditEvents(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	o := &issuance.Offer{ID: "off_1", State: issuance.OfferFetched, ExpiresAt: at(60), TxCode: &issuance.TxCode{}, MaxTxCodeAttempts: 5}
	evs := []audit.Event{
		{At: at(0), Action: "offer.created", Actor: audit.Actor{Kind: audit.ActorStaff, ID: "u1"}},
		{At: at(1), Action: "offer.delivered", Details: map[string]string{"channel": "email"}},
		{At: at(5), Action: "offer.fetched", Actor: audit.Actor{Kind: audit.ActorWallet}},
	}
	msgs := []Message{{ID: "m1", Kind: KindSMS, Purpose: PurposeTxCode, State: StatePending, Attempts: 2, LastError: "sms: webhook answered 503", CreatedAt: at(0), NextAttemptAt: at(9)}}
	tl := buildTimeline(o, evs, msgs, at(10))
	var reached []string
	for _, s := range tl.Steps {
		if s.At != nil {
			reached = append(reached, s.Key)
		}
	}
	if strings.Join(reached, ",") != "created,delivered,fetched" || len(tl.Steps) != 6 {
		t.Errorf("steps reached %v of %d", reached, len(tl.Steps))
	}
	if len(tl.Entries) != 4 || !tl.Entries[3].Problem || !strings.Contains(tl.Entries[3].Detail, "503") || tl.Entries[0].Actor != (audit.Actor{Kind: audit.ActorStaff, ID: "u1"}) {
		t.Errorf("entries %+v", tl.Entries)
	}
	tl = buildTimeline(o, evs, nil, at(61))
	if last := tl.Steps[len(tl.Steps)-1]; last.Key != "expired" || !last.End {
		t.Errorf("after expiry the timeline ends with %+v", last)
	}
}
