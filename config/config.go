// Package config holds credmint's configuration: a YAML file (--config or
// CREDMINT_CONFIG) with an environment twin CREDMINT_<KEY> for every scalar
// key, which wins over the file. Load reads both, applies defaults and calls
// Validate, which names the bad field and why.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"go.yaml.in/yaml/v3"

	"credmint/app/credential"
)

// Environments.
const (
	Development = "development"
	Production  = "production"
)

// Config is the whole configuration. Field names are the YAML keys; env tags
// give the environment twins (prefix CREDMINT_).
type Config struct {
	Environment string `yaml:"environment" env:"ENVIRONMENT"`
	Listen      string `yaml:"listen" env:"LISTEN"`
	// PublicURL is the Credential Issuer Identifier: https, host, optional
	// port and path, no query or fragment.
	PublicURL   string `yaml:"public_url" env:"PUBLIC_URL"`
	DatabaseURL string `yaml:"database_url" env:"DATABASE_URL"`
	// MasterKey is 32 bytes in base64; it encrypts private keys and
	// applicant data at rest. Required in production.
	MasterKey string `yaml:"master_key" env:"MASTER_KEY"`
	// DataDir holds the SQLite database and, in development, the generated
	// master key.
	DataDir string `yaml:"data_dir" env:"DATA_DIR"`
	// TrustedProxies are the reverse proxies (addresses or CIDRs) allowed
	// to tell the client's address in X-Forwarded-For.
	TrustedProxies []string `yaml:"trusted_proxies" env:"TRUSTED_PROXIES" envSeparator:","`
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string `yaml:"log_level" env:"LOG_LEVEL"`
	LogFormat string `yaml:"log_format" env:"LOG_FORMAT"`

	Issuer    IssuerConfig    `yaml:"issuer" envPrefix:"ISSUER_"`
	Lifetimes LifetimesConfig `yaml:"lifetimes" envPrefix:"LIFETIMES_"`
	TxCode    TxCodeConfig    `yaml:"tx_code" envPrefix:"TX_CODE_"`

	// SMTP and SMSWebhook deliver offers and tx_codes; unset (no host, no
	// URL) turns that channel off.
	SMTP       SMTPConfig       `yaml:"smtp" envPrefix:"SMTP_"`
	SMSWebhook SMSWebhookConfig `yaml:"sms_webhook" envPrefix:"SMS_WEBHOOK_"`
	// Webhooks are the back-office endpoints that receive issuance events
	// (config/webhooks.go).
	Webhooks []WebhookConfig `yaml:"webhooks"`

	// UpstreamOIDC is the organisation's OpenID provider people log in at in
	// the authorization code flow; no issuer means none is configured.
	UpstreamOIDC UpstreamOIDCConfig `yaml:"upstream_oidc" envPrefix:"UPSTREAM_OIDC_"`
	// DevIdP is the embedded development identity provider (see devidp.go).
	DevIdP DevIdPConfig `yaml:"dev_idp" envPrefix:"DEV_IDP_"`
	// WalletClients are the wallets registered for the authorization code
	// flow; Authorization tunes the authorization server (see authz.go).
	WalletClients []WalletClient      `yaml:"wallet_clients"`
	Authorization AuthorizationConfig `yaml:"authorization" envPrefix:"AUTHORIZATION_"`
	// ConsoleSSO is single sign-on for console staff (see console_sso.go).
	ConsoleSSO ConsoleSSOConfig `yaml:"console_sso" envPrefix:"CONSOLE_SSO_"`
	// Keys tunes certificates and key rotation (see keys.go).
	Keys KeysConfig `yaml:"keys" envPrefix:"KEYS_"`
	// Compat accepts wallets on the pre-1.0 drafts (see compat.go).
	Compat CompatConfig `yaml:"compat" envPrefix:"COMPAT_"`
	// StatusList shapes the Token Status List (see status.go).
	StatusList StatusListConfig `yaml:"status_list" envPrefix:"STATUS_LIST_"`

	// CredentialConfigurations are upserted into the database at start.
	CredentialConfigurations []credential.Configuration `yaml:"credential_configurations"`

	// Path is the file the configuration was read from, if any.
	Path string `yaml:"-"`
}

