package config

import (
	"fmt"
	"time"
)

// StatusListConfig shapes the Token Status List (see docs/revocation.md):
// every issued credential gets an entry in a list of Size entries of Bits
// bits, published as a signed token at {public_url}/status/<list id>.
type StatusListConfig struct {
	// Enabled unset means true. False issues credentials without status
	// (they cannot be revoked); lists already published stay served.
	Enabled *bool `yaml:"enabled" env:"ENABLED"`
	// Size is the number of entries per list (default 131072, a multiple
	// of 8 from 1024 to 4194304); a new list starts when one is full.
	// Larger lists hide each credential in a larger crowd.
	Size int `yaml:"size" env:"SIZE"`
	// Bits per entry: 2 (default) allows suspension, 1 only revocation.
	Bits int `yaml:"bits" env:"BITS"`
	// TTL is how long verifiers may cache a token: its ttl claim and
	// Cache-Control max-age (default 1h, 1m to 24h).
	TTL time.Duration `yaml:"ttl" env:"TTL"`
	// Validity is the lifetime of a token, exp − iat (default 24h, at
	// least ttl). Tokens are re-signed after half of it and whenever the
	// list changes.
	Validity time.Duration `yaml:"validity" env:"VALIDITY"`
}

// StatusListEnabled reports whether issued credentials get status entries.
func (c *Config) StatusListEnabled() bool {
	return c.StatusList.Enabled == nil || *c.StatusList.Enabled
}

func (s *StatusListConfig) defaults() {
	if s.Size == 0 {
		s.Size = 1 << 17
	}
	if s.Bits == 0 {
		s.Bits = 2
	}
	if s.TTL == 0 {
		s.TTL = time.Hour
	}
	if s.Validity == 0 {
		s.Validity = 24 * time.Hour
	}
}

func (s *StatusListConfig) validate() error {
	switch {
	case s.Size < 1024 || s.Size > 1<<22:
		return &FieldError{"status_list.size", fmt.Sprintf("must be between 1024 and 4194304 entries, not %d", s.Size)}
	case s.Size%8 != 0:
		return &FieldError{"status_list.size", fmt.Sprintf("must be a multiple of 8 (the draft recommends whole bytes), not %d", s.Size)}
	case s.Bits != 1 && s.Bits != 2:
		return &FieldError{"status_list.bits", fmt.Sprintf("must be 1 (revocation only) or 2 (revocation and suspension), not %d", s.Bits)}
	case s.TTL < time.Minute || s.TTL > 24*time.Hour:
		return &FieldError{"status_list.ttl", fmt.Sprintf("must be between 1m and 24h, not %s", s.TTL)}
	case s.Validity < s.TTL || s.Validity > 30*24*time.Hour:
		return &FieldError{"status_list.validity", fmt.Sprintf("must be between status_list.ttl (%s) and 720h, not %s", s.TTL, s.Validity)}
	}
	return nil
}
