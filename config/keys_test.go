package config

import (
	"errors"
	"testing"
	"time"
)

func TestKeysConfigValidate(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name  string
		k     KeysConfig
		field string // "" for valid
	}{
		{"defaults", KeysConfig{}, ""},
		{"rotation", KeysConfig{RotateBefore: 30 * day, PublishAhead: 7 * day}, ""},
		{"publish ahead too long", KeysConfig{RotateBefore: 7 * day, PublishAhead: 7 * day}, "keys.publish_ahead"},
		{"rotate before validity", KeysConfig{CertificateValidity: 30 * day, RotateBefore: 30 * day, PublishAhead: day}, "keys.rotate_before"},
		{"negative", KeysConfig{StatusListGrace: -time.Hour}, "keys.status_list_grace"},
		{"country", KeysConfig{MdocIACACountry: "de"}, "keys.mdoc_iaca_country"},
		{"ds validity", KeysConfig{MdocDocumentSignerValidity: 458 * day}, "keys.mdoc_document_signer_validity"},
		{"short certificates", KeysConfig{CertificateValidity: time.Hour}, "keys.certificate_validity"},
		{"crl url", KeysConfig{MdocCRLURL: "https://pki.example.org/iaca.crl"}, ""},
		{"crl url not absolute", KeysConfig{MdocCRLURL: "/iaca.crl"}, "keys.mdoc_crl_url"},
		{"crl url not http", KeysConfig{MdocCRLURL: "ftp://pki.example.org/iaca.crl"}, "keys.mdoc_crl_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := tt.k
			k.defaults()
			err := k.validate()
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("validate = %v, want nil", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Errorf("validate = %v, want a FieldError for %s", err, tt.field)
			}
		})
	}
}

func TestKeysConfigEnvironment(t *testing.T) {
	t.Setenv("CREDMINT_KEYS_ROTATE_BEFORE", "720h")
	t.Setenv("CREDMINT_KEYS_MDOC_IACA_COUNTRY", "DE")
	c, err := Load("")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Keys.RotateBefore != 720*time.Hour || c.Keys.PublishAhead != 7*24*time.Hour || c.Keys.MdocIACACountry != "DE" {
		t.Errorf("Keys = %+v, want rotate_before 720h, publish_ahead 168h, country DE", c.Keys)
	}
}

func TestKeysAutoRotationDefaults(t *testing.T) {
	day := 24 * time.Hour
	off := false
	for _, tc := range []struct {
		name          string
		in            KeysConfig
		before, ahead time.Duration
	}{
		{"defaults", KeysConfig{}, 30 * day, 7 * day},
		{"short certificates", KeysConfig{CertificateValidity: 20 * day}, 5 * day, 5 * day / 4},
		{"explicit", KeysConfig{RotateBefore: 60 * day, PublishAhead: 10 * day}, 60 * day, 10 * day},
		{"off", KeysConfig{AutoRotate: &off, RotateBefore: 60 * day}, 0, 0},
	} {
		k := tc.in
		k.defaults()
		if k.RotateBefore != tc.before || k.PublishAhead != tc.ahead {
			t.Errorf("%s: rotate_before %s, publish_ahead %s; want %s, %s", tc.name, k.RotateBefore, k.PublishAhead, tc.before, tc.ahead)
		}
		if err := k.validate(); err != nil {
			t.Errorf("%s: validate: %v", tc.name, err)
		}
	}
}
