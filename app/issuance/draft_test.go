package issuance

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"credmint/app/credential"
	"credmint/app/credential/sdjwt"
)

// draftConfigs are the configurations of the translation tests: an SD-JWT
// with its vc+sd-jwt twin, a second SD-JWT of another type, an mdoc and two
// jwt_vc_json configurations.
func draftConfigs(t testing.TB) (*twinCatalog, []credential.Configuration) {
	t.Helper()
	c := &twinCatalog{Catalog: fakeCatalog{
		{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge", DraftTwin: true, Display: []credential.Display{{Name: "Badge"}}},
		{ID: "address", Format: "dc+sd-jwt", VCT: "urn:x:address"},
		{ID: "address_v0", Format: "dc+sd-jwt", VCT: "urn:x:address"},
		{ID: "mdl", Format: "mso_mdoc", Doctype: "org.iso.18013.5.1.mDL"},
		{ID: "diploma", Format: "jwt_vc_json", Types: []string{"VerifiableCredential", "Diploma"}},
		{ID: "diploma_v2", Format: "jwt_vc_json", Types: []string{"Diploma", "Extra"}},
	}, formats: credential.NewFormats(sdjwt.New(), sdjwt.NewDraft())}
	enabled, err := c.Enabled(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c, enabled
}

// fakeCatalog serves fixed configurations.
type fakeCatalog []credential.Configuration

func (f fakeCatalog) Enabled(context.Context) ([]credential.Configuration, error) { return f, nil }
func (f fakeCatalog) Configuration(_ context.Context, id string) (*credential.Configuration, error) {
	for i := range f {
		if f[i].ID == id {
			return &f[i], nil
		}
	}
	return nil, credential.ErrUnknownConfiguration
}

func TestDraftTranslation(t *testing.T) {
	_, enabled := draftConfigs(t)
	all := &AccessToken{ConfigurationIDs: []string{"address", "address_v0", "badge", "diploma", "diploma_v2", "mdl"}}
	jwtProof := `{"proof_type":"jwt","jwt":"eyJ.a.b"}`
	wantProofs := map[string]json.RawMessage{"jwt": json.RawMessage(`["eyJ.a.b"]`)}
	for _, tc := range []struct {
		name  string
		body  string
		tok   *AccessToken
		shape DraftShape
		// want is the 1.0 request; wantCode the error code instead.
		want     CredentialRequest
		wantCode string
		wantIn   string // in the error description
	}{
		{name: "1.0 request", body: `{"credential_configuration_id":"badge","proofs":{"jwt":["eyJ.a.b"]}}`, shape: Shape10,
			want: CredentialRequest{CredentialConfigurationID: "badge", Proofs: wantProofs}},
		{name: "1.0 request with legacy members ignored", body: `{"credential_configuration_id":"badge","format":"vc+sd-jwt","vct":"urn:x:other"}`, shape: Shape10,
			want: CredentialRequest{CredentialConfigurationID: "badge"}},
		{name: "ID2: identifier and singular proof", body: `{"credential_configuration_id":"badge","proof":` + jwtProof + `}`, shape: ShapeID2,
			want: CredentialRequest{CredentialConfigurationID: "badge", Proofs: wantProofs}},
		{name: "ID1 vc+sd-jwt picks the twin", body: `{"format":"vc+sd-jwt","vct":"urn:x:badge","proof":` + jwtProof + `}`, shape: ShapeID1,
			want: CredentialRequest{CredentialConfigurationID: "badge_vc_sd_jwt", Proofs: wantProofs}},
		{name: "ID1 dc+sd-jwt picks the base", body: `{"format":"dc+sd-jwt","vct":"urn:x:badge","proof":` + jwtProof + `}`, shape: ShapeID1,
			want: CredentialRequest{CredentialConfigurationID: "badge", Proofs: wantProofs}},
		{name: "vct without format prefers the 1.0 configuration", body: `{"vct":"urn:x:badge","proofs":{"jwt":["eyJ.a.b"]}}`, shape: ShapeID1,
			want: CredentialRequest{CredentialConfigurationID: "badge", Proofs: wantProofs}},
		{name: "ID1 mso_mdoc by doctype", body: `{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}`, shape: ShapeID1,
			want: CredentialRequest{CredentialConfigurationID: "mdl"}},
		{name: "ID1 jwt_vc_json by type, VerifiableCredential implied", body: `{"format":"jwt_vc_json","credential_definition":{"type":["VerifiableCredential","Diploma"]}}`, shape: ShapeID1,
			want: CredentialRequest{CredentialConfigurationID: "diploma"}},
		{name: "ID1 jwt_vc_json types in another order", body: `{"format":"jwt_vc_json","credential_definition":{"type":["Extra","VerifiableCredential","Diploma"]}}`, shape: ShapeID1,
			want: CredentialRequest{CredentialConfigurationID: "diploma_v2"}},
		{name: "ID1 with credential identifiers", body: `{"format":"dc+sd-jwt","vct":"urn:x:badge"}`, shape: ShapeID1,
			tok:  &AccessToken{ConfigurationIDs: []string{"badge"}, CredentialIdentifiers: map[string]string{"badge.xyz": "badge"}},
			want: CredentialRequest{CredentialIdentifier: "badge.xyz"}},
		{name: "twin covered through a token for its base only", body: `{"format":"vc+sd-jwt","vct":"urn:x:badge"}`, shape: ShapeID1,
			tok: &AccessToken{ConfigurationIDs: []string{"badge"}}, want: CredentialRequest{CredentialConfigurationID: "badge_vc_sd_jwt"}},

		{name: "null draft members are absent", body: `{"credential_configuration_id":"badge","vct":"","credential_definition":null,"doctype":"","proof":null,"x":1}`, shape: Shape10,
			want: CredentialRequest{CredentialConfigurationID: "badge"}},
		{name: "vct only with a token for the twin: the 1.0 configuration", body: `{"vct":"urn:x:badge","format":""}`, shape: ShapeID1,
			tok: &AccessToken{ConfigurationIDs: []string{"badge_vc_sd_jwt"}}, want: CredentialRequest{CredentialConfigurationID: "badge"}},
		{name: "ambiguous: two configurations of one vct", body: `{"format":"dc+sd-jwt","vct":"urn:x:address"}`, shape: ShapeID1,
			wantCode: CodeInvalidCredentialRequest, wantIn: "address, address_v0"},
		{name: "credential_definition does not match SD-JWT configurations", body: `{"format":"dc+sd-jwt","credential_definition":{"type":["VerifiableCredential"]}}`, shape: ShapeID1,
			wantCode: CodeUnsupportedCredentialType},
		{name: "format without a type parameter", body: `{"format":"dc+sd-jwt"}`, shape: ShapeID1,
			wantCode: CodeInvalidCredentialRequest, wantIn: "type parameter"},
		{name: "unknown format", body: `{"format":"ldp_vc","credential_definition":{"type":["X"]}}`, shape: ShapeID1,
			wantCode: CodeUnsupportedCredentialFormat, wantIn: "ldp_vc"},
		{name: "unknown vct", body: `{"format":"dc+sd-jwt","vct":"urn:x:nope"}`, shape: ShapeID1,
			wantCode: CodeUnsupportedCredentialType, wantIn: "urn:x:nope"},
		{name: "vc+sd-jwt of a configuration without twin", body: `{"format":"vc+sd-jwt","vct":"urn:x:address"}`, shape: ShapeID1,
			wantCode: CodeUnsupportedCredentialType},
		{name: "not covered by the token", body: `{"format":"mso_mdoc","doctype":"org.iso.18013.5.1.mDL"}`, shape: ShapeID1,
			tok: &AccessToken{ConfigurationIDs: []string{"badge"}}, wantCode: CodeInsufficientScope},
		{name: "credential_definition without type", body: `{"format":"jwt_vc_json","credential_definition":{"types":["Diploma"]}}`, shape: ShapeID1,
			wantCode: CodeInvalidCredentialRequest, wantIn: "credential_definition.type"},
		{name: "proof and proofs", body: `{"credential_configuration_id":"badge","proof":` + jwtProof + `,"proofs":{"jwt":["x"]}}`, shape: ShapeID2,
			wantCode: CodeInvalidCredentialRequest, wantIn: "not both"},
		{name: "cwt proof", body: `{"format":"dc+sd-jwt","vct":"urn:x:badge","proof":{"proof_type":"cwt","cwt":"x"}}`, shape: ShapeID1,
			wantCode: CodeInvalidProof, wantIn: "cwt"},
		{name: "proof without jwt", body: `{"format":"dc+sd-jwt","vct":"urn:x:badge","proof":{"proof_type":"jwt"}}`, shape: ShapeID1,
			wantCode: CodeInvalidProof, wantIn: "proof.jwt"},
		{name: "proof not an object", body: `{"credential_configuration_id":"badge","proof":"eyJ.a.b"}`, shape: ShapeID2,
			wantCode: CodeInvalidProof},
		{name: "twin through the credential identifier of its base", body: `{"format":"vc+sd-jwt","vct":"urn:x:badge"}`, shape: ShapeID1,
			tok:  &AccessToken{ConfigurationIDs: []string{"badge"}, CredentialIdentifiers: map[string]string{"badge.xyz": "badge"}},
			want: CredentialRequest{CredentialIdentifier: "badge.xyz", twin: true}},
		{name: "twin whose base has no credential identifier", body: `{"format":"vc+sd-jwt","vct":"urn:x:badge"}`, shape: ShapeID1,
			tok:      &AccessToken{ConfigurationIDs: []string{"badge", "address"}, CredentialIdentifiers: map[string]string{"address.1": "address"}},
			wantCode: CodeInvalidCredentialRequest, wantIn: "none of which is for badge_vc_sd_jwt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r DraftCredentialRequest
			if err := json.Unmarshal([]byte(tc.body), &r); err != nil {
				t.Fatal(err)
			}
			if got := r.Shape(); got != tc.shape {
				t.Fatalf("shape: got %d, want %d", got, tc.shape)
			}
			tok := tc.tok
			if tok == nil {
				tok = all
			}
			got, err := translateAndResolve(r, enabled, tok)
			if tc.wantCode != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.Code != tc.wantCode || !strings.Contains(pe.Description, tc.wantIn) {
					t.Fatalf("got %v, want %s mentioning %q", err, tc.wantCode, tc.wantIn)
				}
				if strings.ContainsAny(pe.Description, "\"\\") {
					t.Errorf("description %q has a quote or backslash", pe.Description)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(CredentialRequest{})); diff != "" {
				t.Errorf("1.0 request (-want +got):\n%s", diff)
			}
		})
	}
}

// translateAndResolve is CredentialAnyShape's translation without the
// service.
func translateAndResolve(r DraftCredentialRequest, enabled []credential.Configuration, tok *AccessToken) (CredentialRequest, error) {
	req, id, err := translateDraft(r)
	if err != nil || id == nil {
		return req, err
	}
	cfg, err := resolveDraft(enabled, tok, id)
	if err != nil {
		return req, err
	}
	return req, identify(&req, tok, cfg)
}

func TestResolveDraftAmbiguous(t *testing.T) {
	enabled := []credential.Configuration{
		{ID: "a", Format: "dc+sd-jwt", VCT: "urn:x:same"},
		{ID: "b", Format: "dc+sd-jwt", VCT: "urn:x:same"},
	}
	_, err := resolveDraft(enabled, &AccessToken{ConfigurationIDs: []string{"a", "b"}}, &draftIdentification{Format: "dc+sd-jwt", VCT: "urn:x:same"})
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeInvalidCredentialRequest || !strings.Contains(pe.Description, "several") || !strings.Contains(pe.Description, "a, b") {
		t.Fatalf("got %v, want invalid_credential_request naming a and b", err)
	}
	cfg, err := resolveDraft(enabled, &AccessToken{ConfigurationIDs: []string{"b"}}, &draftIdentification{Format: "dc+sd-jwt", VCT: "urn:x:same"})
	if err != nil || cfg.ID != "b" {
		t.Fatalf("only b covered: got %v, %v, want b", cfg, err)
	}
}

func TestTwinCatalog(t *testing.T) {
	c, enabled := draftConfigs(t)
	var ids []string
	for _, e := range enabled {
		ids = append(ids, e.ID)
	}
	if diff := cmp.Diff([]string{"address", "address_v0", "badge", "badge_vc_sd_jwt", "diploma", "diploma_v2", "mdl"}, ids); diff != "" {
		t.Errorf("enabled ids (-want +got):\n%s", diff)
	}
	tw, err := c.Configuration(context.Background(), "badge_vc_sd_jwt")
	if err != nil {
		t.Fatal(err)
	}
	if tw.Format != "vc+sd-jwt" || tw.VCT != "urn:x:badge" || tw.DraftTwin || len(tw.Display) != 1 {
		t.Errorf("twin: got %+v", tw)
	}
	for _, id := range []string{"address_vc_sd_jwt", "nothing_vc_sd_jwt", "nothing"} {
		if _, err := c.Configuration(context.Background(), id); !errors.Is(err, credential.ErrUnknownConfiguration) {
			t.Errorf("%s: got %v, want ErrUnknownConfiguration", id, err)
		}
	}
	// Without the draft plugin registered there are no twins.
	bare := &twinCatalog{Catalog: c.Catalog, formats: credential.NewFormats(sdjwt.New())}
	if _, err := bare.Configuration(context.Background(), "badge_vc_sd_jwt"); !errors.Is(err, credential.ErrUnknownConfiguration) {
		t.Errorf("twin without vc+sd-jwt registered: got %v, want ErrUnknownConfiguration", err)
	}
	// A real configuration of the twin's id wins.
	real := &twinCatalog{Catalog: fakeCatalog{
		{ID: "badge", Format: "dc+sd-jwt", VCT: "urn:x:badge", DraftTwin: true},
		{ID: "badge_vc_sd_jwt", Format: "dc+sd-jwt", VCT: "urn:x:real"},
	}, formats: c.formats}
	got, _ := real.Enabled(context.Background())
	if len(got) != 2 || got[1].VCT != "urn:x:real" {
		t.Errorf("real configuration of the twin id: got %+v", got)
	}
}

func TestCovers(t *testing.T) {
	base := &credential.Configuration{ID: "badge", DraftTwin: true}
	twin := &credential.Configuration{ID: "badge_vc_sd_jwt"}
	other := &credential.Configuration{ID: "other"}
	for _, tc := range []struct {
		ids  []string
		cfg  *credential.Configuration
		want bool
	}{
		{[]string{"badge"}, base, true},
		{[]string{"badge"}, twin, true},
		{[]string{"badge_vc_sd_jwt"}, base, true},
		{[]string{"badge"}, other, false},
		{[]string{"other_vc_sd_jwt"}, base, false},
	} {
		if got := covers(&AccessToken{ConfigurationIDs: tc.ids}, tc.cfg); got != tc.want {
			t.Errorf("token for %v covers %s: got %v, want %v", tc.ids, tc.cfg.ID, got, tc.want)
		}
	}
}

// TestCredentialAnyShapeRefusesDrafts: a draft shape from a wallet that is
// not a draft one is refused with a message that asks for 1.0; with
// compat.drafts or pre_1_0 it passes the gate.
func TestCredentialAnyShapeRefusesDrafts(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := nonceService(&now)
	s.Catalog, _ = draftConfigs(t)
	s.DraftClients = DraftClientSet{"old": true}
	r := DraftCredentialRequest{Format: "dc+sd-jwt", VCT: "urn:x:nope"}
	_, _, err := s.CredentialAnyShape(context.Background(), &AccessToken{ClientID: "new", ConfigurationIDs: []string{"badge"}}, r)
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeInvalidCredentialRequest || !strings.Contains(pe.Description, "1.0") {
		t.Fatalf("1.0 wallet: got %v, want invalid_credential_request asking for 1.0", err)
	}
	for name, tok := range map[string]*AccessToken{"pre_1_0": {ClientID: "old", ConfigurationIDs: []string{"badge"}}} {
		_, _, err := s.CredentialAnyShape(context.Background(), tok, r)
		if !errors.As(err, &pe) || pe.Code != CodeUnsupportedCredentialType {
			t.Errorf("%s: got %v, want the gate passed and unsupported_credential_type", name, err)
		}
	}
	s.Drafts = true
	if _, _, err := s.CredentialAnyShape(context.Background(), &AccessToken{ConfigurationIDs: []string{"badge"}}, r); !errors.As(err, &pe) || pe.Code != CodeUnsupportedCredentialType {
		t.Errorf("compat.drafts, anonymous: got %v, want the gate passed", err)
	}
}

// TestDraftError: proof and nonce errors of draft requests carry a fresh
// c_nonce; draft 13 shapes get invalid_proof for invalid_nonce; other
// errors are unchanged.
func TestDraftError(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := nonceService(&now)
	for _, tc := range []struct {
		shape        DraftShape
		code, want   string
		wantDraftErr bool
	}{
		{ShapeID1, CodeInvalidNonce, CodeInvalidProof, true},
		{ShapeID2, CodeInvalidNonce, CodeInvalidNonce, true},
		{ShapeID1, CodeInvalidProof, CodeInvalidProof, true},
		{ShapeID1, CodeInvalidCredentialRequest, CodeInvalidCredentialRequest, false},
	} {
		err := s.draftError(context.Background(), tc.shape, badRequest(tc.code, "x"))
		var de *DraftError
		if got := errors.As(err, &de); got != tc.wantDraftErr {
			t.Fatalf("%s: DraftError %v, want %v", tc.code, got, tc.wantDraftErr)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tc.want || pe.Status != http.StatusBadRequest {
			t.Errorf("%s (shape %d): got %v, want %s", tc.code, tc.shape, err, tc.want)
		}
		if de != nil {
			if _, err := s.checkNonce(de.CNonce); err != nil || de.CNonceExpiresIn != 300 {
				t.Errorf("c_nonce %q (%d s): %v", de.CNonce, de.CNonceExpiresIn, err)
			}
		}
	}
}

// TestDraftShapeCode: shapes survive storage; an unknown code is an error.
func TestDraftShapeCode(t *testing.T) {
	for _, s := range []DraftShape{Shape10, ShapeID2, ShapeID1} {
		if got, err := ParseDraftShape(s.Code()); err != nil || got != s {
			t.Errorf("ParseDraftShape(%q): got %d, %v, want %d", s.Code(), got, err, s)
		}
	}
	if _, err := ParseDraftShape("id3"); err == nil {
		t.Error(`ParseDraftShape("id3"): got no error`)
	}
}

// TestDraftDeferredResponse: the deferred answer to a draft 13 request is
// the credential with notification_id, no c_nonce; several credentials
// are strings (draft 14).
func TestDraftDeferredResponse(t *testing.T) {
	for _, tc := range []struct {
		values []IssuedValue
		want   string
	}{
		{[]IssuedValue{{Credential: "a~"}}, `{"credential":"a~","notification_id":"n1"}`},
		{[]IssuedValue{{Credential: "a~"}, {Credential: "b~"}}, `{"credentials":["a~","b~"],"notification_id":"n1"}`},
	} {
		got, err := json.Marshal(draftDeferredResponse(&CredentialResponse{Credentials: tc.values, NotificationID: "n1"}))
		if err != nil || string(got) != tc.want {
			t.Errorf("got %s, %v, want %s", got, err, tc.want)
		}
	}
}
