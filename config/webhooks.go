package config

import (
	"fmt"
	"net/url"
	"slices"
)

// WebhookEvents are the event types a webhook endpoint may subscribe to
// (the same strings as issuance.Webhook*).
var WebhookEvents = []string{"issuance.pending", "issuance.approved", "issuance.rejected", "credential.issued", "credential.accepted"}

// WebhookConfig is one back-office endpoint that receives signed JSON events
// (see docs/webhooks.md). It has no environment twin: a list of endpoints
// belongs in the file.
type WebhookConfig struct {
	URL string `yaml:"url"`
	// Secret keys the HMAC-SHA256 signature of every request.
	Secret string `yaml:"secret"`
	// Events are the event types sent there; empty means all of them.
	Events []string `yaml:"events"`
}

// validateWebhooks checks every webhook endpoint and that no URL appears
// twice (the URL names the endpoint in the outbox and the delivery log).
func (c *Config) validateWebhooks() error {
	seen := map[string]bool{}
	for i, w := range c.Webhooks {
		field := fmt.Sprintf("webhooks[%d]", i)
		u, err := url.Parse(w.URL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return &FieldError{field + ".url", fmt.Sprintf("%q is not an http(s) URL", w.URL)}
		}
		if c.Environment == Production && u.Scheme != "https" {
			return &FieldError{field + ".url", "must be https in production"}
		}
		if seen[w.URL] {
			return &FieldError{field + ".url", fmt.Sprintf("%q appears twice", w.URL)}
		}
		seen[w.URL] = true
		if len(w.Secret) < 16 {
			return &FieldError{field + ".secret", "must be at least 16 characters (e.g. openssl rand -hex 32)"}
		}
		for j, e := range w.Events {
			if !slices.Contains(WebhookEvents, e) {
				return &FieldError{fmt.Sprintf("%s.events[%d]", field, j), fmt.Sprintf("%q is not one of %v", e, WebhookEvents)}
			}
		}
	}
	return nil
}
