package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"credmint/app/audit"
	"credmint/app/keys"
	"credmint/config"
	"credmint/db"
)

const keysUsage = `usage:
  credmint keys list
  credmint keys rotate --purpose P [--at 2026-05-01T00:00:00Z]
  credmint keys csr --purpose P --subject "CN=…,O=…,C=…" [--dns host]… [--out file.csr]
  credmint keys import-chain --key KID --file chain.pem [--activate-at 2026-05-01T00:00:00Z]
  credmint keys retire --key KID [--reason "key compromised"] [--force] [--yes]
purposes: credential, mdoc_document_signer, status_list, metadata (rotate also: mdoc_iaca)`

// newKeyRing makes the key ring credmint uses, shaped by cfg's keys section.
func newKeyRing(cfg *config.Config, store keys.Store, sealer *keys.Sealer, now func() time.Time) (*keys.Ring, error) {
	return keys.NewRing(keys.Deps{
		Store: store, Sealer: sealer, Now: now,
		Subject: "credmint issuer " + cfg.Host(), DNSName: cfg.Host(),
		CertValidity: cfg.Keys.CertificateValidity,
		Mdoc: keys.MdocSettings{
			Country: cfg.Keys.MdocIACACountry, IACAName: cfg.Keys.MdocIACAName, IssuerURL: cfg.PublicURL,
			IACAValidity: cfg.Keys.MdocIACAValidity, DocumentSignerValidity: cfg.Keys.MdocDocumentSignerValidity,
			CRLURL: cfg.Keys.MdocCRLURL,
		},
		Rotation: keys.RotationSettings{
			// A superseded status list key stays published at least as
			// long as the tokens it signed live.
			StatusListGrace: max(cfg.Keys.StatusListGrace, cfg.StatusList.Validity),
			RotateBefore:    cfg.Keys.RotateBefore,
			PublishAhead:    cfg.Keys.PublishAhead,
		},
	})
}

// housekeepKeys rotates and retires keys (keys.Ring.Housekeep) and logs what
// changed; serve's housekeeping calls it.
func (a *app) housekeepKeys(ctx context.Context) {
	res, err := a.ring.Housekeep(ctx)
	if err != nil {
		a.log.Error("key housekeeping failed", "error", err.Error())
	}
	for _, k := range res.Rotated {
		a.log.Warn("rotated a signing key before its certificate expires", "purpose", k.Purpose, "kid", k.ID, "signs_from", k.NotBefore)
	}
	for _, id := range res.Retired {
		a.log.Info("retired a superseded signing key: every credential it signed has expired", "kid", id)
	}
}

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	sub, args := args[0], args[1:]
	fs, path := newFlags("keys "+sub, stderr)
	var (
		purpose    = fs.String("purpose", "", "key purpose")
		at         = fs.String("at", "", "rotate: when the new key starts signing (RFC 3339; default now)")
		subject    = fs.String("subject", "", `csr: subject distinguished name, e.g. "CN=issuer.example.org,O=Example,C=DE"`)
		out        = fs.String("out", "", "csr: write the CSR to this file instead of stdout")
		keyID      = fs.String("key", "", "import-chain, retire: the key id (kid)")
		file       = fs.String("file", "", "import-chain: PEM file with the chain, leaf first")
		activateAt = fs.String("activate-at", "", "import-chain: when the key starts signing (RFC 3339; default now)")
		reason     = fs.String("reason", "", "retire: why, for the audit log")
		force      = fs.Bool("force", false, "retire: retire an IACA although document signer keys it issued are in use")
		yes        = fs.Bool("yes", false, "retire: do it (without it, only say what would happen)")
		dns        multiFlag
	)
	fs.Var(&dns, "dns", "csr: subjectAltName host (repeatable)")
	switch sub {
	case "list", "rotate", "csr", "import-chain", "retire":
	default:
		return errors.New(keysUsage)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	cfg.LogLevel = "warn"
	log := newLogger(cfg, stderr)
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	ring, err := openRing(ctx, cfg, store, log)
	if err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ActorSystem, ID: "cli"})
	switch sub {
	case "rotate":
		when, err := optionalTime("--at", *at)
		if err != nil {
			return err
		}
		if *purpose == "" {
			return errors.New("keys rotate needs --purpose")
		}
		k, err := ring.Rotate(ctx, *purpose, when)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s key %s, signing from %s until %s\n", k.Purpose, k.ID, k.NotBefore.Format(time.RFC3339), k.NotAfter.Format(time.RFC3339))
		return nil
	case "csr":
		if *purpose == "" || *subject == "" {
			return errors.New("keys csr needs --purpose and --subject")
		}
		name, err := keys.ParseDN(*subject)
		if err != nil {
			return err
		}
		k, pemCSR, err := ring.RequestCertificate(ctx, keys.CSRRequest{Purpose: *purpose, Subject: name, DNSNames: dns})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created %s key %s, pending its certificate: send the CSR to your CA, then run\n  credmint keys import-chain --key %s --file chain.pem\n", k.Purpose, k.ID, k.ID)
		if *out != "" {
			return os.WriteFile(*out, pemCSR, 0o644)
		}
		_, err = stdout.Write(pemCSR)
		return err
	case "import-chain":
		if *keyID == "" || *file == "" {
			return errors.New("keys import-chain needs --key and --file")
		}
		when, err := optionalTime("--activate-at", *activateAt)
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		k, err := ring.ImportChain(ctx, *keyID, raw, when)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported the chain of %s key %s (%s, issued by %s): signing from %s until %s\n",
			k.Purpose, k.ID, k.Subject, k.Issuer, k.NotBefore.Format(time.RFC3339), k.NotAfter.Format(time.RFC3339))
		return nil
	case "retire":
		if *keyID == "" {
			return errors.New("keys retire needs --key")
		}
		return retireKey(ctx, ring, *keyID, keys.RetireOptions{Force: *force, Reason: *reason}, *yes, stdout)
	}
	return listKeys(ctx, ring, stdout)
}

