// Command credmint is a credential issuer: the OID4VCI 1.0 endpoints wallets
// use, an admin API for back-office systems, and the tools to run them.
//
//	credmint [serve]            run the server (default)
//	credmint migrate            apply database migrations
//	credmint apikeys create|list|revoke
//	credmint users create|list
//	credmint keys list|rotate|csr|import-chain
//	credmint bench              run complete issuance flows and report speed
//
// Every command takes --config FILE (or CREDMINT_CONFIG).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "credmint:", err)
		os.Exit(1)
	}
}

const usage = `usage: credmint [command] [--config FILE] [flags]

commands:
  serve                      run the server (the default)
  migrate [--status]         apply database migrations, or show them
  apikeys create --name N    create an admin API key and print it (only the key, on stdout)
  apikeys list               list API keys
  apikeys revoke ID|NAME     revoke an API key
  users create --email E --role R [--name N] [--password-stdin]
                             create a console user (admin, issuer, reviewer, auditor);
                             without --password-stdin a password is generated and printed once
  users list                 list console users
  keys list                  list signing keys
  keys rotate --purpose P [--at T]
                             create a new key that signs from T (published now)
  keys csr --purpose P --subject DN [--dns H] [--out F]
                             new key waiting for its certificate; prints its CSR
  keys import-chain --key KID --file chain.pem [--activate-at T]
                             install the chain the CA issued for the key
  bench                      run complete issuance flows against an in-process server

The configuration file is --config FILE or $CREDMINT_CONFIG; every setting also
has an environment twin CREDMINT_<KEY>. See docs/configuration.md.
`

// run dispatches to a subcommand. It is main without the process exits, so
// tests can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, stderr)
	case "apikeys":
		return cmdAPIKeys(ctx, args, stdout, stderr)
	case "users":
		return cmdUsers(ctx, args, stdin, stdout, stderr)
	case "keys":
		return cmdKeys(ctx, args, stdout, stderr)
	case "bench":
		return cmdBench(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newFlags returns a FlagSet with the --config flag every command has.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("credmint "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", os.Getenv("CREDMINT_CONFIG"), "configuration file (YAML)")
	return fs, path
}
