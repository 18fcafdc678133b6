package config

import "fmt"

// DevIdPConfig controls the embedded development identity provider
// (app/devidp): an OpenID provider at {public_url}/dev-idp where anyone signs
// in as one of a few demo people by pressing a button. It is for
// development and tests only and never runs with environment: production.
type DevIdPConfig struct {
	// Enabled unset means on exactly when no upstream_oidc.issuer is
	// configured; true forces it on, false keeps it off.
	Enabled *bool `yaml:"enabled" env:"ENABLED"`
	// People are offered after the built-in demo people (Ada Lovelace,
	// Grace Hopper, Alan Turing).
	People []DevIdPPerson `yaml:"people"`
}

// DevIdPPerson is a demo person: subject is the sub claim; claims are the
// other claims of their ID token (email, given_name, birthdate …).
type DevIdPPerson struct {
	Subject string         `yaml:"subject"`
	Claims  map[string]any `yaml:"claims"`
}

// DevIdPEnabled reports whether credmint serves the development identity
// provider and logs people in there. Never in production.
func (c *Config) DevIdPEnabled() bool {
	if c.Environment != Development {
		return false
	}
	if c.DevIdP.Enabled != nil {
		return *c.DevIdP.Enabled
	}
	return c.UpstreamOIDC.Issuer == ""
}

func (d *DevIdPConfig) validate(c *Config) error {
	forced := d.Enabled != nil && *d.Enabled
	if c.Environment == Production {
		if forced {
			return &FieldError{"dev_idp.enabled", "must not be true in production: the development identity provider lets anyone sign in as anyone (configure upstream_oidc)"}
		}
		if len(d.People) > 0 {
			return &FieldError{"dev_idp.people", "must be empty in production: the development identity provider never runs there"}
		}
		return nil
	}
	if forced && c.UpstreamOIDC.Issuer != "" {
		return &FieldError{"dev_idp.enabled", "cannot be true while upstream_oidc.issuer is set: people log in at one provider"}
	}
	seen := map[string]bool{}
	for i, p := range d.People {
		if p.Subject == "" || seen[p.Subject] {
			return &FieldError{fmt.Sprintf("dev_idp.people[%d].subject", i), fmt.Sprintf("must be set and unique, not %q", p.Subject)}
		}
		seen[p.Subject] = true
	}
	return nil
}
