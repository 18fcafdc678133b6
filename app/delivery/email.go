package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"credmint/app/credential"
	"credmint/app/qr"
	"credmint/views/mail"
)

// STARTTLS policies of SMTPConfig.
const (
	StartTLSRequired      = "required"
	StartTLSOpportunistic = "opportunistic"
	StartTLSNone          = "none"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// StartTLS is required (default), opportunistic or none.
	StartTLS string
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
}

// Texts are the words around a message that do not come from its template.
type Texts struct {
	IssuerName string
	Contact    string
	// MessageIDHost is the domain part of Message-IDs (the public host).
	MessageIDHost string
}

// Mailer sends offer and tx_code emails over SMTP with STARTTLS and AUTH.
type Mailer struct {
	cfg       SMTPConfig
	texts     Texts
	templates *mail.Templates
	catalog   Catalog
}

// NewMailer checks cfg and returns a Mailer.
func NewMailer(cfg SMTPConfig, texts Texts, templates *mail.Templates, catalog Catalog) (*Mailer, error) {
	if cfg.Host == "" || cfg.From == "" || templates == nil || catalog == nil {
		return nil, errors.New("delivery: the mailer needs a host, a from address, templates and a catalog")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.StartTLS == "" {
		cfg.StartTLS = StartTLSRequired
	}
	if texts.MessageIDHost == "" {
		texts.MessageIDHost = "credmint.invalid"
	}
	return &Mailer{cfg: cfg, texts: texts, templates: templates, catalog: catalog}, nil
}

// Send implements Sender for email messages.
func (m *Mailer) Send(ctx context.Context, msg *Message, p *Payload) error {
	em, err := m.Build(ctx, msg, p)
	if err != nil {
		return &SendError{Reason: "the message could not be written", Permanent: true, Err: err}
	}
	c, err := m.client()
	if err != nil {
		return &SendError{Reason: "smtp: bad configuration", Err: err}
	}
	if err := c.DialAndSendWithContext(ctx, em); err != nil {
		return smtpError(err)
	}
	return nil
}

// Build writes the email of msg: the offer (QR code inline as a CID image,
// landing link, instructions) or the tx_code, never both.
func (m *Mailer) Build(ctx context.Context, msg *Message, p *Payload) (*gomail.Msg, error) {
	kind := mail.KindOffer
	switch msg.Purpose {
	case PurposeTxCode:
		kind = mail.KindTxCode
	case PurposeReviewReady:
		kind = mail.KindReviewReady
	case PurposeReviewRejected:
		kind = mail.KindReviewRejected
	}
	d := m.data(ctx, p)
	switch kind {
	case mail.KindOffer:
		d.TxCode = ""
	case mail.KindTxCode:
		d.OfferURI, d.LandingURL = "", ""
	default:
		d.TxCode, d.OfferURI = "", ""
	}
	r, err := m.templates.Render(kind, p.ConfigurationID, p.Locale, d)
	if err != nil {
		return nil, err
	}
	em := gomail.NewMsg()
	if err := em.From(m.cfg.From); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if err := em.To(p.To); err != nil {
		return nil, fmt.Errorf("recipient address: %w", err)
	}
	em.Subject(r.Subject)
	em.SetMessageIDWithValue(MessageIDFor(msg.ID, m.texts.MessageIDHost))
	em.SetDate()
	em.SetGenHeader("Auto-Submitted", "auto-generated")
	em.SetBodyString(gomail.TypeTextPlain, r.Text)
	if r.HTML != "" {
		em.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	}
	if kind == mail.KindOffer {
		png, err := qr.PNG(p.OfferURI, 480)
		if err != nil {
			return nil, err
		}
		if err := em.EmbedReader("qr.png", bytes.NewReader(png), gomail.WithFileContentType(gomail.ContentType("image/png")), gomail.WithFileContentID("<qr.png>")); err != nil {
			return nil, err
		}
	}
	return em, nil
}

// SMSText renders the tx_code SMS of p.
func (m *Mailer) SMSText(ctx context.Context, p *Payload) (string, error) {
	return smsText(ctx, m.templates, m.catalog, m.texts, p)
}

func (m *Mailer) data(ctx context.Context, p *Payload) mail.Data {
	return templateData(ctx, m.catalog, m.texts, p)
}

// templateData fills the template data of p.
func templateData(ctx context.Context, catalog Catalog, texts Texts, p *Payload) mail.Data {
	d := mail.Data{Name: p.Name, IssuerName: texts.IssuerName, Contact: texts.Contact, OfferURI: p.OfferURI, LandingURL: p.LandingURL,
		QRImage: htmltemplate.URL("cid:qr.png"), TxCode: p.TxCode, ExpiresAt: p.ExpiresAt.UTC().Format("2 January 2006, 15:04 UTC"),
		PINSource: PINSource(p.TxCodeChannel), CredentialName: p.ConfigurationID, Reason: p.Reason}
	if c, err := catalog.Configuration(ctx, p.ConfigurationID); err == nil {
		disp := DisplayFor(c, p.Locale)
		d.CredentialName, d.CredentialDescription = disp.Name, disp.Description
	}
	return d
}

func smsText(ctx context.Context, templates *mail.Templates, catalog Catalog, texts Texts, p *Payload) (string, error) {
	r, err := templates.Render(mail.KindSMS, p.ConfigurationID, p.Locale, templateData(ctx, catalog, texts, p))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(r.Text), nil
}

// PINSource tells the applicant where the PIN of an offer comes from.
func PINSource(txCodeChannel string) string {
	switch txCodeChannel {
	case "email":
		return "We send it to you in a separate email."
	case "sms":
		return "We send it to you by text message."
	case "print":
		return "It is printed on the slip of your letter."
	}
	return ""
}

// DisplayFor returns the display of c in locale (credential's
// Configuration.DisplayIn: the exact tag, else the same language, else one
// without a locale, else the first; the configuration id when it has none).
func DisplayFor(c *credential.Configuration, locale string) credential.Display {
	return c.DisplayIn(locale)
}

func (m *Mailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(15 * time.Second)}
	switch m.cfg.StartTLS {
	case StartTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case StartTLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(m.cfg.TLSConfig))
	}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	return gomail.NewClient(m.cfg.Host, opts...)
}

// smtpError turns a go-mail error into a SendError whose reason holds no
// server text (it may quote the recipient's address). A 5xx refusal of the
// recipient is permanent; everything else is retried.
func smtpError(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		reason := "smtp: " + se.Reason.String()
		if code := se.ErrorCode(); code != 0 {
			reason += fmt.Sprintf(" (%d)", code)
		}
		permanent := se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() && se.ErrorCode() >= 500
		return &SendError{Reason: reason, Permanent: permanent, Err: err}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "auth"):
		return &SendError{Reason: "smtp: authentication failed", Err: err}
	case strings.Contains(msg, "STARTTLS"), strings.Contains(msg, "tls"), strings.Contains(msg, "certificate"):
		return &SendError{Reason: "smtp: TLS failed", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &SendError{Reason: "smtp: timed out", Err: err}
	}
	return &SendError{Reason: "smtp: could not connect or send", Err: err}
}
