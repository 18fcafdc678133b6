package config

import (
	"errors"
	"testing"
)

func TestDeliverySettings(t *testing.T) {
	t.Setenv("CREDMINT_SMTP_HOST", "smtp.example.org")
	t.Setenv("CREDMINT_SMTP_FROM", "Issuer <issuer@example.org>")
	t.Setenv("CREDMINT_SMTP_USERNAME", "credmint")
	t.Setenv("CREDMINT_SMTP_PASSWORD", "pw")
	t.Setenv("CREDMINT_SMS_WEBHOOK_URL", "http://127.0.0.1:9000/sms")
	t.Setenv("CREDMINT_SMS_WEBHOOK_SECRET", "0123456789abcdef")
	t.Setenv("CREDMINT_ISSUER_CONTACT", "help@example.org")
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.Port != 587 || c.SMTP.StartTLS != "required" || c.SMSWebhook.Secret != "0123456789abcdef" || c.Issuer.Contact != "help@example.org" {
		t.Errorf("delivery settings: %+v %+v %q", c.SMTP, c.SMSWebhook, c.Issuer.Contact)
	}
}

func TestDeliveryValidationNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"smtp.host", func(c *Config) { c.SMTP = SMTPConfig{From: "a@example.org"} }},
		{"smtp.host", func(c *Config) {
			c.SMTP = SMTPConfig{Host: "smtp.example.org:25", Port: 25, From: "a@example.org", StartTLS: "required"}
		}},
		{"smtp.from", func(c *Config) {
			c.SMTP = SMTPConfig{Host: "smtp.example.org", Port: 25, From: "not an address", StartTLS: "required"}
		}},
		{"smtp.port", func(c *Config) {
			c.SMTP = SMTPConfig{Host: "smtp.example.org", Port: 70000, From: "a@example.org", StartTLS: "required"}
		}},
		{"smtp.starttls", func(c *Config) {
			c.SMTP = SMTPConfig{Host: "smtp.example.org", Port: 25, From: "a@example.org", StartTLS: "maybe"}
		}},
		{"smtp.password", func(c *Config) {
			c.SMTP = SMTPConfig{Host: "smtp.example.org", Port: 25, From: "a@example.org", StartTLS: "required", Username: "u"}
		}},
		{"smtp.starttls", func(c *Config) {
			c.Environment, c.PublicURL, c.MasterKey = Production, "https://issuer.example.org", "k"
			c.SMTP = SMTPConfig{Host: "smtp.example.org", Port: 25, From: "a@example.org", StartTLS: "none", Username: "u", Password: "p"}
		}},
		{"sms_webhook.url", func(c *Config) { c.SMSWebhook = SMSWebhookConfig{Secret: "0123456789abcdef"} }},
		{"sms_webhook.url", func(c *Config) { c.SMSWebhook = SMSWebhookConfig{URL: "ftp://x", Secret: "0123456789abcdef"} }},
		{"sms_webhook.secret", func(c *Config) { c.SMSWebhook = SMSWebhookConfig{URL: "https://x.example", Secret: "short"} }},
		{"sms_webhook.url", func(c *Config) {
			c.Environment, c.PublicURL, c.MasterKey = Production, "https://issuer.example.org", "k"
			c.SMSWebhook = SMSWebhookConfig{URL: "http://x.example", Secret: "0123456789abcdef"}
		}},
	} {
		c := &Config{}
		c.Defaults()
		tc.edit(c)
		var fe *FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("want an error on %s, got %v", tc.field, err)
		}
	}
}
