package mdoc

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"testing"

	"credmint/app/credential"
	"credmint/app/keys/keystest"
)

// testSigner is the in-memory signer of app/keys/keystest.
type testSigner = keystest.Signer

// newTestSigner returns a signer over a fresh key with a self-signed
// certificate as its chain.
func newTestSigner(t testing.TB) *testSigner {
	return keystest.New(t, "test-ds-1", "credmint test document signer")
}

// selfSigned returns a self-signed certificate for key.
func selfSigned(t testing.TB, key *ecdsa.PrivateKey, cn string) *x509.Certificate {
	return keystest.SelfSigned(t, key, cn)
}

// mustJSON decodes a JSON object the way a dataset arrives from storage.
func mustJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("test dataset: %v", err)
	}
	return m
}

const (
	mdlDoctype   = "org.iso.18013.5.1.mDL"
	mdlNamespace = "org.iso.18013.5.1"
)

// el declares element id of the mDL namespace with type typ.
func el(id, typ string) credential.Claim {
	return credential.Claim{Path: []any{mdlNamespace, id}, Type: typ}
}

// mdlConfiguration is an mDL-shaped configuration.
func mdlConfiguration() *credential.Configuration {
	c := &credential.Configuration{
		ID: "mdl", Format: FormatID, Doctype: mdlDoctype,
		Claims: []credential.Claim{
			el("family_name", credential.TypeString), el("given_name", credential.TypeString),
			el("birth_date", credential.TypeDate), el("issue_date", credential.TypeDate),
			el("expiry_date", credential.TypeDate), el("issuing_country", credential.TypeString),
			el("issuing_authority", credential.TypeString), el("document_number", credential.TypeString),
			el("driving_privileges", credential.TypeArray), el("un_distinguishing_sign", credential.TypeString),
			el("age_over_18", credential.TypeBoolean), el("age_in_years", credential.TypeInteger),
			el("issuance_time", credential.TypeDateTime),
			// The dates inside driving_privileges are full-dates too.
			{Path: []any{mdlNamespace, "driving_privileges", nil, "issue_date"}, Type: credential.TypeDate},
			{Path: []any{mdlNamespace, "driving_privileges", nil, "expiry_date"}, Type: credential.TypeDate},
		},
	}
	c.Normalize()
	return c
}

// mdlJSON is an mDL dataset.
const mdlJSON = `{"org.iso.18013.5.1": {
	"family_name": "Lovelace", "given_name": "Ada", "birth_date": "1815-12-10",
	"issue_date": "2026-01-01", "expiry_date": "2031-01-01", "issuing_country": "UT",
	"issuing_authority": "Utopia DMV", "document_number": "D-1815",
	"driving_privileges": [{"vehicle_category_code": "B", "issue_date": "2020-01-01", "expiry_date": "2030-01-01"}],
	"un_distinguishing_sign": "UTO", "age_over_18": true, "age_in_years": 210,
	"issuance_time": "2026-01-01T09:30:15.25+01:00",
	"undeclared": "left out"
}}`
