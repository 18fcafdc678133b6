package mdoc_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/go-jose/go-jose/v4"

	"credmint/app/credential"
	"credmint/app/credential/jwtvc"
	"credmint/app/credential/mdoc"
	"credmint/app/credential/mdoc/mdoctest"
	"credmint/app/credential/sdjwt"
	"credmint/app/keys/keystest"
	"credmint/config"
)

// TestExampleMDL loads config/examples/mdl.yaml through the config package,
// validates it against the format registry credmint serves with, checks an
// mDL dataset against it, issues one and verifies it independently.
func TestExampleMDL(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "..", "..", "config", "examples", "mdl.yaml"))
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	formats := credential.NewFormats(sdjwt.New(), jwtvc.New(), mdoc.New())
	if len(cfg.CredentialConfigurations) != 1 {
		t.Fatalf("got %d credential configurations, want 1", len(cfg.CredentialConfigurations))
	}
	c := &cfg.CredentialConfigurations[0]
	if err := c.Validate(formats); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if c.Format != mdoc.FormatID || c.Doctype != "org.iso.18013.5.1.mDL" {
		t.Fatalf("example is %s %s, want mso_mdoc org.iso.18013.5.1.mDL", c.Format, c.Doctype)
	}
	const ns = "org.iso.18013.5.1"
	elements := map[string]any{
		"family_name": "Lovelace", "given_name": "Ada", "birth_date": "1815-12-10",
		"issue_date": "2026-06-01", "expiry_date": "2031-06-01", "issuing_country": "UT",
		"issuing_authority": "Utopia DMV", "document_number": "D-1815",
		"driving_privileges":     []any{map[string]any{"vehicle_category_code": "B", "issue_date": "2020-01-01", "expiry_date": "2030-01-01"}},
		"un_distinguishing_sign": "UTO", "age_over_18": true,
		"portrait": "_9j_4AAQSkZJRg", // the first bytes of a JPEG, base64url
	}
	dataset := map[string]any{ns: elements}
	if errs := c.CheckDataset(dataset); len(errs) > 0 {
		t.Fatalf("CheckDataset: %v", errs)
	}
	delete(elements, "family_name")
	if errs := c.CheckDataset(dataset); len(errs) != 1 || errs[0].Field != ns+".family_name" {
		t.Errorf("CheckDataset without family_name: got %v, want one error on %s.family_name", errs, ns)
	}
	elements["family_name"] = "Lovelace"

	holder, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	out, err := mdoc.New().Issue(context.Background(), credential.IssueRequest{
		Configuration: c, Issuer: cfg.PublicURL, Claims: dataset,
		HolderKey: &jose.JSONWebKey{Key: &holder.PublicKey}, IssuedAt: now, ExpiresAt: now.Add(c.Validity),
		Signer: keystest.New(t, "example-ds", "example DS"), Rand: rand.Reader,
	})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	doc, err := mdoctest.Verify(out.(string), mdoctest.Options{DocType: c.Doctype, DeviceKey: &holder.PublicKey, Now: now})
	if err != nil {
		t.Fatalf("independent verification: %v", err)
	}
	if len(doc.Elements[ns]) != len(elements) {
		t.Errorf("issued %d elements, want %d", len(doc.Elements[ns]), len(elements))
	}
	if p, ok := doc.Elements[ns]["portrait"].([]byte); !ok || !bytes.Equal(p, []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F'}) {
		t.Errorf("portrait: got %#v, want the JPEG bytes as a CBOR byte string", doc.Elements[ns]["portrait"])
	}
	privileges, _ := doc.Elements[ns]["driving_privileges"].([]any)
	if len(privileges) != 1 {
		t.Fatalf("driving_privileges: got %#v, want one privilege", doc.Elements[ns]["driving_privileges"])
	}
	if p, _ := privileges[0].(map[any]any); p["issue_date"] != (cbor.Tag{Number: 1004, Content: "2020-01-01"}) || p["vehicle_category_code"] != "B" {
		t.Errorf("driving_privileges[0]: got %#v, want issue_date as full-date (tag 1004) and the category as text", privileges[0])
	}
	if want := now.Add(5 * 365 * 24 * time.Hour); !doc.ValidUntil.Equal(want) {
		t.Errorf("validUntil: got %s, want %s (43800h)", doc.ValidUntil, want)
	}
}
