package config

import (
	"errors"
	"testing"
	"time"
)

func TestDeferredSettings(t *testing.T) {
	t.Setenv("CREDMINT_LISTEN", "")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer.DeferredInterval != 5*time.Second || c.Issuer.DeferredLifetime != 14*24*time.Hour {
		t.Errorf("defaults: got interval %v lifetime %v, want 5s and 336h", c.Issuer.DeferredInterval, c.Issuer.DeferredLifetime)
	}
	t.Setenv("CREDMINT_ISSUER_DEFERRED_INTERVAL", "30s")
	t.Setenv("CREDMINT_ISSUER_DEFERRED_LIFETIME", "72h")
	if c, err = Load(""); err != nil {
		t.Fatal(err)
	}
	if c.Issuer.DeferredInterval != 30*time.Second || c.Issuer.DeferredLifetime != 72*time.Hour {
		t.Errorf("from the environment: got %v %v", c.Issuer.DeferredInterval, c.Issuer.DeferredLifetime)
	}
	for env, field := range map[string]string{"CREDMINT_ISSUER_DEFERRED_INTERVAL": "issuer.deferred_interval", "CREDMINT_ISSUER_DEFERRED_LIFETIME": "issuer.deferred_lifetime"} {
		t.Run(field, func(t *testing.T) {
			t.Setenv(env, "100ms")
			_, err := Load("")
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != field {
				t.Fatalf("got %v, want a FieldError for %s", err, field)
			}
		})
	}
}
