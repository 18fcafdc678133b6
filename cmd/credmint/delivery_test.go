package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/config"
	mailtpl "credmint/views/mail"
)

// newApplicant stores an applicant of the staff_badge configuration, its
// claims sealed as the applicants service seals them.
func (h *harness) newApplicant(t testing.TB, name, email, phone, address string) *applicants.Applicant {
	t.Helper()
	return h.newApplicantIn(t, "staff_badge", name, email, phone, address)
}

// newApplicantIn stores an applicant of configuration cfg.
func (h *harness) newApplicantIn(t testing.TB, cfg, name, email, phone, address string) *applicants.Applicant {
	t.Helper()
	ctx := context.Background()
	id := fmt.Sprintf("app_%s", strings.ToUpper(base64.RawURLEncoding.EncodeToString(randomBytes(t, 9))))
	given, family, _ := strings.Cut(name, " ")
	now := h.app.now().UTC().Truncate(time.Microsecond)
	a := &applicants.Applicant{ID: id, ConfigurationID: cfg, ExternalID: id, Name: name, Email: email, Phone: phone, Address: address,
		Claims: map[string]any{"given_name": given, "family_name": family}, CreatedAt: now, UpdatedAt: now}
	raw, _ := json.Marshal(a.Claims)
	sealed, err := h.app.applicants.Sealer.Seal(raw, []byte(a.ID))
	if err != nil {
		t.Fatal(err)
	}
	a.ClaimsSealed = sealed
	if err := h.app.store.CreateApplicant(ctx, a, audit.Event{At: now, Action: "applicant.created", SubjectType: "applicant", SubjectID: a.ID}); err != nil {
		t.Fatal(err)
	}
	return a
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// staffCtx acts as a staff member.
func staffCtx() context.Context {
	return audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorStaff, ID: "staff-test"})
}

// --- an SMTP server that speaks STARTTLS and AUTH PLAIN ---

type receivedMail struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

type smtpServer struct {
	mu   sync.Mutex
	mail []receivedMail
	// refuse, when set, refuses every recipient with this SMTP code.
	refuse int
	addr   string
	ca     *x509.CertPool
}

func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{srv: s, conn: c}, nil
}

func (s *smtpServer) received() []receivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedMail(nil), s.mail...)
}

type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != "mailer" || password != "mail-secret" {
			return errors.New("bad credentials")
		}
		s.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.refuse != 0 {
		return &smtp.SMTPError{Code: s.srv.refuse, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user " + to}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, tlsOn := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.mail = append(s.srv.mail, receivedMail{From: s.from, To: s.to, Data: b, TLS: tlsOn, User: s.user})
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// startSMTP runs an SMTP server on a loopback port with a self-signed
// certificate for 127.0.0.1; AUTH is offered only after STARTTLS.
func startSMTP(t testing.TB) *smtpServer {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ss := &smtpServer{ca: pool}
	srv := smtp.NewServer(ss)
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.AllowInsecureAuth = false
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ss
}

// withSMTP configures credmint for s.
func withSMTP(s *smtpServer) harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		_, port, _ := net.SplitHostPort(s.addr)
		var p int
		fmt.Sscan(port, &p)
		c.SMTP = config.SMTPConfig{Host: "127.0.0.1", Port: p, Username: "mailer", Password: "mail-secret", From: "Issuer <issuer@example.org>", StartTLS: "required"}
		c.Issuer.Contact = "help@example.org"
	}
}

