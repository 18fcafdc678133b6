package config

import (
	"fmt"
	"net/url"
	"regexp"
	"time"

	"credmint/app/keys"
)

// KeysConfig tunes the signing keys' certificates and rotation (see
// docs/key-management.md). Zero values take the defaults of app/keys.
type KeysConfig struct {
	// CertificateValidity is how long generated (self-signed) certificates
	// are valid; default 17520h (two years).
	CertificateValidity time.Duration `yaml:"certificate_validity" env:"CERTIFICATE_VALIDITY"`
	// AutoRotate (unset means true) rotates the keys credmint generated
	// before their certificates expire; false leaves rotation to the
	// operator (credmint keys rotate). Keys with an imported chain are
	// never rotated automatically: they need a CSR.
	AutoRotate *bool `yaml:"auto_rotate" env:"AUTO_ROTATE"`
	// RotateBefore is how long before its certificate expires a generated
	// key is rotated; default 720h (30 days), or a quarter of the shortest
	// certificate validity when that is shorter.
	RotateBefore time.Duration `yaml:"rotate_before" env:"ROTATE_BEFORE"`
	// PublishAhead is how long an automatically rotated key is published
	// before it signs (default 168h, 7 days); shorter than RotateBefore.
	PublishAhead time.Duration `yaml:"publish_ahead" env:"PUBLISH_AHEAD"`
	// StatusListGrace keeps a superseded status list key published this
	// long: at least the status list token lifetime (default 24h).
	StatusListGrace time.Duration `yaml:"status_list_grace" env:"STATUS_LIST_GRACE"`
	// MdocIACACountry is the ISO 3166-1 alpha-2 country of the generated
	// IACA and document signer certificates (default US).
	MdocIACACountry string `yaml:"mdoc_iaca_country" env:"MDOC_IACA_COUNTRY"`
	// MdocIACAName is the generated IACA's common name (default "credmint
	// IACA" and the public host).
	MdocIACAName string `yaml:"mdoc_iaca_name" env:"MDOC_IACA_NAME"`
	// MdocIACAValidity is the generated IACA's validity (default 43800h,
	// 5 years); MdocDocumentSignerValidity the document signers' (default
	// 8760h, at most 10968h: 457 days, ISO/IEC 18013-5 Annex B).
	MdocIACAValidity           time.Duration `yaml:"mdoc_iaca_validity" env:"MDOC_IACA_VALIDITY"`
	MdocDocumentSignerValidity time.Duration `yaml:"mdoc_document_signer_validity" env:"MDOC_DOCUMENT_SIGNER_VALIDITY"`
	// MdocCRLURL, when set, is the CRL distribution point (an http or
	// https URL where the IACA's CRL is published) put into the document
	// signer certificates credmint generates (ISO/IEC 18013-5 Annex B).
	// credmint does not publish the CRL itself.
	MdocCRLURL string `yaml:"mdoc_crl_url" env:"MDOC_CRL_URL"`
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

func (k *KeysConfig) defaults() {
	if k.MdocIACACountry == "" {
		k.MdocIACACountry = "US"
	}
	if k.AutoRotate != nil && !*k.AutoRotate {
		k.RotateBefore, k.PublishAhead = 0, 0
		return
	}
	if k.RotateBefore == 0 {
		// Rotating a quarter of a certificate's life before it ends leaves
		// the successor three quarters of its own before it is due, so a
		// short validity cannot make keys rotate back to back.
		shortest := min(orDefault(k.CertificateValidity, keys.DefaultCertValidity),
			orDefault(k.MdocDocumentSignerValidity, keys.DefaultDocumentSignerValidity),
			orDefault(k.MdocIACAValidity, keys.DefaultIACAValidity))
		k.RotateBefore = min(30*24*time.Hour, shortest/4)
	}
	if k.PublishAhead == 0 {
		k.PublishAhead = min(7*24*time.Hour, k.RotateBefore/4)
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// AutoRotation reports whether generated keys rotate automatically.
func (k *KeysConfig) AutoRotation() bool { return k.RotateBefore > 0 }

// validate checks the keys section.
func (k *KeysConfig) validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"keys.certificate_validity", k.CertificateValidity}, {"keys.rotate_before", k.RotateBefore},
		{"keys.publish_ahead", k.PublishAhead}, {"keys.status_list_grace", k.StatusListGrace},
		{"keys.mdoc_iaca_validity", k.MdocIACAValidity}, {"keys.mdoc_document_signer_validity", k.MdocDocumentSignerValidity},
	} {
		if d.v < 0 {
			return &FieldError{d.name, "must not be negative"}
		}
	}
	if k.CertificateValidity != 0 && k.CertificateValidity < 24*time.Hour {
		return &FieldError{"keys.certificate_validity", "must be at least 24h"}
	}
	if k.RotateBefore > 0 {
		if k.PublishAhead >= k.RotateBefore {
			return &FieldError{"keys.publish_ahead", fmt.Sprintf("must be shorter than keys.rotate_before (%s), or the old key expires before the new one signs", k.RotateBefore)}
		}
		if k.CertificateValidity != 0 && k.RotateBefore >= k.CertificateValidity {
			return &FieldError{"keys.rotate_before", "must be shorter than keys.certificate_validity"}
		}
	}
	if !countryCode.MatchString(k.MdocIACACountry) {
		return &FieldError{"keys.mdoc_iaca_country", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code in capitals, e.g. DE", k.MdocIACACountry)}
	}
	if k.MdocDocumentSignerValidity > 457*24*time.Hour {
		return &FieldError{"keys.mdoc_document_signer_validity", "must be at most 10968h (457 days, ISO/IEC 18013-5 Annex B)"}
	}
	if k.MdocCRLURL != "" {
		if u, err := url.Parse(k.MdocCRLURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &FieldError{"keys.mdoc_crl_url", fmt.Sprintf("%q is not an absolute http or https URL", k.MdocCRLURL)}
		}
	}
	if k.MdocIACAValidity != 0 && k.MdocIACAValidity > 20*365*24*time.Hour {
		return &FieldError{"keys.mdoc_iaca_validity", "must be at most 20 years (ISO/IEC 18013-5 Annex B)"}
	}
	return nil
}
