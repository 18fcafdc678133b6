package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"credmint/app/access"
	"credmint/app/applicants"
	"credmint/app/authz"
	"credmint/app/credential"
	"credmint/app/credential/jwtvc"
	"credmint/app/credential/mdoc"
	"credmint/app/credential/sdjwt"
	"credmint/app/delivery"
	"credmint/app/devidp"
	"credmint/app/issuance"
	"credmint/app/keys"
	"credmint/app/staff"
	"credmint/app/status"
	"credmint/app/web"
	"credmint/app/web/console"
	"credmint/app/webhooks"
	"credmint/config"
	"credmint/db"
)

// app is credmint wired together. Only this package knows every concrete
// type.
type app struct {
	// now is the clock of every service (time.Now outside tests).
	now func() time.Time
	// staffPolicy overrides staff defaults (tests use a cheap bcrypt cost).
	staffPolicy staff.Policy
	cfg         *config.Config
	log         *slog.Logger
	store       *db.Store
	ring        *keys.Ring
	issuance    *issuance.Service
	access      *access.Service
	staff       *staff.Service
	web         *web.Server
	// applicants holds applicant records and runs their import jobs.
	applicants *applicants.Service

	// configurations edits credential configurations from the console.
	configurations *credential.Manager

	// delivery makes offers for applicants and delivers them (see
	// delivery.go); deliveryWorkers send the outbox and run offer batches.
	delivery        *delivery.Service
	deliveryWorkers *deliveryWorkers
	// webhooks turns issuance events into deliveries for back-office
	// endpoints; the outbox worker sends them with webhookSender, after
	// eventRelay moved the events issuance queued into the outbox
	// (webhooks.go).
	webhooks      *webhooks.Service
	webhookSender *webhooks.Sender
	eventRelay    *webhooks.Relay

	// upstream is the OpenID provider people log in at: upstream_oidc, or
	// the development identity provider devIdP (nil when off), see
	// devidp.go.
	upstream config.UpstreamOIDCConfig
	devIdP   *devidp.Provider
	// devIdPConsoleSecret is the console's client secret there.
	devIdPConsoleSecret string
	// staffSSO is console single sign-on (console_sso.go); nil when off.
	staffSSO *staff.SSO

	// authz is credmint's authorization server (authz.go); nil without an
	// upstream provider.
	authz *authz.Service

	// status keeps the Token Status List: entries of issued credentials,
	// revocation and suspension, signed list tokens (status.go).
	status *status.Service
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens and migrates the database.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*db.Store, error) {
	store, err := db.Open(ctx, cfg.DatabaseURL, db.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "versions", fmt.Sprint(applied))
	}
	return store, nil
}

// newApp wires credmint: store, keys, configurations, services and the HTTP
// server. It creates the signing key on first start.
func newApp(ctx context.Context, cfg *config.Config, log *slog.Logger) (*app, error) {
	return newAppWith(ctx, cfg, log, appOptions{})
}

// appOptions are what tests change about the application.
type appOptions struct {
	// now is the clock (default time.Now); tests move it.
	now func() time.Time
	// staffPolicy overrides staff defaults, e.g. a cheap bcrypt cost.
	staffPolicy staff.Policy
}

// newAppWith is newApp with options.
// signingPurposes are the key purposes the ring keeps an active key for.
var signingPurposes = []string{keys.PurposeCredential, keys.PurposeCredentialJWTVC, keys.PurposeMdocDocumentSigner, keys.PurposeStatusList, keys.PurposeMetadata}