// trustSMTP makes the outbox worker trust the test server's certificate.
func (h *harness) trustSMTP(t testing.TB, s *smtpServer) {
	t.Helper()
	cfg := h.app.cfg.SMTP
	tpl, _ := mailtpl.New("")
	m, err := delivery.NewMailer(delivery.SMTPConfig{Host: cfg.Host, Port: cfg.Port, Username: cfg.Username, Password: cfg.Password,
		From: cfg.From, StartTLS: cfg.StartTLS, TLSConfig: &tls.Config{RootCAs: s.ca, ServerName: "127.0.0.1"}},
		delivery.Texts{IssuerName: h.app.cfg.Issuer.Name, Contact: h.app.cfg.Issuer.Contact, MessageIDHost: h.app.cfg.Host()}, tpl, h.app.issuance.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	h.app.deliveryWorkers.outbox.Email = m
}

// mimePart is a leaf of a MIME message.
type mimePart struct {
	Type      string
	ContentID string
	Body      []byte
}

// parseMail reads a message and its leaf parts, decoded.
func parseMail(t *testing.T, raw []byte) (*mail.Message, []mimePart) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var parts []mimePart
	var walk func(ctype string, header map[string][]string, body io.Reader)
	walk = func(ctype string, header map[string][]string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatalf("content type %q: %v", ctype, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				} else if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p.Header, p)
			}
		}
		b, _ := io.ReadAll(body)
		switch strings.ToLower(first(header["Content-Transfer-Encoding"])) {
		case "base64":
			b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
			if err != nil {
				t.Fatal(err)
			}
		case "quoted-printable":
			b, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
		}
		parts = append(parts, mimePart{Type: mt, ContentID: strings.Trim(first(header["Content-Id"]), "<>"), Body: b})
	}
	walk(m.Header.Get("Content-Type"), m.Header, m.Body)
	return m, parts
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// decodeQR reads the text of a QR code PNG.
func decodeQR(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// credmint's QR images are pure barcodes (drawn, not photographed):
	// gozxing's finder-pattern detector misses about one in 200 of them
	// (zbar reads those), so the pure-barcode reader comes first.
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		var err2 error
		if res, err2 = gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}); err2 != nil {
			t.Fatalf("QR code does not decode: %v; as a pure barcode: %v", err2, err)
		}
	}
	return res.GetText()
}

