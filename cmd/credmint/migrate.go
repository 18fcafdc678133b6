package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"credmint/config"
	"credmint/db"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, path := newFlags("migrate", stderr)
	status := fs.Bool("status", false, "show applied and pending migrations instead of applying them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	store, err := db.Open(ctx, cfg.DatabaseURL, db.Options{Logger: newLogger(cfg, stderr)})
	if err != nil {
		return err
	}
	defer store.Close()
	if *status {
		states, err := store.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
		for _, s := range states {
			applied := "pending"
			if s.Applied {
				applied = s.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, s.Name, applied)
		}
		return tw.Flush()
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
		return nil
	}
	fmt.Fprintf(stdout, "applied migrations %v\n", applied)
	return nil
}