// retireKey retires key id now (keys.Ring.Retire); without yes it only
// says what would happen.
func retireKey(ctx context.Context, ring *keys.Ring, id string, opts keys.RetireOptions, yes bool, stdout io.Writer) error {
	plan, err := ring.PlanRetire(ctx, id)
	if errors.Is(err, keys.ErrKeyNotFound) {
		return fmt.Errorf("keys retire: no key %s that is not retired already (see credmint keys list)", id)
	} else if err != nil {
		return err
	}
	if !yes {
		describeRetirement(stdout, plan)
		if len(plan.Dependents) > 0 && !opts.Force {
			return fmt.Errorf("keys retire: nothing changed; document signer keys issued by this IACA are in use (%s): retire them first, or add --force --yes", strings.Join(plan.Dependents, ", "))
		}
		return fmt.Errorf("keys retire: nothing changed; run again with --yes to retire %s", id)
	}
	res, err := ring.Retire(ctx, id, opts)
	if errors.Is(err, keys.ErrKeyInUse) {
		return fmt.Errorf("keys retire: %s: add --force to retire it anyway", strings.TrimPrefix(err.Error(), "keys: "))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retired %s key %s; it is no longer published\n", res.Key.Purpose, res.Key.ID)
	if r := res.Replacement; r != nil {
		fmt.Fprintf(stdout, "created %s key %s, signing from %s until %s\n", r.Purpose, r.ID, r.NotBefore.Format(time.RFC3339), r.NotAfter.Format(time.RFC3339))
	}
	if res.Key.ValidCredentials > 0 {
		fmt.Fprintf(stdout, "%d unexpired credentials were signed by it; find them with GET /api/v1/credentials?signing_key_id=%s and revoke them with POST /api/v1/credentials/bulk\n",
			res.Key.ValidCredentials, res.Key.ID)
	}
	return nil
}

// describeRetirement says what retiring the key of plan does.
func describeRetirement(w io.Writer, plan keys.RetirePlan) {
	k := plan.Key
	fmt.Fprintf(w, "retiring %s key %s (%s) now:\n", k.Purpose, k.ID, k.State)
	switch k.Purpose {
	case keys.PurposeMdocIACA:
		fmt.Fprintln(w, "- it is removed from /mdoc/iaca.pem; document signer certificates it issued stop verifying once relying parties drop it as a trust anchor")
	case keys.PurposeMdocDocumentSigner:
		fmt.Fprintln(w, "- relying parties that were told to distrust it reject the mdoc credentials it signed (its certificate travels in each credential)")
	default:
		fmt.Fprintln(w, "- it is removed from the JWKS: what it signed stops verifying once verifiers refresh the JWKS they cached")
	}
	if k.ValidCredentials > 0 {
		fmt.Fprintf(w, "- it signed %d credentials that have not expired\n", k.ValidCredentials)
	}
	if plan.Replace {
		fmt.Fprintf(w, "- it is the active %s key: a new one is created at once and signs from now\n", k.Purpose)
	}
	if len(plan.Dependents) > 0 {
		fmt.Fprintf(w, "- document signer keys it issued are in use: %s (they need --force, and should be retired too)\n", strings.Join(plan.Dependents, ", "))
	}
}

// openRing loads the keys without creating any.
func openRing(ctx context.Context, cfg *config.Config, store *db.Store, log *slog.Logger) (*keys.Ring, error) {
	master, err := masterKey(cfg, log)
	if err != nil {
		return nil, err
	}
	sealer, err := keys.NewSealer(master)
	if err != nil {
		return nil, err
	}
	ring, err := newKeyRing(cfg, store, sealer, time.Now)
	if err != nil {
		return nil, err
	}
	return ring, ring.Load(ctx)
}

func listKeys(ctx context.Context, ring *keys.Ring, stdout io.Writer) error {
	infos, err := ring.Inventory(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tPURPOSE\tALG\tCREATED\tNOT BEFORE\tNOT AFTER\tSUBJECT\tSTATE\tVALID CREDENTIALS")
	for _, k := range infos {
		notAfter := "-"
		if !k.NotAfter.IsZero() {
			notAfter = k.NotAfter.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", k.ID, k.Purpose, k.Algorithm, k.CreatedAt.Format(time.RFC3339),
			k.NotBefore.Format(time.RFC3339), notAfter, k.Subject, k.State, k.ValidCredentials)
	}
	return tw.Flush()
}

func optionalTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not an RFC 3339 time such as 2026-05-01T00:00:00Z", flagName, s)
	}
	return t, nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

var _ flag.Value = (*multiFlag)(nil)

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