func TestEmailDeliveryOverSMTP(t *testing.T) {
	srv := startSMTP(t)
	h := newHarness(t, withSMTP(srv))
	h.trustSMTP(t, srv)
	a := h.newApplicant(t, "Ada Lovelace", "ada@example.org", "", "")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "email", TxCodeChannel: "email"})
	if err != nil {
		t.Fatal(err)
	}
	if created.TxCode == "" {
		t.Fatal("the offer has no tx_code")
	}
	if err := h.app.deliveryWorkers.outbox.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 2 {
		t.Fatalf("received %d messages, want 2 (offer and PIN apart)", len(got))
	}
	msgs, _ := h.app.delivery.Messages(context.Background(), created.Offer.ID)
	var offerMsg, pinMsg *receivedMail
	for i := range got {
		if !got[i].TLS || got[i].User != "mailer" {
			t.Errorf("message %d: TLS %v, user %q: STARTTLS and AUTH are required", i, got[i].TLS, got[i].User)
		}
		if got[i].To[0] != "ada@example.org" {
			t.Errorf("recipient %v", got[i].To)
		}
		if bytes.Contains(got[i].Data, []byte("Content-Id: <qr.png>")) || bytes.Contains(got[i].Data, []byte("Content-ID: <qr.png>")) {
			offerMsg = &got[i]
		} else {
			pinMsg = &got[i]
		}
	}
	if offerMsg == nil || pinMsg == nil {
		t.Fatalf("want one message with the inline QR code and one without:\n%.3000s", got[0].Data)
	}

	head, parts := parseMail(t, offerMsg.Data)
	var html, text string
	var qrPNG []byte
	for _, p := range parts {
		switch {
		case p.Type == "text/html":
			html = string(p.Body)
		case p.Type == "text/plain":
			text = string(p.Body)
		case p.Type == "image/png" && p.ContentID == "qr.png":
			qrPNG = p.Body
		}
	}
	if qrPNG == nil {
		t.Fatal("no inline QR image")
	}
	if uri := decodeQR(t, qrPNG); uri != created.Links.OfferURI {
		t.Errorf("inline QR decodes to %q, want the offer URI %q", uri, created.Links.OfferURI)
	}
	if !strings.Contains(html, `src="cid:qr.png"`) || !strings.Contains(html, created.Links.LandingURL) || !strings.Contains(text, created.Links.LandingURL) {
		t.Errorf("offer email lacks the CID image or the landing link:\n%s", html)
	}
	for _, body := range []string{string(offerMsg.Data), html, text} {
		if strings.Contains(body, created.TxCode) {
			t.Fatal("the tx_code is in the offer email")
		}
	}
	wantID := "<" + delivery.MessageIDFor(msgs[0].ID, "127.0.0.1") + ">"
	if head.Header.Get("Message-Id") != wantID && head.Header.Get("Message-Id") != "<"+delivery.MessageIDFor(msgs[1].ID, "127.0.0.1")+">" {
		t.Errorf("Message-ID %q is not derived from the outbox row (%s)", head.Header.Get("Message-Id"), wantID)
	}

	_, pinParts := parseMail(t, pinMsg.Data)
	var pinText string
	for _, p := range pinParts {
		pinText += string(p.Body)
	}
	if !strings.Contains(pinText, created.TxCode) {
		t.Errorf("the PIN email lacks the tx_code")
	}
	handle := created.Links.LandingURL[strings.LastIndex(created.Links.LandingURL, "/")+1:]
	if strings.Contains(pinText, handle) || strings.Contains(pinText, "openid-credential-offer") {
		t.Error("the PIN email carries the offer")
	}

	// Both messages are sent: payloads wiped, the offer delivered, the
	// timeline says so.
	msgs, _ = h.app.delivery.Messages(context.Background(), created.Offer.ID)
	for _, m := range msgs {
		if m.State != delivery.StateSent || m.PayloadSealed != nil {
			t.Errorf("message %s: state %s, payload kept %v", m.ID, m.State, m.PayloadSealed != nil)
		}
	}
	o, _ := h.app.issuance.Offer(context.Background(), created.Offer.ID)
	if o.DeliveredAt == nil {
		t.Error("the offer is not marked delivered")
	}
	evs, _ := h.app.store.AuditEvents(context.Background(), "offer", o.ID)
	actions := map[string]bool{}
	for _, ev := range evs {
		actions[ev.Action] = true
	}
	if !actions["offer.delivered"] || !actions["offer.tx_code_sent"] {
		t.Errorf("audit events %v lack the deliveries", actions)
	}
}

func TestEmailRefusedRecipientFailsForGood(t *testing.T) {
	srv := startSMTP(t)
	srv.refuse = 550
	h := newHarness(t, withSMTP(srv))
	h.trustSMTP(t, srv)
	a := h.newApplicant(t, "Bob Bounce", "bob@example.org", "", "1 Road\nTown")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "email", TxCodeChannel: "print"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs, _ := h.app.delivery.Messages(context.Background(), created.Offer.ID)
	if len(msgs) != 1 || msgs[0].State != delivery.StateFailed || msgs[0].Attempts != 1 {
		t.Fatalf("a 550 for the recipient must fail at once: %+v", msgs)
	}
	if strings.Contains(msgs[0].LastError, "bob@") || !strings.Contains(msgs[0].LastError, "550") {
		t.Errorf("last_error %q must name the code and no address", msgs[0].LastError)
	}
	if n, _ := h.app.delivery.FailedDeliveries(context.Background()); n != 1 {
		t.Errorf("failed deliveries: %d", n)
	}
}

// webhook is an SMS gateway stand-in that checks the signature.
type webhook struct {
	mu       sync.Mutex
	secret   []byte
	statuses []int // answers in order; then 200
	reqs     []webhookRequest
	srv      *httptest.Server
}

type webhookRequest struct {
	Key    string
	Body   delivery.SMSRequest
	Signed error
}

