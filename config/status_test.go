package config

import (
	"errors"
	"testing"
	"time"
)

func TestStatusListConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c := &Config{}
		c.Defaults()
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		want := StatusListConfig{Size: 131072, Bits: 2, TTL: time.Hour, Validity: 24 * time.Hour}
		if c.StatusList != want || !c.StatusListEnabled() {
			t.Errorf("status_list = %+v (enabled %v), want %+v enabled", c.StatusList, c.StatusListEnabled(), want)
		}
	})
	tests := []struct {
		name  string
		set   func(*StatusListConfig)
		field string
	}{
		{"small", func(s *StatusListConfig) { s.Size = 512 }, "status_list.size"},
		{"not whole bytes", func(s *StatusListConfig) { s.Size = 1025 }, "status_list.size"},
		{"4 bits", func(s *StatusListConfig) { s.Bits = 4 }, "status_list.bits"},
		{"short ttl", func(s *StatusListConfig) { s.TTL = time.Second }, "status_list.ttl"},
		{"validity under ttl", func(s *StatusListConfig) { s.TTL, s.Validity = 2*time.Hour, time.Hour }, "status_list.validity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{}
			tt.set(&c.StatusList)
			c.Defaults()
			var fe *FieldError
			if err := c.Validate(); !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("Validate = %v, want a FieldError on %s", err, tt.field)
			}
		})
	}
	t.Run("environment", func(t *testing.T) {
		t.Setenv("CREDMINT_STATUS_LIST_ENABLED", "false")
		t.Setenv("CREDMINT_STATUS_LIST_BITS", "1")
		c, err := Load("")
		if err != nil {
			t.Fatal(err)
		}
		if c.StatusListEnabled() || c.StatusList.Bits != 1 {
			t.Errorf("from the environment: enabled %v bits %d, want false 1", c.StatusListEnabled(), c.StatusList.Bits)
		}
	})
}