// IssuerConfig describes the issuer in its metadata.
type IssuerConfig struct {
	// Name and Locale make the issuer's display entry.
	Name   string `yaml:"name" env:"NAME"`
	Locale string `yaml:"locale" env:"LOCALE"`
	// BatchSize is batch_credential_issuance.batch_size; 1 turns batch off.
	BatchSize int `yaml:"batch_size" env:"BATCH_SIZE"`
	// AnonymousPreAuthorized allows token requests without client_id on the
	// pre-authorized code grant.
	AnonymousPreAuthorized *bool `yaml:"anonymous_pre_authorized" env:"ANONYMOUS_PRE_AUTHORIZED"`
	// Contact is who applicants turn to (an email address, a phone number
	// or a web page), shown on letters, emails and the landing page.
	Contact string `yaml:"contact" env:"CONTACT"`
	// DeferredInterval is the polling interval given to wallets whose
	// request waits for a review (default 5s); DeferredLifetime how long a
	// request may wait before it expires (default 336h, 14 days).
	DeferredInterval time.Duration `yaml:"deferred_interval" env:"DEFERRED_INTERVAL"`
	DeferredLifetime time.Duration `yaml:"deferred_lifetime" env:"DEFERRED_LIFETIME"`
	// DeferredReviewSLA is how long a deferred request may wait for a
	// decision before the console's review queue marks it overdue
	// (default 48h).
	DeferredReviewSLA time.Duration `yaml:"deferred_review_sla" env:"DEFERRED_REVIEW_SLA"`
	// NotifyRejectReason puts the reviewer's reason into the email that
	// tells an applicant their request was not approved (default false:
	// a generic text; the reason is written for staff).
	NotifyRejectReason bool `yaml:"notify_reject_reason" env:"NOTIFY_REJECT_REASON"`
}

// SMTPConfig is the mail server offers and tx_codes are sent through.
type SMTPConfig struct {
	Host     string `yaml:"host" env:"HOST"`
	Port     int    `yaml:"port" env:"PORT"`
	Username string `yaml:"username" env:"USERNAME"`
	Password string `yaml:"password" env:"PASSWORD"`
	// From is the sender address, "Name <address>" or a bare address.
	From string `yaml:"from" env:"FROM"`
	// StartTLS is required (default), opportunistic or none.
	StartTLS string `yaml:"starttls" env:"STARTTLS"`
	// TemplatesDir holds message templates that override the built-in
	// ones (see docs/console-offers.md).
	TemplatesDir string `yaml:"templates_dir" env:"TEMPLATES_DIR"`
}

// SMSWebhookConfig is the HTTP endpoint tx_codes are sent to by SMS.
type SMSWebhookConfig struct {
	URL string `yaml:"url" env:"URL"`
	// Secret keys the HMAC-SHA256 signature of every request.
	Secret string `yaml:"secret" env:"SECRET"`
}

// UpstreamOIDCConfig is the upstream OpenID Connect provider.
type UpstreamOIDCConfig struct {
	Issuer       string   `yaml:"issuer" env:"ISSUER"`
	ClientID     string   `yaml:"client_id" env:"CLIENT_ID"`
	ClientSecret string   `yaml:"client_secret" env:"CLIENT_SECRET"`
	Scopes       []string `yaml:"scopes" env:"SCOPES" envSeparator:","`
	UserInfo     bool     `yaml:"userinfo" env:"USERINFO"`
}

// LifetimesConfig are durations in Go syntax (90s, 15m, 720h).
type LifetimesConfig struct {
	Offer       time.Duration `yaml:"offer" env:"OFFER"`
	AccessToken time.Duration `yaml:"access_token" env:"ACCESS_TOKEN"`
	Nonce       time.Duration `yaml:"nonce" env:"NONCE"`
	// ProofIATWindow is how far a proof's iat may be in the past (30 s
	// into the future are tolerated for clock skew).
	ProofIATWindow time.Duration `yaml:"proof_iat_window" env:"PROOF_IAT_WINDOW"`
}