func startWebhook(t testing.TB, secret string, statuses ...int) *webhook {
	w := &webhook{secret: []byte(secret), statuses: statuses}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := webhookRequest{Key: r.Header.Get(delivery.HeaderIdempotencyKey), Signed: delivery.VerifySignature(w.secret, r.Header, body, time.Now(), 24*time.Hour)}
		_ = json.Unmarshal(body, &req.Body)
		w.mu.Lock()
		w.reqs = append(w.reqs, req)
		status := http.StatusOK
		if len(w.statuses) > 0 {
			status, w.statuses = w.statuses[0], w.statuses[1:]
		}
		w.mu.Unlock()
		if req.Signed != nil {
			status = http.StatusUnauthorized
		}
		rw.WriteHeader(status)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhook) requests() []webhookRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]webhookRequest(nil), w.reqs...)
}

func withWebhook(w *webhook) harnessOption {
	return func(c *config.Config, _ *harnessSettings) {
		c.SMSWebhook = config.SMSWebhookConfig{URL: w.srv.URL + "/sms", Secret: string(w.secret)}
	}
}

func TestSMSWebhookSignedRetriedWithBackoff(t *testing.T) {
	hook := startWebhook(t, "webhook-secret-0123456789", http.StatusServiceUnavailable)
	h := newHarness(t, withWebhook(hook))
	a := h.newApplicant(t, "Grace Hopper", "", "+15550100", "1 Navy Yard\nArlington")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "print", TxCodeChannel: "sms"})
	if err != nil {
		t.Fatal(err)
	}
	w := h.app.deliveryWorkers.outbox
	ctx := context.Background()
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, _ := h.app.delivery.Messages(ctx, created.Offer.ID)
	if len(msgs) != 1 || msgs[0].State != delivery.StatePending || msgs[0].Attempts != 1 || msgs[0].LastError != "sms: webhook answered 503" {
		t.Fatalf("after a 503: %+v", msgs)
	}
	// Exponential backoff with jitter: the first retry is 30 s ± 20% away.
	wait := msgs[0].NextAttemptAt.Sub(h.app.now())
	if wait < 20*time.Second || wait > 37*time.Second {
		t.Errorf("first retry in %v, want about 30 s", wait)
	}
	if n, _ := w.RunOnce(ctx); n != 0 {
		t.Fatal("a message was retried before its time")
	}
	h.clock.Advance(time.Minute)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := hook.requests()
	if len(reqs) != 2 {
		t.Fatalf("webhook got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Signed != nil {
			t.Errorf("signature: %v", r.Signed)
		}
		if r.Key != msgs[0].ID {
			t.Errorf("Idempotency-Key %q, want the outbox id %q", r.Key, msgs[0].ID)
		}
		if r.Body.To != "+15550100" || r.Body.OfferID != created.Offer.ID || !strings.Contains(r.Body.Message, created.TxCode) {
			t.Errorf("body %+v", r.Body)
		}
	}
	msgs, _ = h.app.delivery.Messages(ctx, created.Offer.ID)
	if msgs[0].State != delivery.StateSent {
		t.Errorf("after a 200: %+v", msgs[0])
	}
}

