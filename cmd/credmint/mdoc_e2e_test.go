package main

import (
	"crypto"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/credential/mdoc/mdoctest"
	"credmint/app/keys"
	"credmint/config"
)

const (
	mdlDoctype   = "org.iso.18013.5.1.mDL"
	mdlNamespace = "org.iso.18013.5.1"
)

// withMDL adds an mso_mdoc mDL configuration "mdl".
func withMDL() harnessOption {
	el := func(id, typ string, mandatory bool) credential.Claim {
		return credential.Claim{Path: []any{mdlNamespace, id}, Type: typ, Mandatory: mandatory}
	}
	return func(c *config.Config, _ *harnessSettings) {
		c.CredentialConfigurations = append(c.CredentialConfigurations, credential.Configuration{
			ID: "mdl", Format: "mso_mdoc", Doctype: mdlDoctype, Scope: "mdl", Validity: 5 * 365 * 24 * time.Hour,
			Claims: []credential.Claim{
				el("family_name", credential.TypeString, true), el("given_name", credential.TypeString, true),
				el("birth_date", credential.TypeDate, true), el("issue_date", credential.TypeDate, true),
				el("expiry_date", credential.TypeDate, true), el("issuing_country", credential.TypeString, true),
				el("issuing_authority", credential.TypeString, true), el("document_number", credential.TypeString, true),
				el("driving_privileges", credential.TypeArray, true), el("un_distinguishing_sign", credential.TypeString, true),
				el("age_over_18", credential.TypeBoolean, false),
				{Path: []any{mdlNamespace, "driving_privileges", nil, "issue_date"}, Type: credential.TypeDate},
			},
		})
	}
}

// mdlElements is the dataset of one mDL holder, as sent to the admin API.
func mdlElements() map[string]any {
	return map[string]any{
		"family_name": "Lovelace", "given_name": "Ada", "birth_date": "1815-12-10",
		"issue_date": "2026-01-01", "expiry_date": "2031-01-01", "issuing_country": "UT",
		"issuing_authority": "Utopia DMV", "document_number": "D-1815",
		"driving_privileges":     []any{map[string]any{"vehicle_category_code": "B", "issue_date": "2020-01-01"}},
		"un_distinguishing_sign": "UTO", "age_over_18": true,
	}
}

