// Package mail holds the templates of the messages credmint sends: the
// offer email (QR code inline), the tx_code email and the tx_code SMS. Each
// template is a file "{kind}.{configuration}.{locale}.tmpl" defining the
// blocks "subject", "text" and (emails) "html"; "default" stands for every
// configuration. Files in an operator's directory win over the built-in
// ones, so a deployment can word messages per configuration and language.
package mail

import (
	"bytes"
	"embed"
	"errors"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"strings"
	"sync"
	texttemplate "text/template"
)

//go:embed templates/*.tmpl
var builtin embed.FS

// Kinds of message.
const (
	KindOffer  = "offer"
	KindTxCode = "tx_code"
	KindSMS    = "sms"
	// KindReviewReady and KindReviewRejected tell an applicant the outcome
	// of a reviewed (deferred) credential request (SPEC §10).
	KindReviewReady    = "review_ready"
	KindReviewRejected = "review_rejected"
)

// Data is what a template can show. It never holds the tx_code and the offer
// links together: the two go in separate messages.
type Data struct {
	Name                  string
	CredentialName        string
	CredentialDescription string
	IssuerName            string
	Contact               string
	OfferURI              string
	LandingURL            string
	// QRImage is the src of the inline QR code ("cid:qr.png"), trusted as
	// a URL by html/template.
	QRImage   htmltemplate.URL
	ExpiresAt string
	TxCode    string
	// PINSource says where the PIN comes from, for the offer message.
	PINSource string
	// Reason is the reviewer's reason for a rejection, only when the
	// operator chose to send it (issuer.notify_reject_reason).
	Reason string
}

// Message is a rendered message.
type Message struct {
	Subject, Text, HTML string
}

// Templates finds and renders templates, the operator's first.
type Templates struct {
	sources []fs.FS
	mu      sync.Mutex
	cache   map[string]*parsed
}

type parsed struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// New returns the templates, with the files in dir (may be "") taking
// precedence over the built-in ones.
func New(dir string) (*Templates, error) {
	t := &Templates{cache: map[string]*parsed{}}
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, errors.New("mail: templates directory " + dir + " is not a readable directory")
		}
		t.sources = append(t.sources, os.DirFS(dir))
	}
	sub, _ := fs.Sub(builtin, "templates")
	t.sources = append(t.sources, sub)
	return t, nil
}

// candidates are the file names tried for kind, configuration and locale,
// most specific first.
func candidates(kind, configurationID, locale string) []string {
	lang, _, _ := strings.Cut(locale, "-")
	var out []string
	for _, c := range []string{configurationID, "default"} {
		if c == "" {
			continue
		}
		for _, l := range []string{locale, lang, "en"} {
			if l != "" {
				out = append(out, kind+"."+c+"."+l+".tmpl")
			}
		}
	}
	return out
}

// Render renders the template of kind for a configuration and locale.
func (t *Templates) Render(kind, configurationID, locale string, d Data) (*Message, error) {
	p, err := t.find(kind, configurationID, locale)
	if err != nil {
		return nil, err
	}
	m := &Message{}
	var buf bytes.Buffer
	if p.text.Lookup("subject") != nil {
		if err := p.text.ExecuteTemplate(&buf, "subject", d); err != nil {
			return nil, err
		}
		m.Subject = strings.TrimSpace(buf.String())
		buf.Reset()
	}
	if err := p.text.ExecuteTemplate(&buf, "text", d); err != nil {
		return nil, err
	}
	m.Text = strings.TrimSpace(buf.String()) + "\n"
	buf.Reset()
	if p.html.Lookup("html") != nil {
		if err := p.html.ExecuteTemplate(&buf, "html", d); err != nil {
			return nil, err
		}
		m.HTML = buf.String()
	}
	return m, nil
}

func (t *Templates) find(kind, configurationID, locale string) (*parsed, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, name := range candidates(kind, configurationID, locale) {
		for i, src := range t.sources {
			key := string(rune('0'+i)) + name
			if p, ok := t.cache[key]; ok {
				return p, nil
			}
			raw, err := fs.ReadFile(src, name)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				return nil, err
			}
			p := &parsed{}
			if p.text, err = texttemplate.New(name).Option("missingkey=error").Parse(string(raw)); err != nil {
				return nil, errors.New("mail: template " + name + ": " + err.Error())
			}
			if p.html, err = htmltemplate.New(name).Option("missingkey=error").Parse(string(raw)); err != nil {
				return nil, errors.New("mail: template " + name + ": " + err.Error())
			}
			if p.text.Lookup("text") == nil {
				return nil, errors.New("mail: template " + name + " defines no \"text\" block")
			}
			t.cache[key] = p
			return p, nil
		}
	}
	return nil, errors.New("mail: no template for " + kind)
}
