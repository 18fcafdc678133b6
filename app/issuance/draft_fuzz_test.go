package issuance

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
)

// FuzzDraftTranslation feeds raw credential request bodies through the
// draft translation as the credential endpoint does (decode, Shape,
// translateDraft, resolveDraft, identify), for a token without and one with
// credential identifiers. It never panics; an error is an *Error with one
// of the codes the drafts and 1.0 define for the credential endpoint, the
// status that code has, and a description within RFC 6749 §5.2's
// characters even before PublicDescription; a success is a 1.0 request
// that names one configuration the token covers and carries the singular
// proof as proofs.jwt.
func FuzzDraftTranslation(f *testing.F) {
	for _, seed := range []string{
		`{"credential_configuration_id":"badge","proofs":{"jwt":["eyJ.a.b"]}}`,
		`{"credential_configuration_id":"badge","proof":{"proof_type":"jwt","jwt":"eyJ.a.b"}}`,
		`{"format":"vc+sd-jwt","vct":"urn:x:badge","proof":{"proof_type":"jwt","jwt":"eyJ.a.b"}}`,
		`{"vct":"urn:x:badge"}`,
		`{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}`,
		`{"format":"jwt_vc_json","credential_definition":{"type":["VerifiableCredential","Diploma"]}}`,
		`{"format":"dc+sd-jwt","vct":"urn:x:address"}`,
		`{"format":"ldp_vc","credential_definition":{"type":["X\"\\é"]}}`,
		`{"format":"dc+sd-jwt","proof":{"proof_type":"cwt"},"proofs":{"jwt":[]}}`,
		`{"credential_definition":{"type":[]},"proof":[],"format":null}`,
	} {
		f.Add(seed)
	}
	_, enabled := draftConfigs(f)
	ids := make([]string, len(enabled))
	for i, c := range enabled {
		ids[i] = c.ID
	}
	tokens := []*AccessToken{
		{ConfigurationIDs: ids},
		{ConfigurationIDs: []string{"badge", "mdl"}, CredentialIdentifiers: map[string]string{"badge.1": "badge", "mdl.1": "mdl"}},
	}
	codes := map[string]int{
		CodeInvalidCredentialRequest:    http.StatusBadRequest,
		CodeInvalidProof:                http.StatusBadRequest,
		CodeUnsupportedCredentialFormat: http.StatusBadRequest,
		CodeUnsupportedCredentialType:   http.StatusBadRequest,
		CodeInsufficientScope:           http.StatusForbidden,
	}
	f.Fuzz(func(t *testing.T, body string) {
		var r DraftCredentialRequest
		if json.Unmarshal([]byte(body), &r) != nil {
			return // the endpoint answers invalid_credential_request before translating
		}
		shape := r.Shape()
		if shape != Shape10 && shape != ShapeID2 && shape != ShapeID1 {
			t.Fatalf("shape %d", shape)
		}
		for _, tok := range tokens {
			req, err := translateAndResolve(r, enabled, tok)
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("%s: got %T %v, want *issuance.Error", body, err, err)
				}
				if status, ok := codes[pe.Code]; !ok || pe.Status != status {
					t.Fatalf("%s: got %d %s, want a credential endpoint code with its status", body, pe.Status, pe.Code)
				}
				if !allowedInDescription(pe.Description) || len(pe.Description) > 400 {
					t.Fatalf("%s: description %q is too long or outside RFC 6749 §5.2", body, pe.Description)
				}
				continue
			}
			if present(r.Proof) {
				var jwts []string
				if len(req.Proofs) != 1 || json.Unmarshal(req.Proofs["jwt"], &jwts) != nil || len(jwts) != 1 || jwts[0] == "" {
					t.Fatalf("%s: proof became proofs %s, want {jwt: [one]}", body, req.Proofs)
				}
			}
			if shape != ShapeID1 {
				if req.CredentialConfigurationID != r.CredentialConfigurationID || req.CredentialIdentifier != r.CredentialIdentifier {
					t.Fatalf("%s: a %d-shaped request changed its identification to %+v", body, shape, req)
				}
				continue
			}
			switch {
			case tok.CredentialIdentifiers == nil && req.CredentialIdentifier == "" && slices.Contains(ids, req.CredentialConfigurationID):
			case tok.CredentialIdentifiers != nil && req.CredentialConfigurationID == "" && tok.CredentialIdentifiers[req.CredentialIdentifier] != "":
			default:
				t.Fatalf("%s: resolved to %+v, want one identifier the token knows", body, req)
			}
		}
	})
}