// TestMdocFlowEndToEnd issues an mDL through the pre-authorized flow over
// HTTP, for a P-256 and an Ed25519 wallet key, and verifies it without
// credmint's issuing code (mdoctest): the COSE_Sign1 signature with the
// x5chain leaf, which must be the issuer's active document signer key,
// every value digest, the device key = the wallet's proof key, docType,
// validity, the elements and the status entry; and the metadata entry.
func TestMdocFlowEndToEnd(t *testing.T) {
	h := newHarness(t, withMDL())
	for name, w := range map[string]*wallet{"P-256": newWallet(t, h), "Ed25519": newEdWallet(t, h)} {
		t.Run(name, func(t *testing.T) {
			created := h.createOffer(map[string]any{
				"credential_configuration_ids": []string{"mdl"},
				"claims":                       map[string]any{mdlNamespace: mdlElements()},
			})
			f := startFlow(t, h, w, created, nil)
			checkMdocMetadata(t, f.md.Configurations["mdl"])

			res := f.request(t, h, map[string]any{"credential_configuration_id": "mdl"})
			if res.Status != http.StatusOK {
				t.Fatalf("credential: got %d, want 200\n%s", res.Status, res.Body)
			}
			var cred credentialJSON
			res.JSON(t, &cred)
			if len(cred.Credentials) != 1 {
				t.Fatalf("credential response: got %s", res.Body)
			}
			now := h.clock.Now()
			doc, err := mdoctest.Verify(cred.Credentials[0].Credential, mdoctest.Options{
				DocType: mdlDoctype, DeviceKey: w.publicJWK().Key, Now: now,
			})
			if err != nil {
				t.Fatalf("independent verification: %v", err)
			}
			ds, err := h.app.ring.Active(keys.PurposeMdocDocumentSigner)
			if err != nil {
				t.Fatal(err)
			}
			if leaf, ok := doc.Chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !leaf.Equal(ds.Public()) {
				t.Error("the x5chain leaf does not certify the issuer's active document signer key")
			}
			// The configured 43800h outlive the document signer
			// certificate (365 days): the credential ends with it.
			if dsEnd := ds.Chain()[0].NotAfter; !doc.ValidUntil.Equal(dsEnd) {
				t.Errorf("validUntil: got %s, want the document signer certificate's end %s (shorter than the configured 43800h)", doc.ValidUntil, dsEnd)
			}
			if doc.ValidFrom.After(now) || now.Sub(doc.ValidFrom) > 24*time.Hour {
				t.Errorf("validFrom %s: want it at most a day before now (%s)", doc.ValidFrom, now)
			}
			want := map[string]map[string]any{mdlNamespace: {
				"family_name": "Lovelace", "given_name": "Ada",
				"birth_date":      cbor.Tag{Number: 1004, Content: "1815-12-10"},
				"issue_date":      cbor.Tag{Number: 1004, Content: "2026-01-01"},
				"expiry_date":     cbor.Tag{Number: 1004, Content: "2031-01-01"},
				"issuing_country": "UT", "issuing_authority": "Utopia DMV", "document_number": "D-1815",
				// A nested claim of type date: a full-date inside the element.
				"driving_privileges":     []any{map[any]any{"vehicle_category_code": "B", "issue_date": cbor.Tag{Number: 1004, Content: "2020-01-01"}}},
				"un_distinguishing_sign": "UTO", "age_over_18": true,
			}}
			if diff := cmp.Diff(want, doc.Elements); diff != "" {
				t.Errorf("elements (-want +got):\n%s", diff)
			}
			checkMdocStatus(t, doc.Status, h.app.statusLists() != nil)
		})
	}
}

// checkMdocMetadata checks the mso_mdoc entry of
// credential_configurations_supported (OID4VCI 1.0 Appendix A.2.2).
func checkMdocMetadata(t *testing.T, entry map[string]any) {
	t.Helper()
	if entry == nil {
		t.Fatal("metadata has no mdl configuration")
	}
	if entry["format"] != "mso_mdoc" || entry["doctype"] != mdlDoctype {
		t.Errorf("format/doctype: got %v / %v", entry["format"], entry["doctype"])
	}
	if diff := cmp.Diff([]any{float64(-7)}, entry["credential_signing_alg_values_supported"]); diff != "" {
		t.Errorf("credential_signing_alg_values_supported (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"cose_key"}, entry["cryptographic_binding_methods_supported"]); diff != "" {
		t.Errorf("cryptographic_binding_methods_supported (-want +got):\n%s", diff)
	}
	proofs, _ := entry["proof_types_supported"].(map[string]any)
	if _, ok := proofs["jwt"]; !ok {
		t.Errorf("proof_types_supported: got %v, want a jwt entry", entry["proof_types_supported"])
	}
	if _, ok := entry["vct"]; ok {
		t.Error("an mso_mdoc entry has a vct")
	}
}

// checkMdocStatus checks the MSO's status {status_list: {idx, uri}}: present
// when the issuer keeps status lists (want), absent otherwise.
func checkMdocStatus(t *testing.T, status map[any]any, want bool) {
	t.Helper()
	if !want {
		if status != nil {
			t.Errorf("MSO status: got %v, want none (status lists are off)", status)
		}
		return
	}
	list, _ := status["status_list"].(map[any]any)
	_, isUint := list["idx"].(uint64)
	uri, _ := list["uri"].(string)
	if !isUint || !strings.HasPrefix(uri, "http") {
		t.Errorf("MSO status: got %v, want {status_list: {idx: uint, uri: URL}}", status)
	}
}
