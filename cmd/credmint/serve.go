package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"time"

	"credmint/config"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("serve", stderr)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.web,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	go a.housekeeping(ctx)
	// Applicant imports run in the background; a job left by a stopped
	// process is resumed once its lease runs out.
	go a.applicants.RunWorker(ctx, time.Second)
	// The outbox worker sends emails and SMS; offer batches run in the
	// background too.
	go a.runDelivery(ctx)
	// The upstream identity provider is discovered in the background:
	// credmint serves pre-authorized issuance while it is down.
	go a.runAuthz(ctx)
	banner(stdout, cfg, ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// housekeeping purges spent nonces once they can no longer be replayed, and
// reloads the signing keys: other processes may have added one, and a key
// whose certificate expired is replaced.
func (a *app) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.store.PurgeExpired(ctx, a.now()); err != nil {
				a.log.Warn("purging expired nonces failed", "error", err.Error())
			} else if n > 0 {
				a.log.Debug("purged expired nonces", "count", n)
			}
			a.expireDeferred(ctx)
			a.refreshStatusLists(ctx)
			created, err := a.ring.EnsureAll(ctx, signingPurposes...)
			if err != nil {
				a.log.Error("reloading signing keys failed", "error", err.Error())
			}
			for _, purpose := range created {
				a.log.Warn("created a new issuer signing key: the previous one expired", "purpose", purpose)
			}
			a.housekeepKeys(ctx)
		}
	}
}

func banner(w io.Writer, cfg *config.Config, addr string) {
	fmt.Fprintf(w, `credmint is running (%s)

  issuer        %s
  listening on  http://%s
  metadata      %s/.well-known/openid-credential-issuer%s
  database      %s

Operator console:          %s/console/
                           (first admin: credmint users create --email you@example.org --role admin)
Create an admin API key:   credmint apikeys create --name backoffice
                           (or: go run ./cmd/credmint apikeys create --name backoffice)
Create an offer:           see README.md, docs/admin-api.md and %s/api/v1/openapi.json
Configuration reference:   docs/configuration.md

`, cfg.Environment, cfg.PublicURL, addr, originOf(cfg.PublicURL), cfg.BasePath(), redactDB(cfg.DatabaseURL), cfg.PublicURL, cfg.PublicURL)
}

func originOf(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return publicURL
	}
	return u.Scheme + "://" + u.Host
}

// redactDB hides the password of a database URL.
func redactDB(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}