// TxCodeConfig is the default tx_code policy for new offers.
type TxCodeConfig struct {
	// Required makes offers carry a tx_code unless the request says none.
	Required    *bool  `yaml:"required" env:"REQUIRED"`
	InputMode   string `yaml:"input_mode" env:"INPUT_MODE"`
	Length      int    `yaml:"length" env:"LENGTH"`
	Description string `yaml:"description" env:"DESCRIPTION"`
	MaxAttempts int    `yaml:"max_attempts" env:"MAX_ATTEMPTS"`
}

// Load reads the file at path (empty: no file), then the environment, applies
// defaults and validates.
func Load(path string) (*Config, error) {
	c := &Config{Path: path}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty configuration
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := env.ParseWithOptions(c, env.Options{Prefix: "CREDMINT_"}); err != nil {
		return nil, fmt.Errorf("config: environment: %w", err)
	}
	c.Defaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Defaults fills every unset field. It is idempotent.
func (c *Config) Defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Environment, Development)
	def(&c.Listen, "127.0.0.1:8080")
	def(&c.DataDir, "./data")
	def(&c.DatabaseURL, "sqlite:"+strings.TrimSuffix(c.DataDir, "/")+"/credmint.db")
	def(&c.LogLevel, "info")
	def(&c.LogFormat, "text")
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Listen
	}
	def(&c.Issuer.Name, "credmint issuer")
	def(&c.Issuer.Locale, "en")
	if c.SMTP.Host != "" {
		if c.SMTP.Port == 0 {
			c.SMTP.Port = 587
		}
		def(&c.SMTP.StartTLS, "required")
	}
	if c.Issuer.BatchSize == 0 {
		c.Issuer.BatchSize = 10
	}
	if c.Issuer.AnonymousPreAuthorized == nil {
		t := true
		c.Issuer.AnonymousPreAuthorized = &t
	}
	durDef := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	durDef(&c.Lifetimes.Offer, 7*24*time.Hour)
	durDef(&c.Lifetimes.AccessToken, 5*time.Minute)
	durDef(&c.Lifetimes.Nonce, 5*time.Minute)
	durDef(&c.Lifetimes.ProofIATWindow, 5*time.Minute)
	durDef(&c.Issuer.DeferredInterval, 5*time.Second)
	durDef(&c.Issuer.DeferredLifetime, 14*24*time.Hour)
	durDef(&c.Issuer.DeferredReviewSLA, 48*time.Hour)
	if c.TxCode.Required == nil {
		t := true
		c.TxCode.Required = &t
	}
	def(&c.TxCode.InputMode, "numeric")
	if c.TxCode.Length == 0 {
		c.TxCode.Length = 6
	}
	def(&c.TxCode.Description, "Enter the PIN we sent you separately")
	if c.TxCode.MaxAttempts == 0 {
		c.TxCode.MaxAttempts = 5
	}
	c.ConsoleSSO.defaults()
	c.Keys.defaults()
	c.StatusList.defaults()
	if len(c.CredentialConfigurations) == 0 && c.Path == "" {
		c.CredentialConfigurations = []credential.Configuration{ExampleConfiguration(c.PublicURL)}
	}
	for i := range c.CredentialConfigurations {
		c.CredentialConfigurations[i].Normalize()
	}
}

// ExampleConfiguration is the staff badge seeded when credmint starts with no
// configuration file.
func ExampleConfiguration(publicURL string) credential.Configuration {
	return credential.Configuration{
		ID:      "staff_badge",
		Format:  "dc+sd-jwt",
		VCT:     "urn:credmint:example:staff_badge:1",
		Scope:   "staff_badge",
		Display: []credential.Display{{Name: "Staff badge", Locale: "en", BackgroundColor: "#12355b", TextColor: "#ffffff"}},
		Claims: []credential.Claim{
			{Path: []any{"given_name"}, Mandatory: true, Type: credential.TypeString, Display: []credential.ClaimDisplay{{Name: "First name", Locale: "en"}}},
			{Path: []any{"family_name"}, Mandatory: true, Type: credential.TypeString, Display: []credential.ClaimDisplay{{Name: "Last name", Locale: "en"}}},
			{Path: []any{"employee_id"}, Type: credential.TypeString, Display: []credential.ClaimDisplay{{Name: "Employee number", Locale: "en"}}},
			{Path: []any{"birthdate"}, Selective: true, Type: credential.TypeDate, Display: []credential.ClaimDisplay{{Name: "Date of birth", Locale: "en"}}},
		},
	}
}

