package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"credmint/app/audit"
	"credmint/app/keys"
	"credmint/app/staff"
)

// testIssuingCA is a root and an intermediate that sign CSRs, as a real CA
// would.
type testIssuingCA struct {
	root, inter *x509.Certificate
	interKey    *ecdsa.PrivateKey
}

func newTestIssuingCA(t *testing.T) *testIssuingCA {
	t.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	interKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	ca := &testIssuingCA{interKey: interKey}
	ca.root = caCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Root CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0)}, nil, rootKey.Public(), rootKey)
	ca.inter = caCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Issuing CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0)}, ca.root, interKey.Public(), rootKey)
	return ca
}

// sign issues a leaf certificate from a PEM CSR and returns the chain PEM
// (leaf, intermediate, root).
func (ca *testIssuingCA) sign(t *testing.T, csrPEM []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(csrPEM)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("not a PEM CSR: %q", csrPEM)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || csr.CheckSignature() != nil {
		t.Fatalf("CSR: %v / %v", err, csr.CheckSignature())
	}
	now := time.Now()
	leaf := caCert(t, &x509.Certificate{Subject: csr.Subject, DNSNames: csr.DNSNames, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)}, ca.inter, csr.PublicKey, ca.interKey)
	var out []byte
	for _, c := range []*x509.Certificate{leaf, ca.inter, ca.root} {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func caCert(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber, _ = rand.Int(rand.Reader, big.NewInt(1<<62))
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func keyState(h *harness, id string) string {
	for _, k := range h.app.ring.Keys() {
		if k.ID == id {
			return k.State
		}
	}
	return ""
}

func TestConsoleSigningKeys(t *testing.T) {
	h := newHarness(t)
	admin, adminUser := h.signedIn(t, "ada@example.org", staff.RoleAdmin)
	d := admin.get("/console/keys").doc(t)
	for _, k := range h.app.ring.Keys() {
		if d.Find("#key-"+k.ID).Length() != 1 {
			t.Errorf("the page does not list key %s (%s)", k.ID, k.Purpose)
		}
	}
	if !strings.Contains(d.Find("#iaca").Text(), "IACA") || d.Find(`#iaca a[href$="/mdoc/iaca.pem"]`).Length() != 1 {
		t.Errorf("IACA section: %q", d.Find("#iaca").Text())
	}

	// The IACA root is public for relying parties.
	res := h.do(http.MethodGet, h.url+"/mdoc/iaca.pem", nil, nil)
	block, _ := pem.Decode(res.Body)
	if res.Status != http.StatusOK || block == nil {
		t.Fatalf("/mdoc/iaca.pem: got %d %q", res.Status, res.Body)
	}
	if iaca, err := x509.ParseCertificate(block.Bytes); err != nil || !iaca.IsCA {
		t.Errorf("/mdoc/iaca.pem is not a CA certificate: %v", err)
	}

	// Refusals: other roles, forged requests, bad input.
	issuer := h.newBrowser(t, staff.RoleIssuer)
	if res := issuer.get("/console/keys"); res.Status != http.StatusForbidden {
		t.Errorf("issuer: got %d, want 403", res.Status)
	}
	if res := issuer.postForm("/console/keys/rotate", url.Values{"purpose": {keys.PurposeCredential}}); res.Status != http.StatusForbidden {
		t.Errorf("issuer rotate: got %d, want 403", res.Status)
	}
	if res := admin.forged("/console/keys/rotate", url.Values{"purpose": {keys.PurposeCredential}}); res.Status != http.StatusForbidden {
		t.Errorf("forged rotate: got %d, want 403", res.Status)
	}
	res = admin.postForm("/console/keys/rotate", url.Values{"purpose": {"mdoc_iaca"}, "at": {"tomorrow"}})
	if d := res.doc(t); res.Status != http.StatusBadRequest || d.Find("#e-purpose").Text() == "" || d.Find("#e-at").Text() == "" {
		t.Errorf("bad rotate: got %d, want 400 with messages on purpose and at", res.Status)
	}
	res = admin.postForm("/console/keys/csr", url.Values{"csr_purpose": {keys.PurposeCredential}, "subject": {"O=no common name"}})
	if res.Status != http.StatusBadRequest || !strings.Contains(res.doc(t).Find("#e-subject").Text(), "CN") {
		t.Errorf("CSR without CN: got %d, want 400 saying CN is required", res.Status)
	}

	// Rotate at a time: the new key is scheduled.
	at := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Minute)
	res = admin.postForm("/console/keys/rotate", url.Values{"purpose": {keys.PurposeStatusList}, "at": {at.Format("2006-01-02T15:04")}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("rotate: got %d\n%s", res.Status, res.Body)
	}
	var rotated keys.Info
	for _, k := range h.app.ring.Keys() {
		if k.Purpose == keys.PurposeStatusList && k.State == keys.StateScheduled {
			rotated = k
		}
	}
	if !rotated.NotBefore.Equal(at) {
		t.Fatalf("rotated key %+v, want a status list key scheduled at %v", rotated, at)
	}
	if !strings.Contains(admin.get("/console/keys").doc(t).Find("#key-"+rotated.ID+" .badge").Text(), "scheduled") {
		t.Errorf("the rotated key is not shown as scheduled")
	}

	// CSR: the response is the PEM; the key waits for its chain.
	res = admin.postForm("/console/keys/csr", url.Values{"csr_purpose": {keys.PurposeCredential}, "subject": {"CN=issuer.example.org,O=Example,C=DE"}, "dns": {"issuer.example.org"}})
	if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSR: got %d %q", res.Status, res.Header.Get("Content-Disposition"))
	}
	var pending keys.Info
	for _, k := range h.app.ring.Keys() {
		if k.State == keys.StatePending {
			pending = k
		}
	}
	if pending.ID == "" {
		t.Fatal("no key waits for its certificate after the CSR")
	}
	if res := admin.get("/console/keys/" + pending.ID + "/csr.pem"); res.Status != http.StatusOK || string(res.Body) != string(admin.get("/console/keys/"+pending.ID+"/csr.pem").Body) {
		t.Errorf("CSR download: got %d", res.Status)
	}
	if !strings.Contains(admin.get("/console/").doc(t).Find(".key-warning").Text(), pending.ID) {
		t.Errorf("the dashboard does not warn about the key waiting for its chain")
	}

	// A wrong chain is refused with a message; the CA's chain is accepted.
	ca := newTestIssuingCA(t)
	other := newTestIssuingCA(t)
	chain := ca.sign(t, res.Body)
	wrong := other.sign(t, admin.get("/console/keys/"+pending.ID+"/csr.pem").Body)
	leafOnly := wrong[:strings.Index(string(wrong), "-----END CERTIFICATE-----")+len("-----END CERTIFICATE-----\n")]
	broken := append([]byte(leafOnly), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.inter.Raw})...)
	res = admin.postFile("/console/keys/"+pending.ID+"/chain", nil, "chain.pem", broken)
	if res.Status != http.StatusSeeOther || !strings.Contains(admin.get("/console/keys").doc(t).Find(".flash.error").Text(), "not issued by") {
		t.Errorf("broken chain: got %d, want a redirect with the reason", res.Status)
	}
	if keyState(h, pending.ID) != keys.StatePending {
		t.Fatalf("a refused chain changed the key")
	}
	res = admin.postFile("/console/keys/"+pending.ID+"/chain", nil, "chain.pem", chain)
	if res.Status != http.StatusSeeOther || !strings.Contains(admin.get("/console/keys").doc(t).Find(".flash").Text(), "Chain imported") {
		t.Fatalf("import: got %d", res.Status)
	}
	if got := keyState(h, pending.ID); got != keys.StateActive {
		t.Errorf("imported key state %q, want active", got)
	}
	if got := issueStaffBadge(t, h).Header["kid"]; got != pending.ID {
		t.Errorf("credential signed by %v, want the imported key %s", got, pending.ID)
	}

	evs := h.actions(t, "signing_key", pending.ID)
	if len(evs) != 2 || evs[0].Action != "signing_key.csr_created" || evs[1].Action != "signing_key.chain_imported" ||
		evs[1].Actor.Kind != audit.ActorStaff || evs[1].Actor.ID != adminUser.ID || evs[1].Details["issuer"] != "CN=Test Issuing CA" {
		t.Errorf("audit events of the key: %+v", evs)
	}
	if evs := h.actions(t, "signing_key", rotated.ID); len(evs) != 1 || evs[0].Details["reason"] != "rotation" || evs[0].Actor.ID != adminUser.ID {
		t.Errorf("audit events of the rotated key: %+v", evs)
	}
}