func newAppWith(ctx context.Context, cfg *config.Config, log *slog.Logger, o appOptions) (*app, error) {
	if o.now == nil {
		o.now = time.Now
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a := &app{now: o.now, staffPolicy: o.staffPolicy, cfg: cfg, log: log, store: store}
	if err := a.wire(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) wire(ctx context.Context) error {
	cfg, log := a.cfg, a.log
	if err := a.wireDevIdP(); err != nil {
		return err
	}
	master, err := masterKey(cfg, log)
	if err != nil {
		return err
	}
	sealer, err := keys.NewSealer(master)
	if err != nil {
		return err
	}
	formats := credential.NewFormats(sdjwt.New(), sdjwt.NewDraft(), jwtvc.New(), mdoc.New())
	if err := upsertConfigurations(ctx, a.store, formats, cfg.CredentialConfigurations); err != nil {
		return err
	}
	a.ring, err = newKeyRing(cfg, a.store, sealer, a.now)
	if err != nil {
		return err
	}
	created, err := a.ring.EnsureAll(ctx, signingPurposes...)
	if err != nil {
		return err
	}
	for _, purpose := range created {
		log.Info("created an issuer signing key", "purpose", purpose)
	}
	if err := a.wireStatus(); err != nil {
		return err
	}
	catalog := credential.NewCatalog(a.store, 2*time.Second, a.now)
	fileConfigs := make([]string, len(cfg.CredentialConfigurations))
	for i, c := range cfg.CredentialConfigurations {
		fileConfigs[i] = c.ID
	}
	if a.configurations, err = credential.NewManager(credential.ManagerDeps{Store: a.store, Catalog: catalog, Formats: formats,
		FileManaged: fileConfigs, Now: a.now}); err != nil {
		return err
	}
	if err := a.wireWebhooks(sealer); err != nil {
		return err
	}
	a.issuance, err = issuance.New(issuance.Deps{
		Store:     a.store,
		Admin:     a.store,
		Catalog:   catalog,
		Formats:   formats,
		Signers:   a.ring,
		Sealer:    sealer,
		Issuer:    cfg.PublicURL,
		NonceKey:  sealer.Subkey("c_nonce"),
		TxCodeKey: sealer.Subkey("tx_code"),
		Policy:    policy(cfg),
		Display:   []issuance.Display{{Name: cfg.Issuer.Name, Locale: cfg.Issuer.Locale}},
		Now:       a.now,
		Events:    a.eventRelay,
		Deferred:  a.store,
		// Applicants serve deferred issuance. DraftClients: the file's
		// pre_1_0 wallets; wireAuthz replaces them with the wallet client
		// registry (the file's and the console's).
		Applicants:   applicantFacts{a},
		DraftClients: issuance.DraftClientSet(preDraftClients(cfg)),
		StatusLists:  a.statusLists(),
		Drafts:       cfg.Compat.Drafts, // draft request shapes from every wallet
	})
	if err != nil {
		return err
	}
	if a.access, err = access.New(access.Deps{Store: a.store, Now: a.now}); err != nil {
		return err
	}
	if a.staff, err = staff.New(staff.Deps{Store: a.store, Now: a.now, Policy: a.staffPolicy}); err != nil {
		return err
	}
	if err := a.wireConsoleSSO(sealer); err != nil {
		return err
	}
	if a.applicants, err = applicants.New(applicants.Deps{Store: a.store, Catalog: catalog, Sealer: sealer, Log: log, Now: a.now}); err != nil {
		return err
	}
	if err := a.wireDelivery(catalog, sealer); err != nil {
		return err
	}
	if err := a.wireNotifier(); err != nil {
		return err
	}
	if err := a.wireAuthz(catalog, sealer); err != nil {
		return err
	}
	a.web, err = web.New(web.Deps{
		Issuance: a.issuance, Access: a.access, Staff: a.staff, DB: a.store, Applicants: a.applicants,
		Configurations: a.configurations, Reports: a.store, Keys: a.ring, Delivery: a.delivery, Deliveries: a.delivery,
		BasePath: cfg.BasePath(), IssuerName: cfg.Issuer.Name, TrustedProxies: cfg.TrustedProxies, Log: log, Now: a.now,
		DevIdP: a.devIdPHandler(), Authz: a.authz,
		StaffSSO: a.staffSSO, SSOName: cfg.ConsoleSSO.Name, Webhooks: a.webhooks,
		Status:  a.status,
		Reviews: console.IssuanceReviews{Issuance: a.issuance},
	})
	return err
}

func policy(cfg *config.Config) issuance.Policy {
	p := issuance.Policy{
		OfferLifetime:          cfg.Lifetimes.Offer,
		AccessTokenLifetime:    cfg.Lifetimes.AccessToken,
		NonceLifetime:          cfg.Lifetimes.Nonce,
		ProofIATWindow:         cfg.Lifetimes.ProofIATWindow,
		MaxTxCodeAttempts:      cfg.TxCode.MaxAttempts,
		BatchSize:              cfg.Issuer.BatchSize,
		AnonymousPreAuthorized: *cfg.Issuer.AnonymousPreAuthorized,
		DeferredInterval:       cfg.Issuer.DeferredInterval,
		DeferredLifetime:       cfg.Issuer.DeferredLifetime,
		ReviewSLA:              cfg.Issuer.DeferredReviewSLA,
	}
	p.TxCodeByDefault = *cfg.TxCode.Required
	p.TxCodeDefaults = issuance.TxCode{InputMode: cfg.TxCode.InputMode, Length: cfg.TxCode.Length, Description: cfg.TxCode.Description}
	return p
}

// upsertConfigurations validates the configurations declared in the file and
// writes them to the database, so a deployment is reproducible from its file.
func upsertConfigurations(ctx context.Context, store *db.Store, formats *credential.Formats, cs []credential.Configuration) error {
	for i := range cs {
		if err := cs[i].Validate(formats); err != nil {
			return fmt.Errorf("config: credential_configurations[%d] (%s): %w", i, cs[i].ID, err)
		}
	}
	for i := range cs {
		if err := store.UpsertCredentialConfiguration(ctx, &cs[i]); err != nil {
			return err
		}
	}
	return nil
}

// masterKey returns the configured master key. Outside production, without
// one, it uses (and on first start creates) DataDir/master.key, loudly.
func masterKey(cfg *config.Config, log *slog.Logger) ([]byte, error) {
	if cfg.MasterKey != "" {
		k, err := keys.ParseMasterKey(cfg.MasterKey)
		if err != nil {
			return nil, fmt.Errorf("config: master_key: %w", err)
		}
		return k, nil
	}
	if cfg.Environment == config.Production {
		return nil, errors.New("config: master_key is required in production")
	}
	path := filepath.Join(cfg.DataDir, "master.key")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		enc, gerr := keys.GenerateMasterKey()
		if gerr != nil {
			return nil, gerr
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(enc+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("writing development master key: %w", err)
		}
		raw = []byte(enc)
		log.Warn("GENERATED A DEVELOPMENT MASTER KEY: it encrypts your signing keys and applicant data; set CREDMINT_MASTER_KEY and environment: production for real use", "path", path)
	} else if err != nil {
		return nil, fmt.Errorf("reading development master key: %w", err)
	} else {
		log.Warn("using the development master key from the data directory; do not use this in production", "path", path)
	}
	return keys.ParseMasterKey(strings.TrimSpace(string(raw)))
}

func (a *app) Close() error { return a.store.Close() }
