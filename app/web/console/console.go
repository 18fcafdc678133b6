// Package console holds the operator console's HTML handlers, one file per
// resource. Handlers parse a form with a typed struct, make one service call
// and render a templ component, or redirect (303) with a flash message.
// Authentication, authorisation and CSRF protection are applied by the web
// package's middleware before a handler runs.
package console

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"credmint/app/access"
	"credmint/app/applicants"
	"credmint/app/authz"
	"credmint/app/credential"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/app/status"
	"credmint/app/webhooks"
	"credmint/views/layout"
)

// Deps are what the console handlers need.
type Deps struct {
	// Log takes what a page leaves out after a failure it can live with
	// (never applicant data); nil discards.
	Log      *slog.Logger
	Staff    *staff.Service
	Issuance *issuance.Service
	// Applicants serves the applicants and import pages.
	Applicants *applicants.Service
	// Configurations, Access, Reports and Keys serve the configurations,
	// credentials, audit log, users, API keys and dashboard pages.
	Configurations *credential.Manager
	Access         *access.Service
	Reports        Reports
	Keys           KeyLister
	// Delivery serves the offers pages (offers for applicants, batches,
	// delivery, print).
	Delivery *delivery.Service
	// Deliveries and Reviews feed the dashboard; nil hides their counts.
	Deliveries DeliveryStats
	Reviews    ReviewQueue
	// Now is the clock of the dashboard and lists (default time.Now).
	Now func() time.Time

	// SSO is single sign-on for staff (sso.go); nil hides it. SSOName
	// labels its button.
	SSO     *staff.SSO
	SSOName string

	// WalletClients are the wallet clients of the authorization server
	// (wallets.go); nil when the authorization code flow is off.
	WalletClients *authz.Clients

	// WebhookLog serves the webhook delivery log (webhooks.go); nil hides it.
	WebhookLog *webhooks.Service
	// Status changes credential statuses (revoke, suspend, unsuspend) and
	// shows them on the credentials page (credentials.go); nil hides both.
	Status *status.Service

	BasePath string
	// SecureCookies marks cookies Secure (public URL is https).
	SecureCookies bool
}

// Handlers serve the console.
type Handlers struct {
	Deps
}

// New returns the console handlers.
func New(d Deps) (*Handlers, error) {
	if d.Staff == nil || d.Issuance == nil {
		return nil, errors.New("console: Staff and Issuance are required")
	}
	if d.Configurations == nil || d.Access == nil || d.Reports == nil || d.Keys == nil {
		return nil, errors.New("console: Configurations, Access, Reports and Keys are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Handlers{Deps: d}, nil
}

const userKey = "credmint.console.user"

// SetUser records the signed-in user for the request.
func SetUser(c *gin.Context, u *staff.User) { c.Set(userKey, u) }

// CurrentUser returns the signed-in user, or nil.
func CurrentUser(c *gin.Context) *staff.User {
	u, _ := c.Get(userKey)
	user, _ := u.(*staff.User)
	return user
}

// ErrForbidden is returned when the user's role does not allow an action.
var ErrForbidden = errors.New("your role does not allow this")

// Can reports whether the signed-in user may do p.
func Can(c *gin.Context, p staff.Permission) bool {
	u := CurrentUser(c)
	return u != nil && staff.Can(u.Role, p)
}

// render writes a component with status. Components render into a buffer
// first, so a failure half-way becomes an error page, not half a page.
func render(c *gin.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request.Context(), &buf); err != nil {
		return err
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// redirect sends the browser to path (under the base path) with a flash.
func (h *Handlers) redirect(c *gin.Context, path, flash string) error {
	if flash != "" {
		h.setFlash(c, flash)
	}
	c.Redirect(http.StatusSeeOther, h.BasePath+path)
	return nil
}

const flashCookie = "credmint_flash"

func (h *Handlers) setFlash(c *gin.Context, msg string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: h.cookiePath(),
		MaxAge: 60, HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// takeFlash reads and clears the flash message.
func (h *Handlers) takeFlash(c *gin.Context) string {
	ck, err := c.Request.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: flashCookie, Path: h.cookiePath(), MaxAge: -1, HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
	msg, _ := url.QueryUnescape(ck.Value)
	return msg
}

func (h *Handlers) cookiePath() string {
	if h.BasePath == "" {
		return "/"
	}
	return h.BasePath + "/"
}

// navEntry is a console area and who may see it.
type navEntry struct {
	label, path string
	perm        staff.Permission
}

// navigation is the console menu, in order. Areas register here as they
// are built.
var navigation = []navEntry{
	{"Dashboard", "/console/", staff.PermRead},
	{"Configurations", "/console/configurations", staff.PermRead},
	{"Applicants", "/console/applicants", staff.PermRead},
	{"Offers", "/console/offers", staff.PermRead},
	{"Credentials", "/console/credentials", staff.PermRead},
	{"Reviews", "/console/reviews", staff.PermReview},
	{"Audit log", "/console/audit", staff.PermReadAudit},
	{"Users", "/console/users", staff.PermManageUsers},
	{"API keys", "/console/apikeys", staff.PermManageAPIKeys},
	{"Wallets", "/console/wallets", staff.PermManageWalletClients},
	{"Webhooks", "/console/webhooks", staff.PermManageWebhooks},
	{"Signing keys", "/console/keys", staff.PermManageKeys},
}

// Layout returns the frame of a console page for the current user.
func (h *Handlers) Layout(c *gin.Context, title string) layout.ConsoleProps {
	u := CurrentUser(c)
	p := layout.ConsoleProps{Title: title, BasePath: h.BasePath}
	if u != nil {
		p.UserName, p.UserRole = cmpOr(u.Name, u.Email), u.Role
	}
	path := strings.TrimPrefix(c.Request.URL.Path, h.BasePath)
	for _, n := range navigation {
		if u == nil || !staff.Can(u.Role, n.perm) {
			continue
		}
		active := path == n.path || (n.path != "/console/" && strings.HasPrefix(path, n.path))
		p.Nav = append(p.Nav, layout.NavItem{Label: n.label, Href: h.BasePath + n.path, Active: active})
	}
	if msg := h.takeFlash(c); msg != "" {
		p.Flash = msg
		if strings.HasPrefix(msg, "!") {
			p.Flash, p.FlashError = msg[1:], true
		}
	}
	return p
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
