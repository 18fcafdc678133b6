package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"credmint/app/access"
	"credmint/config"
)

func cmdAPIKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: credmint apikeys create --name NAME | list | revoke ID|NAME")
	}
	sub, args := args[0], args[1:]
	fs, path := newFlags("apikeys "+sub, stderr)
	name := fs.String("name", "", "name of the key (create)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	svc, closeFn, err := accessService(ctx, *path, stderr)
	if err != nil {
		return err
	}
	defer closeFn()
	switch sub {
	case "create":
		if *name == "" {
			return errors.New("apikeys create: --name is required")
		}
		key, _, err := svc.Create(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		return nil
	case "list":
		list, err := svc.List(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
		for _, k := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, k.CreatedAt.Format(time.RFC3339), when(k.LastUsedAt), when(k.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("usage: credmint apikeys revoke ID|NAME")
		}
		k, err := svc.Revoke(ctx, fs.Arg(0))
		if errors.Is(err, access.ErrNotFound) {
			return fmt.Errorf("no unrevoked API key with id or name %q", fs.Arg(0))
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %s (%s)\n", k.ID, k.Name)
		return nil
	default:
		return fmt.Errorf("unknown apikeys command %q (create, list, revoke)", sub)
	}
}

func accessService(ctx context.Context, path string, stderr io.Writer) (*access.Service, func(), error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	cfg.LogLevel = "warn"
	store, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return nil, nil, err
	}
	svc, err := access.New(access.Deps{Store: store})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return svc, func() { store.Close() }, nil
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
