package credential_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/credential/sdjwt"
	"credmint/db/dbtest"
)

func TestValidateTxCodeReviewAndLogo(t *testing.T) {
	formats := credential.NewFormats(sdjwt.New())
	for _, tt := range []struct {
		name  string
		mut   func(*credential.Configuration)
		field string // "" for valid
	}{
		{"review manual", func(c *credential.Configuration) { c.ReviewPolicy = credential.ReviewManual }, ""},
		{"review unknown", func(c *credential.Configuration) { c.ReviewPolicy = "later" }, "review_policy"},
		{"tx_code full", func(c *credential.Configuration) {
			c.TxCode = &credential.TxCodeDefault{Required: true, InputMode: "text", Length: 12, Description: "from the letter"}
		}, ""},
		{"tx_code input mode", func(c *credential.Configuration) { c.TxCode = &credential.TxCodeDefault{InputMode: "emoji"} }, "tx_code.input_mode"},
		{"tx_code too short", func(c *credential.Configuration) { c.TxCode = &credential.TxCodeDefault{Length: 3} }, "tx_code.length"},
		{"tx_code too long", func(c *credential.Configuration) { c.TxCode = &credential.TxCodeDefault{Length: 13} }, "tx_code.length"},
		{"tx_code description", func(c *credential.Configuration) {
			c.TxCode = &credential.TxCodeDefault{Description: strings.Repeat("x", 301)}
		}, "tx_code.description"},
		{"logo https", func(c *credential.Configuration) {
			c.Display[0].Logo = &credential.Image{URI: "https://x.example/l.png"}
		}, ""},
		{"logo path", func(c *credential.Configuration) { c.Display[0].Logo = &credential.Image{URI: "/static/logo.png"} }, ""},
		{"logo data", func(c *credential.Configuration) {
			c.Display[0].Logo = &credential.Image{URI: "data:image/png;base64,AAAA"}
		}, ""},
		{"logo bare name", func(c *credential.Configuration) { c.Display[0].Logo = &credential.Image{URI: "logo.png"} }, "display[0].logo.uri"},
		{"logo javascript", func(c *credential.Configuration) { c.Display[0].Logo = &credential.Image{URI: "javascript:alert(1)"} }, "display[0].logo.uri"},
		{"logo other host by //", func(c *credential.Configuration) { c.Display[0].Logo = &credential.Image{URI: "//evil.example/x.png"} }, "display[0].logo.uri"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := credential.Configuration{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge", Display: []credential.Display{{Name: "Badge"}}}
			tt.mut(&c)
			err := c.Validate(formats)
			var fe *credential.FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("got %v, want a FieldError for %q", err, tt.field)
			}
		})
	}
	if got := (&credential.Configuration{}).Review(); got != credential.ReviewAuto {
		t.Errorf("default review policy: got %q, want auto", got)
	}
}

// staffCtx carries a staff actor, as console requests do.
func staffCtx() context.Context {
	return audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorStaff, ID: "usr_1", RemoteAddr: "192.0.2.1"})
}

func TestManager(t *testing.T) {
	store := dbtest.SQLite(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	catalog := credential.NewCatalog(store, time.Hour, clock) // a long TTL: only Invalidate refreshes it
	fileConfig := credential.Configuration{ID: "from_file", Format: "dc+sd-jwt", VCT: "urn:x:file"}
	if err := store.UpsertCredentialConfiguration(context.Background(), &fileConfig); err != nil {
		t.Fatal(err)
	}
	m, err := credential.NewManager(credential.ManagerDeps{Store: store, Catalog: catalog, Formats: credential.NewFormats(sdjwt.New()),
		FileManaged: []string{"from_file"}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := staffCtx()
	if _, err := catalog.Enabled(ctx); err != nil { // warm the cache
		t.Fatal(err)
	}

	badge := credential.Configuration{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge", Claims: []credential.Claim{{Path: []any{"name"}}}}
	bad := badge
	bad.VCT = "badge"
	var fe *credential.FieldError
	if err := m.Create(ctx, &bad); !errors.As(err, &fe) || fe.Field != "vct" {
		t.Fatalf("Create(bad vct): got %v", err)
	}
	if err := m.Create(ctx, &badge); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := catalog.Configuration(ctx, "badge"); err != nil {
		t.Fatalf("the catalog must see a new configuration at once: %v", err)
	}
	if err := m.Create(ctx, &badge); !errors.As(err, &fe) || fe.Field != "id" {
		t.Errorf("Create(existing): got %v, want a FieldError for id", err)
	}
	file := fileConfig
	file.ID = "from_file"
	if err := m.Create(ctx, &file); !errors.As(err, &fe) || fe.Field != "id" {
		t.Errorf("Create(file id): got %v, want a FieldError for id", err)
	}

	badge.Claims[0].Mandatory = true
	badge.Disabled = true // ignored: Update keeps the state
	if err := m.Update(ctx, &badge); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err := catalog.Configuration(ctx, "badge")
	if err != nil || !got.Claims[0].Mandatory {
		t.Fatalf("catalog after Update: %+v, %v", got, err)
	}
	if _, err := m.SetDisabled(ctx, "badge", true); err != nil {
		t.Fatal(err)
	}
	if _, err := catalog.Configuration(ctx, "badge"); !errors.Is(err, credential.ErrUnknownConfiguration) {
		t.Errorf("catalog after disable: got %v, want ErrUnknownConfiguration", err)
	}
	if got, _ := m.Get(ctx, "badge"); !got.Disabled {
		t.Error("Get after disable: not disabled")
	}
	for _, err := range []error{
		m.Update(ctx, &fileConfig),
		func() error { _, err := m.SetDisabled(ctx, "from_file", true); return err }(),
	} {
		if !errors.Is(err, credential.ErrFileManaged) {
			t.Errorf("change of a file-managed configuration: got %v, want ErrFileManaged", err)
		}
	}
	if _, err := m.SetDisabled(ctx, "nope", true); !errors.Is(err, credential.ErrNotFound) {
		t.Errorf("SetDisabled(unknown): got %v", err)
	}
	if err := m.Update(ctx, &credential.Configuration{ID: "nope", Format: "dc+sd-jwt", VCT: "urn:x"}); !errors.Is(err, credential.ErrNotFound) {
		t.Errorf("Update(unknown): got %v", err)
	}

	evs, err := store.AuditEvents(context.Background(), "credential_configuration", "badge")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
		if ev.Actor.ID != "usr_1" || !ev.At.Equal(now) {
			t.Errorf("event %s: actor %+v at %v", ev.Action, ev.Actor, ev.At)
		}
	}
	if want := "credential_configuration.created credential_configuration.updated credential_configuration.disabled"; strings.Join(actions, " ") != want {
		t.Errorf("audit: got %q, want %q", actions, want)
	}
	if evs[1].Details["changed"] != "claims" {
		t.Errorf("changed fields of the update: got %q, want claims", evs[1].Details["changed"])
	}
}
