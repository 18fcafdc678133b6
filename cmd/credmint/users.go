package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"credmint/app/staff"
	"credmint/config"
)

func cmdUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: credmint users create --email E --role R [--name N] [--password-stdin] | list")
	}
	sub, args := args[0], args[1:]
	fs, path := newFlags("users "+sub, stderr)
	email := fs.String("email", "", "email address (create)")
	role := fs.String("role", "", "role: "+strings.Join(staff.Roles, ", ")+" (create)")
	name := fs.String("name", "", "display name (create)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	cfg.LogLevel = "warn"
	store, err := openStore(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	svc, err := staff.New(staff.Deps{Store: store})
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		password, generated := "", false
		if *pwStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			password = strings.TrimRight(line, "\r\n")
		} else {
			if password, err = svc.GeneratePassword(); err != nil {
				return err
			}
			generated = true
		}
		u, err := svc.CreateUser(ctx, staff.NewUser{Email: *email, Name: *name, Role: *role, Password: password})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s (%s) with role %s\n", u.Email, u.ID, u.Role)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n(shown once; sign in at %s/console/login)\n", password, cfg.PublicURL)
		}
		return nil
	case "list":
		users, err := svc.Store.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tLAST LOGIN\tDISABLED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, when(u.LastLoginAt), when(u.DisabledAt))
		}
		return tw.Flush()
	default:
		return fmt.Errorf("unknown users command %q (create, list)", sub)
	}
}
