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
	if c.Issuer.DeferredInterval != 5*time.Second || c.Issuer.DeferredLifetime != 14*24*time.Hour || c.Issuer.DeferredReviewSLA != 48*time.Hour {
		t.Errorf("defaults: got interval %v lifetime %v review SLA %v, want 5s, 336h and 48h", c.Issuer.DeferredInterval, c.Issuer.DeferredLifetime, c.Issuer.DeferredReviewSLA)
	}
	t.Setenv("CREDMINT_ISSUER_DEFERRED_INTERVAL", "30s")
	t.Setenv("CREDMINT_ISSUER_DEFERRED_LIFETIME", "72h")
	t.Setenv("CREDMINT_ISSUER_DEFERRED_REVIEW_SLA", "8h")
	if c, err = Load(""); err != nil {
		t.Fatal(err)
	}
	if c.Issuer.DeferredInterval != 30*time.Second || c.Issuer.DeferredLifetime != 72*time.Hour || c.Issuer.DeferredReviewSLA != 8*time.Hour {
		t.Errorf("from the environment: got %v %v %v", c.Issuer.DeferredInterval, c.Issuer.DeferredLifetime, c.Issuer.DeferredReviewSLA)
	}
	for env, field := range map[string]string{"CREDMINT_ISSUER_DEFERRED_INTERVAL": "issuer.deferred_interval", "CREDMINT_ISSUER_DEFERRED_LIFETIME": "issuer.deferred_lifetime",
		"CREDMINT_ISSUER_DEFERRED_REVIEW_SLA": "issuer.deferred_review_sla"} {
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