var localePattern = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// FieldError names the configuration key that is wrong.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return "config: " + e.Field + ": " + e.Reason }

// Validate checks every field and returns a *FieldError for the first bad one.
// Credential configurations are checked against the format registry by the
// caller (it knows the formats), see credential.Configuration.Validate.
func (c *Config) Validate() error {
	if c.Environment != Development && c.Environment != Production {
		return &FieldError{"environment", fmt.Sprintf("must be %q or %q, not %q", Development, Production, c.Environment)}
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return &FieldError{"listen", fmt.Sprintf("%q is not host:port", c.Listen)}
	}
	if err := validatePublicURL(c.PublicURL, c.Environment); err != nil {
		return err
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return &FieldError{"database_url", "must start with sqlite: or postgres://"}
	}
	if c.Environment == Production && c.MasterKey == "" {
		return &FieldError{"master_key", "is required in production (CREDMINT_MASTER_KEY, 32 bytes in base64: openssl rand -base64 32)"}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return &FieldError{"log_level", fmt.Sprintf("must be debug, info, warn or error, not %q", c.LogLevel)}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return &FieldError{"log_format", fmt.Sprintf("must be text or json, not %q", c.LogFormat)}
	}
	if !localePattern.MatchString(c.Issuer.Locale) {
		return &FieldError{"issuer.locale", fmt.Sprintf("%q is not a BCP 47 language tag", c.Issuer.Locale)}
	}
	for i, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return &FieldError{fmt.Sprintf("trusted_proxies[%d]", i), fmt.Sprintf("%q is not an IP address or CIDR", p)}
			}
		}
	}
	if c.Issuer.BatchSize < 1 || c.Issuer.BatchSize > 100 {
		return &FieldError{"issuer.batch_size", "must be between 1 and 100"}
	}
	if c.Issuer.DeferredInterval < time.Second || c.Issuer.DeferredInterval > time.Hour {
		return &FieldError{"issuer.deferred_interval", "must be between 1s and 1h"}
	}
	if c.Issuer.DeferredLifetime < time.Minute {
		return &FieldError{"issuer.deferred_lifetime", "must be at least 1m"}
	}
	if c.Issuer.DeferredReviewSLA < time.Minute {
		return &FieldError{"issuer.deferred_review_sla", "must be at least 1m"}
	}
	for name, d := range map[string]time.Duration{"lifetimes.offer": c.Lifetimes.Offer, "lifetimes.access_token": c.Lifetimes.AccessToken, "lifetimes.nonce": c.Lifetimes.Nonce, "lifetimes.proof_iat_window": c.Lifetimes.ProofIATWindow} {
		if d <= 0 {
			return &FieldError{name, "must be a positive duration such as 90s, 15m or 720h"}
		}
	}
	if c.Lifetimes.Offer < time.Minute || c.Lifetimes.Offer > 90*24*time.Hour {
		return &FieldError{"lifetimes.offer", "must be between 1m and 2160h (90 days)"}
	}
	if c.Lifetimes.AccessToken > 5*time.Minute {
		// OID4VCI §13.10: longer-lived tokens must be sender-constrained,
		// and credmint does not bind tokens with DPoP yet.
		return &FieldError{"lifetimes.access_token", "must be at most 5m until DPoP-bound tokens are supported (OID4VCI 1.0 §13.10)"}
	}
	if err := c.TxCode.validate(); err != nil {
		return err
	}
	if err := c.SMTP.validate(c.Environment); err != nil {
		return err
	}
	if err := c.SMSWebhook.validate(c.Environment); err != nil {
		return err
	}
	if err := c.validateWebhooks(); err != nil {
		return err
	}
	if err := c.DevIdP.validate(c); err != nil {
		return err
	}
	if err := c.validateAuthz(); err != nil {
		return err
	}
	if err := c.ConsoleSSO.validate(c.Environment); err != nil {
		return err
	}
	if err := c.Keys.validate(); err != nil {
		return err
	}
	if err := c.StatusList.validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, cc := range c.CredentialConfigurations {
		if seen[cc.ID] {
			return &FieldError{fmt.Sprintf("credential_configurations[%d].id", i), fmt.Sprintf("%q appears twice", cc.ID)}
		}
		seen[cc.ID] = true
	}
	return nil
}