func TestSMSWebhookSignatureScheme(t *testing.T) {
	secret := []byte("webhook-secret-0123456789")
	body := []byte(`{"to":"+1","message":"m","offer_id":"off_1"}`)
	hdr := http.Header{}
	hdr.Set(delivery.HeaderTimestamp, "1700000000")
	hdr.Set(delivery.HeaderSignature, "sha256="+delivery.Sign(secret, "1700000000", body))
	now := time.Unix(1700000010, 0)
	if err := delivery.VerifySignature(secret, hdr, body, now, time.Minute); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	for name, tc := range map[string]struct {
		body []byte
		now  time.Time
		ts   string
	}{
		"changed body":      {[]byte(`{"to":"+2"}`), now, "1700000000"},
		"stale timestamp":   {body, now.Add(time.Hour), "1700000000"},
		"changed timestamp": {body, now, "1700000001"},
	} {
		h := hdr.Clone()
		h.Set(delivery.HeaderTimestamp, tc.ts)
		if err := delivery.VerifySignature(secret, h, tc.body, tc.now, time.Minute); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSMSWebhookGivesUpAfterMaxAttempts(t *testing.T) {
	hook := startWebhook(t, "webhook-secret-0123456789", 500, 500, 500, 500, 500, 500, 500, 500, 500)
	h := newHarness(t, withWebhook(hook))
	a := h.newApplicant(t, "Ida Fail", "", "+15550101", "Street 1")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "none", TxCodeChannel: "sms"})
	if err != nil {
		t.Fatal(err)
	}
	w := h.app.deliveryWorkers.outbox
	ctx := context.Background()
	for range 8 {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(2 * time.Hour)
	}
	msgs, _ := h.app.delivery.Messages(ctx, created.Offer.ID)
	if msgs[0].State != delivery.StateFailed || msgs[0].Attempts != 8 {
		t.Fatalf("after 8 failures: %+v", msgs[0])
	}
	if n, _ := h.app.delivery.FailedDeliveries(ctx); n != 1 {
		t.Errorf("failed deliveries: %d", n)
	}
	// Failures show on the dashboard, in the offer list and on the offer.
	b := h.newBrowser(t, "issuer")
	if got := b.get("/console/").doc(t).Find(".failed-deliveries .tile-value").Text(); got != "1" {
		t.Errorf("dashboard failed deliveries %q", got)
	}
	if b.get("/console/offers?delivery_failed=1").doc(t).Find("tr#offer-"+created.Offer.ID+" .badge.bad").Length() != 1 {
		t.Error("the offer is not listed under failed deliveries")
	}
	row := b.get("/console/offers/" + created.Offer.ID).doc(t).Find("tr#message-" + msgs[0].ID)
	if !row.HasClass("problem") || !strings.Contains(row.Text(), "sms: webhook answered 500") {
		t.Errorf("offer page message row %q", row.Text())
	}
	// Resend makes it due again with a fresh count; the gateway is back.
	if n, err := h.app.delivery.Resend(staffCtx(), created.Offer.ID); err != nil || n != 1 {
		t.Fatalf("resend: %d %v", n, err)
	}
	hook.mu.Lock()
	hook.statuses = nil
	hook.mu.Unlock()
	if err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, _ = h.app.delivery.Messages(ctx, created.Offer.ID)
	if msgs[0].State != delivery.StateSent {
		t.Errorf("after resend: %+v", msgs[0])
	}
}

// crashingStore is the outbox store of a process that dies after sending
// and before marking the message sent.
type crashingStore struct {
	delivery.OutboxStore
}

var errCrash = errors.New("process killed")

func (crashingStore) MarkMessageSent(context.Context, string, string, time.Time, audit.Event) error {
	return errCrash
}

