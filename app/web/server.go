// Package web is credmint's HTTP edge: the gin engine, the one route table,
// middleware (request ids, access log, body limits, security headers, panic
// recovery) and the error writer. Handlers live in subpackages: oid4vci for
// wallets, api for back-office systems. gin is imported nowhere else.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/access"
	"credmint/app/applicants"
	"credmint/app/authz"
	"credmint/app/credential"
	"credmint/app/delivery"
	"credmint/app/issuance"
	"credmint/app/staff"
	"credmint/app/status"
	"credmint/app/web/api"
	"credmint/app/web/console"
	"credmint/app/web/oid4vci"
	"credmint/app/webhooks"
)

// Pinger reports whether the database is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the server needs.
type Deps struct {
	Issuance *issuance.Service
	Access   *access.Service
	Staff    *staff.Service
	DB       Pinger
	// Applicants serves the console's applicants and import pages.
	Applicants *applicants.Service
	// Configurations, Reports and Keys serve the console's configurations,
	// credentials, audit log and dashboard; Deliveries and Reviews (nil
	// until wired) add counts to the dashboard.
	Configurations *credential.Manager
	Reports        console.Reports
	Keys           console.KeyLister
	Deliveries     console.DeliveryStats
	Reviews        console.ReviewQueue
	// Delivery serves the console's offers pages and the public landing
	// page; nil leaves both out.
	Delivery *delivery.Service
	// Authz is credmint's authorization server (PAR, /authorize, the
	// upstream login and consent); nil leaves it out.
	Authz *authz.Service
	// StaffSSO is single sign-on for console staff; nil leaves
	// /console/sso/* out. SSOName labels its button.
	StaffSSO *staff.SSO
	SSOName  string
	// Webhooks serves the console's webhook delivery log; nil hides it.
	Webhooks *webhooks.Service
	// Status publishes the status lists at /status/{id} and serves the
	// credential status API and console actions; nil leaves them out.
	Status *status.Service
	// DevIdP is the development identity provider (app/devidp), served at
	// {BasePath}/dev-idp; nil (always in production) leaves it out.
	DevIdP http.Handler
	// BasePath is the path of the public URL ("" or "/vci/t1").
	BasePath string
	// IssuerName is shown on the home page.
	IssuerName string
	// TrustedProxies are the addresses or CIDRs allowed to set
	// X-Forwarded-For; empty means none.
	TrustedProxies []string
	Log            *slog.Logger
	Now            func() time.Time
}

// Server is the HTTP handler of credmint.
type Server struct {
	deps    Deps
	log     *slog.Logger
	engine  *gin.Engine
	console *console.Handlers
	cop     *http.CrossOriginProtection
}

