package config

import (
	"errors"
	"testing"
)

func TestValidateWebhooks(t *testing.T) {
	secret := "0123456789abcdef"
	for name, tc := range map[string]struct {
		hooks []WebhookConfig
		field string
	}{
		"ok":           {[]WebhookConfig{{URL: "https://a.example/h", Secret: secret, Events: []string{"credential.issued"}}}, ""},
		"not a URL":    {[]WebhookConfig{{URL: "ftp://a", Secret: secret}}, "webhooks[0].url"},
		"short secret": {[]WebhookConfig{{URL: "https://a.example", Secret: "x"}}, "webhooks[0].secret"},
		"bad event":    {[]WebhookConfig{{URL: "https://a.example", Secret: secret, Events: []string{"offer.created"}}}, "webhooks[0].events[0]"},
		"twice":        {[]WebhookConfig{{URL: "https://a.example", Secret: secret}, {URL: "https://a.example", Secret: secret}}, "webhooks[1].url"},
	} {
		c := &Config{Environment: Development, Webhooks: tc.hooks}
		err := c.validateWebhooks()
		var fe *FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: got %v, want nil", name, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("%s: got %v, want an error on %s", name, err, tc.field)
		}
	}
	c := &Config{Environment: Production, Webhooks: []WebhookConfig{{URL: "http://a.example", Secret: secret}}}
	if err := c.validateWebhooks(); err == nil {
		t.Error("http in production: accepted")
	}
}
