package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

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
	a, err := newApp(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tPURPOSE\tALG\tCREATED\tNOT AFTER\tSUBJECT\tSTATE")
	for _, k := range a.ring.Keys() {
		state := "active"
		if k.Retired {
			state = "retired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Purpose, k.Algorithm, k.CreatedAt.Format(time.RFC3339), k.NotAfter.Format(time.DateOnly), k.Subject, state)
	}
	return tw.Flush()
}