// New builds the engine and its routes.
func New(d Deps) (*Server, error) {
	if d.Issuance == nil || d.Access == nil || d.Staff == nil || d.DB == nil {
		return nil, errors.New("web: Issuance, Access, Staff and DB are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.ContextWithFallback = true
	// Only the configured proxies may set the client address (audit events
	// record it); by default X-Forwarded-For is ignored.
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, fmt.Errorf("web: trusted_proxies: %w", err)
	}
	s := &Server{deps: d, log: d.Log, engine: e, cop: http.NewCrossOriginProtection()}
	admin, err := api.New(d.Issuance)
	if err != nil {
		return nil, err
	}
	if s.console, err = console.New(console.Deps{Log: s.log, Staff: d.Staff, Issuance: d.Issuance, BasePath: d.BasePath, Applicants: d.Applicants,
		Configurations: d.Configurations, Access: d.Access, Reports: d.Reports, Keys: d.Keys, Deliveries: d.Deliveries, Reviews: d.Reviews, Now: d.Now, Delivery: d.Delivery,
		SSO: d.StaffSSO, SSOName: d.SSOName,
		SecureCookies: strings.HasPrefix(d.Issuance.Issuer, "https://")}); err != nil {
		return nil, err
	}
	if d.Authz != nil {
		s.console.WalletClients = d.Authz.Clients // the console's wallets page
	}
	s.console.WebhookLog = d.Webhooks
	s.console.Status = d.Status
	s.routes(admin)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.engine.ServeHTTP(w, r)
}

// Body size limits. A credential request carries at most batch_size proofs of
// a few KiB each.
const (
	limitSmall      = 64 << 10
	limitCredential = 512 << 10
	limitAdmin      = 1 << 20
)

// routes is the one route table of credmint.
func (s *Server) routes(admin *api.Handlers) {
	e, base := s.engine, s.deps.BasePath
	e.Use(s.recoverer, s.requestLog, securityHeaders)
	e.NoRoute(s.notFound)
	e.NoMethod(s.methodNotAllowed)

	wallet := oid4vci.New(s.deps.Issuance)
	wk := e.Group("/.well-known")
	public(wk, http.MethodGet, "/openid-credential-issuer"+base, s.protocol(wallet.IssuerMetadata))
	public(wk, http.MethodGet, "/oauth-authorization-server"+base, s.protocol(wallet.AuthorizationServerMetadata))
	public(wk, http.MethodGet, "/jwt-vc-issuer"+base, s.protocol(wallet.JWTVCIssuerMetadata))

	g := e.Group(base + "/")
	if base != "" {
		// Drafts up to 15 appended the well-known suffix to the issuer
		// identifier; wallets from that time still do (SPEC §20).
		public(g, http.MethodGet, "/.well-known/openid-credential-issuer", s.protocol(wallet.IssuerMetadata))
		public(g, http.MethodGet, "/.well-known/oauth-authorization-server", s.protocol(wallet.AuthorizationServerMetadata))
	}
	pub := g.Group("", walletActor)
	public(pub, http.MethodGet, "/offers/:handle", s.protocol(wallet.Offer))
	public(pub, http.MethodPost, "/token", limitBody(limitSmall), s.protocol(wallet.Token))
	public(pub, http.MethodPost, "/nonce", limitBody(limitSmall), s.protocol(wallet.Nonce))
	public(pub, http.MethodPost, "/credential", limitBody(limitCredential), s.protocol(wallet.Credential))
	public(pub, http.MethodPost, "/notification", limitBody(limitSmall), s.protocol(wallet.Notification))
	public(pub, http.MethodPost, "/deferred_credential", limitBody(limitSmall), s.protocol(wallet.Deferred))

	v1 := g.Group("/api/v1", limitBody(limitAdmin))
	v1.GET("/openapi.json", admin.OpenAPI)
	authed := v1.Group("", s.apiKeyAuth)
	authed.POST("/offers", s.protocol(admin.CreateOffer))
	authed.GET("/offers/:id", s.protocol(admin.ShowOffer))
	authed.POST("/offers/:id/revoke", s.protocol(admin.RevokeOffer))
	authed.GET("/offers/:id/qr.png", s.protocol(admin.OfferQRPNG))
	authed.GET("/offers/:id/qr.svg", s.protocol(admin.OfferQRSVG))
	authed.GET("/deferred", s.protocol(admin.ListDeferred))
	authed.GET("/deferred/:id", s.protocol(admin.ShowDeferred))
	authed.POST("/deferred/:id/approve", s.protocol(admin.ApproveDeferred))
	authed.POST("/deferred/:id/reject", s.protocol(admin.RejectDeferred))
	if st := s.deps.Status; st != nil {
		public(pub, http.MethodGet, "/status/:id", s.protocol(oid4vci.StatusList(st, s.deps.Now)))
		creds := api.NewCredentials(st)
		authed.GET("/credentials", s.protocol(creds.ListCredentials))
		authed.POST("/credentials/bulk", s.protocol(creds.BulkChangeStatus))
		authed.GET("/credentials/:id", s.protocol(creds.ShowCredential))
		authed.POST("/credentials/:id/revoke", s.protocol(creds.ChangeStatus(status.Revoke)))
		authed.POST("/credentials/:id/suspend", s.protocol(creds.ChangeStatus(status.Suspend)))
		authed.POST("/credentials/:id/unsuspend", s.protocol(creds.ChangeStatus(status.Unsuspend)))
	}

	if s.deps.DevIdP != nil {
		// Its own net/http handler: discovery, jwks, authorize, token, userinfo.
		g.Any("/dev-idp/*path", gin.WrapH(s.deps.DevIdP))
	}

	s.consoleRoutes(g)
	s.landingRoutes(g)
	s.authzRoutes(g)

	// The mdoc IACA root(s), the trust anchor relying parties need.
	public(g, http.MethodGet, "/mdoc/iaca.pem", s.page(s.console.IACACertificates))
	g.GET("/healthz", s.healthz)
	g.GET("/readyz", s.readyz)
	g.GET("/", s.home)
	g.StaticFS("/static", staticFS())
}

// public registers a wallet-facing route with CORS and its preflight.
func public(g *gin.RouterGroup, method, path string, h ...gin.HandlerFunc) {
	g.Handle(method, path, append([]gin.HandlerFunc{cors}, h...)...)
	g.OPTIONS(path, cors, func(c *gin.Context) { c.Status(http.StatusNoContent) })
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz checks the database and the signing key: a process that cannot
// issue should not get traffic.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := gin.H{"database": "ok", "signing_key": "ok"}
	status := http.StatusOK
	if err := s.deps.DB.Ping(ctx); err != nil {
		checks["database"], status = "unreachable", http.StatusServiceUnavailable
		s.log.Warn("readiness: database unreachable", "error", err.Error())
	}
	if _, err := s.deps.Issuance.Signers.Active("credential"); err != nil {
		checks["signing_key"], status = "missing", http.StatusServiceUnavailable
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, checks)
}

// Route is one entry of the route table.
type Route struct {
	Method, Path string
}

// Routes lists the route table, for documentation checks.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}