func TestOutboxCrashBetweenSendAndMarkResendsWithTheSameKey(t *testing.T) {
	hook := startWebhook(t, "webhook-secret-0123456789")
	h := newHarness(t, withWebhook(hook))
	a := h.newApplicant(t, "Alan Crash", "", "+15550102", "")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "none", TxCodeChannel: "sms"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	live := h.app.deliveryWorkers.outbox
	dying, err := delivery.NewWorker(delivery.WorkerDeps{Store: crashingStore{h.app.store}, Sealer: live.Sealer, SMS: live.SMS, Owner: "dying", Now: h.app.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dying.RunOnce(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("the dying worker: %v", err)
	}
	// The restarted process waits for the lease to run out, then sends
	// the message again, under the same idempotency key.
	if n, _ := live.RunOnce(ctx); n != 0 {
		t.Fatal("a leased message was claimed")
	}
	h.clock.Advance(6 * time.Minute)
	if err := live.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := hook.requests()
	if len(reqs) != 2 || reqs[0].Key != reqs[1].Key || reqs[0].Key == "" {
		t.Fatalf("requests %+v: want the same message twice with one Idempotency-Key", reqs)
	}
	msgs, _ := h.app.delivery.Messages(ctx, created.Offer.ID)
	if msgs[0].State != delivery.StateSent || msgs[0].Attempts != 2 {
		t.Errorf("after the restart: %+v", msgs[0])
	}
}

func TestOutboxCancelsMessagesOfRevokedOffers(t *testing.T) {
	hook := startWebhook(t, "webhook-secret-0123456789")
	h := newHarness(t, withWebhook(hook))
	a := h.newApplicant(t, "Rev Oked", "", "+15550103", "")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "none", TxCodeChannel: "sms"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.app.issuance.RevokeOffer(staffCtx(), created.Offer.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(hook.requests()) != 0 {
		t.Error("a revoked offer's PIN was sent")
	}
	msgs, _ := h.app.delivery.Messages(context.Background(), created.Offer.ID)
	if msgs[0].State != delivery.StateCancelled || msgs[0].PayloadSealed != nil {
		t.Errorf("message of a revoked offer: %+v", msgs[0])
	}
}

func TestBatchCreatesOneOfferPerApplicantAndResumes(t *testing.T) {
	h := newHarness(t)
	for i := range 7 {
		h.newApplicant(t, fmt.Sprintf("Person %d", i), "", "", fmt.Sprintf("%d Main St\nTown", i))
	}
	h.newApplicant(t, "No Address", "", "", "") // skipped: print needs an address
	ctx := staffCtx()
	b, err := h.app.delivery.StartBatch(ctx, applicants.Filter{ConfigurationID: "staff_badge"}, delivery.Order{DeliveryChannel: "print", TxCodeChannel: "print"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.app.delivery.RunBatches(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	b, _ = h.app.delivery.Batch(context.Background(), b.ID)
	if b.State != delivery.BatchDone || b.Created != 7 || b.Skipped != 1 || b.Total != 8 {
		t.Fatalf("batch: %+v", b)
	}
	offers, _ := h.app.store.BatchOffers(context.Background(), b.ID)
	seen := map[string]bool{}
	for _, o := range offers {
		if seen[o.ApplicantID] {
			t.Errorf("two offers for %s", o.ApplicantID)
		}
		seen[o.ApplicantID] = true
		if o.TxCodeSealed == nil || o.DeliveryChannel != "print" || o.CreatedBy != "staff-test" {
			t.Errorf("offer %s: sealed %v channel %s by %q", o.ID, o.TxCodeSealed != nil, o.DeliveryChannel, o.CreatedBy)
		}
	}
	if len(seen) != 7 {
		t.Errorf("%d applicants got offers, want 7", len(seen))
	}
	// Running again changes nothing: the batch is done.
	if err := h.app.delivery.RunBatches(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	if again, _ := h.app.store.BatchOffers(context.Background(), b.ID); len(again) != 7 {
		t.Errorf("a finished batch ran again: %d offers", len(again))
	}
}

func TestLetterPDFHasOnePagePerApplicant(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for i := range 3 {
		a := h.newApplicant(t, fmt.Sprintf("Zoë Müller %d", i), "", "", "Hauptstraße 1\n10115 Berlin")
		c, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "print", TxCodeChannel: "print"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.Offer.ID)
	}
	for layout, wantPages := range map[string]int{delivery.LayoutSlip: 3, delivery.LayoutPINs: 3, delivery.LayoutLetters: 3} {
		letters, res, err := h.app.delivery.PrintLetters(staffCtx(), delivery.PrintSelection{OfferIDs: ids}, layout)
		if err != nil {
			t.Fatal(err)
		}
		if res.Printed != 3 {
			t.Fatalf("%s: printed %d", layout, res.Printed)
		}
		var buf bytes.Buffer
		if err := delivery.WritePDF(&buf, letters, layout); err != nil {
			t.Fatal(err)
		}
		if got := pdfPages(t, buf.Bytes()); got != wantPages {
			t.Errorf("%s: %d pages, want %d", layout, got, wantPages)
		}
		hasPIN := layout != delivery.LayoutLetters
		for _, l := range letters {
			if (l.TxCode != "") != hasPIN {
				t.Errorf("%s: letter PIN printed %v, want %v", layout, l.TxCode != "", hasPIN)
			}
		}
	}
}

// pdfPages checks a PDF's structure and returns its page count.
func pdfPages(t *testing.T, b []byte) int {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.Contains(b[len(b)-32:], []byte("%%EOF")) {
		t.Fatal("not a PDF")
	}
	pages := bytes.Count(b, []byte("/Type /Page\n")) + bytes.Count(b, []byte("/Type /Page\r")) + bytes.Count(b, []byte("/Type /Page "))
	var count int
	if i := bytes.Index(b, []byte("/Type /Pages")); i >= 0 {
		rest := b[i:]
		if end := bytes.Index(rest, []byte(">>")); end >= 0 {
			rest = rest[:end] // the page tree's dictionary; /Kids comes before /Count
		}
		if j := bytes.Index(rest, []byte("/Count ")); j >= 0 {
			fmt.Sscan(string(rest[j+7:]), &count)
		}
	}
	if count != pages {
		t.Fatalf("page tree says %d pages, found %d page objects", count, pages)
	}
	return count
}

func TestRegenerateTxCodeUnlocksAndDeliversAgain(t *testing.T) {
	hook := startWebhook(t, "webhook-secret-0123456789")
	h := newHarness(t, withWebhook(hook))
	a := h.newApplicant(t, "Lock Ed", "", "+15550104", "")
	created, err := h.app.delivery.CreateOffer(staffCtx(), a.ID, delivery.Order{DeliveryChannel: "none", TxCodeChannel: "sms"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := h.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	// Five wrong PINs at the token endpoint lock the offer.
	handle := created.Links.CredentialOfferURI[strings.LastIndex(created.Links.CredentialOfferURI, "/")+1:]
	var offer struct {
		Grants map[string]struct {
			Code string `json:"pre-authorized_code"`
		} `json:"grants"`
	}
	h.getJSON(h.url+"/offers/"+handle).JSON(t, &offer)
	pre := offer.Grants[issuance.GrantPreAuthorizedCode].Code
	for range 5 {
		h.postForm(h.url+"/token", map[string]string{"grant_type": issuance.GrantPreAuthorizedCode, "pre-authorized_code": pre, "tx_code": "000000x"})
	}
	o, _ := h.app.issuance.Offer(ctx, created.Offer.ID)
	if st := o.EffectiveState(h.app.now()); st != issuance.OfferLocked {
		t.Fatalf("state after 5 wrong PINs: %s", st)
	}
	shown, err := h.app.delivery.RegenerateTxCode(staffCtx(), o.ID)
	if err != nil || shown != "" {
		t.Fatalf("regenerate: %q %v (an SMS channel shows nothing)", shown, err)
	}
	o, _ = h.app.issuance.Offer(ctx, o.ID)
	if o.State != issuance.OfferFetched || o.TxCodeAttempts != 0 {
		t.Errorf("after regenerate: %s, %d attempts", o.State, o.TxCodeAttempts)
	}
	if err := h.app.deliveryWorkers.outbox.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := hook.requests()
	if len(reqs) != 2 || reqs[0].Body.Message == reqs[1].Body.Message {
		t.Fatalf("want a second SMS with a new PIN: %+v", reqs)
	}
	newCode := reqs[1].Body.Message[strings.Index(reqs[1].Body.Message, "is ")+3:][:6]
	res := h.postForm(h.url+"/token", map[string]string{"grant_type": issuance.GrantPreAuthorizedCode, "pre-authorized_code": pre, "tx_code": newCode})
	if res.Status != http.StatusOK {
		t.Fatalf("token with the new PIN: %d %s", res.Status, res.Body)
	}
}

// BenchmarkBatchOffers100k creates 100 000 offers (tx_codes, and an offer
// email and a PIN SMS queued for each) on SQLite through an offer batch.
// The import of the applicants is not timed (that is the applicants' half).
func BenchmarkBatchOffers100k(b *testing.B) {
	benchmarkBatchOffers(b, 100_000)
}

func benchmarkBatchOffers(b *testing.B, n int) {
	for range b.N {
		b.StopTimer()
		h := newHarness(b, func(c *config.Config, _ *harnessSettings) {
			c.SMTP = config.SMTPConfig{Host: "127.0.0.1", Port: 2525, From: "issuer@example.org", StartTLS: "none"}
			c.SMSWebhook = config.SMSWebhookConfig{URL: "http://127.0.0.1:1/sms", Secret: "webhook-secret-0123456789"}
		})
		h.importApplicantsB(b, n)
		start := time.Now()
		b.StartTimer()
		batch, err := h.app.delivery.StartBatch(staffCtx(), applicants.Filter{ConfigurationID: "staff_badge"}, delivery.Order{DeliveryChannel: "email", TxCodeChannel: "sms"})
		if err != nil {
			b.Fatal(err)
		}
		if err := h.app.delivery.RunBatches(context.Background(), "bench"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		batch, _ = h.app.delivery.Batch(context.Background(), batch.ID)
		if batch.Created != n {
			b.Fatalf("created %d offers, skipped %d, want %d", batch.Created, batch.Skipped, n)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/batch")
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "offers/s")
	}
}

// BenchmarkBatchPDF1000 prints 1 000 letters (QR code, address, PIN slip)
// as one PDF: reading the offers and applicants, opening handles and PINs,
// drawing the QR codes and writing the PDF.
func BenchmarkBatchPDF1000(b *testing.B) {
	h := newHarness(b)
	h.importApplicantsB(b, 1000)
	batch, err := h.app.delivery.StartBatch(staffCtx(), applicants.Filter{ConfigurationID: "staff_badge"}, delivery.Order{DeliveryChannel: "print", TxCodeChannel: "print"})
	if err != nil {
		b.Fatal(err)
	}
	if err := h.app.delivery.RunBatches(context.Background(), "bench"); err != nil {
		b.Fatal(err)
	}
	var size int
	for b.Loop() {
		letters, res, err := h.app.delivery.PrintLetters(staffCtx(), delivery.PrintSelection{BatchID: batch.ID}, delivery.LayoutSlip)
		if err != nil || res.Printed != 1000 {
			b.Fatalf("printed %d: %v", res.Printed, err)
		}
		var buf bytes.Buffer
		if err := delivery.WritePDF(&buf, letters, delivery.LayoutSlip); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}

// importApplicantsB is importApplicants for a benchmark.
func (h *harness) importApplicantsB(b *testing.B, n int) {
	b.Helper()
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("employee_id,given_name,family_name,email,phone,address\n")
	for i := range n {
		fmt.Fprintf(&csv, "E%06d,Person,Number %d,p%d@example.org,+1555%07d,\"%d Main Street\nSpringfield\"\n", i, i, i, i, i)
	}
	j, err := h.app.applicants.Upload(ctx, applicants.UploadRequest{ConfigurationID: "staff_badge", FileName: "bench.csv", Data: []byte(csv.String())})
	var ve *applicants.ValidationError
	if errors.As(err, &ve) {
		b.Fatalf("upload: %v", ve.Fields)
	} else if err != nil {
		b.Fatal(err)
	}
	if _, err := h.app.applicants.Start(ctx, j.ID, applicants.StartRequest{Mapping: j.Mapping}); errors.As(err, &ve) {
		b.Fatalf("start: %v", ve.Fields)
	} else if err != nil {
		b.Fatal(err)
	}
	for {
		did, err := h.app.applicants.ImportNext(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !did {
			break
		}
	}
	if j, _ = h.app.applicants.Job(ctx, j.ID); j.Imported != n {
		b.Fatalf("imported %d of %d: %s", j.Imported, n, j.Failure)
	}
}