func (t *TxCodeConfig) validate() error {
	if t.InputMode != "numeric" && t.InputMode != "text" {
		return &FieldError{"tx_code.input_mode", fmt.Sprintf("must be numeric or text, not %q", t.InputMode)}
	}
	if t.Length < 4 || t.Length > 12 {
		return &FieldError{"tx_code.length", "must be between 4 and 12"}
	}
	if len(t.Description) > 300 {
		return &FieldError{"tx_code.description", "must be at most 300 characters (OID4VCI §4.1.1)"}
	}
	if t.MaxAttempts < 1 || t.MaxAttempts > 20 {
		return &FieldError{"tx_code.max_attempts", "must be between 1 and 20"}
	}
	return nil
}

func validatePublicURL(raw, environment string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return &FieldError{"public_url", fmt.Sprintf("%q is not an absolute URL", raw)}
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Contains(raw, "#") {
		return &FieldError{"public_url", "must not have a query or fragment (it is the Credential Issuer Identifier)"}
	}
	if strings.HasSuffix(raw, "/") {
		return &FieldError{"public_url", "must not end with a slash (wallets compare the issuer identifier byte for byte)"}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if environment == Production {
			return &FieldError{"public_url", "must be https in production (OID4VCI requires TLS)"}
		}
	default:
		return &FieldError{"public_url", "must be an https URL"}
	}
	return nil
}

// BasePath is the path component of the public URL ("" or "/vci/t1"); every
// route except the well-known documents is served under it.
func (c *Config) BasePath() string {
	u, _ := url.Parse(c.PublicURL)
	return strings.TrimSuffix(u.Path, "/")
}

// Host is the public URL's host without port.
func (c *Config) Host() string {
	u, _ := url.Parse(c.PublicURL)
	return u.Hostname()
}

func (m *SMTPConfig) validate(environment string) error {
	if m.Host == "" {
		if m.From != "" || m.Username != "" {
			return &FieldError{"smtp.host", "is required when smtp is configured"}
		}
		return nil
	}
	if strings.ContainsAny(m.Host, " /:") {
		return &FieldError{"smtp.host", fmt.Sprintf("%q is not a host name (give the port in smtp.port)", m.Host)}
	}
	if m.Port < 1 || m.Port > 65535 {
		return &FieldError{"smtp.port", "must be between 1 and 65535"}
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return &FieldError{"smtp.from", fmt.Sprintf("%q is not an email address (\"Name <address>\" or address)", m.From)}
	}
	switch m.StartTLS {
	case "required", "opportunistic":
	case "none":
		if environment == Production && m.Username != "" {
			return &FieldError{"smtp.starttls", "must not be none in production when a password is sent (use required)"}
		}
	default:
		return &FieldError{"smtp.starttls", fmt.Sprintf("must be required, opportunistic or none, not %q", m.StartTLS)}
	}
	if (m.Username == "") != (m.Password == "") {
		return &FieldError{"smtp.password", "username and password go together"}
	}
	return nil
}

func (w *SMSWebhookConfig) validate(environment string) error {
	if w.URL == "" {
		if w.Secret != "" {
			return &FieldError{"sms_webhook.url", "is required when sms_webhook.secret is set"}
		}
		return nil
	}
	u, err := url.Parse(w.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &FieldError{"sms_webhook.url", fmt.Sprintf("%q is not an http(s) URL", w.URL)}
	}
	if environment == Production && u.Scheme != "https" {
		return &FieldError{"sms_webhook.url", "must be https in production (the body holds tx_codes)"}
	}
	if len(w.Secret) < 16 {
		return &FieldError{"sms_webhook.secret", "must be at least 16 characters (e.g. openssl rand -hex 32)"}
	}
	return nil
}
