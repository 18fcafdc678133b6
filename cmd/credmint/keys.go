package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"credmint/app/keys"
	"credmint/config"
)

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		return errors.New("usage: credmint keys list")
	}
	fs, path := newFlags("keys list", stderr)
	if err := fs.Parse(args[1:]); err != nil {
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
	// Read only: open the keys, create nothing.
	master, err := masterKey(cfg, log)
	if err != nil {
		return err
	}
	sealer, err := keys.NewSealer(master)
	if err != nil {
		return err
	}
	ring, err := keys.NewRing(keys.Deps{Store: store, Sealer: sealer})
	if err != nil {
		return err
	}
	if err := ring.Load(ctx); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tPURPOSE\tALG\tCREATED\tNOT AFTER\tSUBJECT\tSTATE")
	now := time.Now()
	for _, k := range ring.Keys() {
		state := "standby"
		switch {
		case k.Retired:
			state = "retired"
		case k.Active:
			state = "active"
		case !now.Before(k.NotAfter):
			state = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Purpose, k.Algorithm, k.CreatedAt.Format(time.RFC3339), k.NotAfter.Format(time.DateOnly), k.Subject, state)
	}
	return tw.Flush()
}
