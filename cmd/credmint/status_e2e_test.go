package main

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/sha256"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"credmint/app/staff"
)

// issueStatusCredential runs a pre-authorized flow for the staff badge and
// returns the credential's status.status_list {uri, idx}, checked as a
// verifier would.
func issueStatusCredential(t *testing.T, h *harness) (string, int) {
	t.Helper()
	f := startFlow(t, h, newWallet(t, h), h.createOffer(staffBadgeOffer()), nil)
	res := f.request(t, h, map[string]any{"credential_configuration_id": "staff_badge"})
	if res.Status != http.StatusOK {
		t.Fatalf("credential: got %d\n%s", res.Status, res.Body)
	}
	var cred credentialJSON
	res.JSON(t, &cred)
	c := checkSDJWT(t, h, cred.Credentials[0].Credential)
	st, _ := c.Payload["status"].(map[string]any)
	sl, _ := st["status_list"].(map[string]any)
	uri, _ := sl["uri"].(string)
	idx, ok := sl["idx"].(float64)
	if !strings.HasPrefix(uri, h.url+"/status/") || !ok || idx < 0 || idx != float64(int(idx)) {
		t.Fatalf("status claim = %v, want status_list {idx, uri under %s/status/}", c.Payload["status"], h.url)
	}
	for _, d := range c.Disclosed {
		if strings.HasPrefix(d, "status") {
			t.Errorf("status is selectively disclosable (%s)", d)
		}
	}
	return uri, int(idx)
}

// statusListToken is a fetched, verified Status List Token.
type statusListToken struct {
	res  *response
	lst  []byte
	bits int
}

// value is entry i, read with the draft's bit order and no credmint code.
func (s *statusListToken) value(i int) int {
	pos := i * s.bits
	return int(s.lst[pos/8]>>(pos%8)) & (1<<s.bits - 1)
}

// fetchStatusList GETs uri as a verifier does and verifies the token: typ,
// ES256 signature by the x5c leaf (which must also be the key of the same
// kid in the published JWKS), sub = uri, iat/exp/ttl, and inflates lst.
func fetchStatusList(t *testing.T, h *harness, uri string) *statusListToken {
	t.Helper()
	res := h.do(http.MethodGet, uri, map[string]string{"Accept": "application/statuslist+jwt"}, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: got %d\n%s", uri, res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/statuslist+jwt" {
		t.Errorf("Content-Type = %q, want application/statuslist+jwt", ct)
	}
	parts := strings.Split(string(res.Body), ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a compact JWS: %.80s", res.Body)
	}
	var header map[string]any
	var claims struct {
		Sub        string `json:"sub"`
		Iat, Exp   int64
		TTL        int64 `json:"ttl"`
		StatusList struct {
			Bits int    `json:"bits"`
			Lst  string `json:"lst"`
		} `json:"status_list"`
	}
	decodeSegment(t, parts[0], &header)
	decodeSegment(t, parts[1], &claims)
	if header["typ"] != "statuslist+jwt" || header["alg"] != "ES256" {
		t.Errorf("header = %v, want typ statuslist+jwt, alg ES256", header)
	}
	leaf := x5cLeaf(t, header)
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		t.Fatalf("x5c leaf key is %T", leaf.PublicKey)
	}
	if jwk := publishedKey(t, h, header["kid"]); jwk != nil && !jwk.Equal(pub) {
		t.Errorf("the JWKS key %v is not the x5c leaf key", header["kid"])
	}
	sig := mustB64(t, parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if len(sig) != 64 || !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("status list token signature does not verify with the x5c key")
	}
	if claims.Sub != uri || claims.Iat == 0 || claims.Exp <= claims.Iat || claims.TTL <= 0 {
		t.Errorf("claims sub %q iat %d exp %d ttl %d: want sub %q, exp after iat, positive ttl", claims.Sub, claims.Iat, claims.Exp, claims.TTL, uri)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age="+strconv.FormatInt(claims.TTL, 10) {
		t.Errorf("Cache-Control = %q, want public, max-age=%d (the ttl)", cc, claims.TTL)
	}
	zr, err := zlib.NewReader(bytes.NewReader(mustB64(t, claims.StatusList.Lst)))
	if err != nil {
		t.Fatalf("lst is not zlib: %v", err)
	}
	lst, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return &statusListToken{res: res, lst: lst, bits: claims.StatusList.Bits}
}

// publishedKey returns the key with kid from /.well-known/jwt-vc-issuer,
// nil when it is not published there.
func publishedKey(t *testing.T, h *harness, kid any) *ecdsa.PublicKey {
	t.Helper()
	u, _ := url.Parse(h.url)
	var md struct {
		JWKS struct {
			Keys []map[string]any `json:"keys"`
		} `json:"jwks"`
	}
	h.getJSON(u.Scheme+"://"+u.Host+"/.well-known/jwt-vc-issuer"+u.Path).JSON(t, &md)
	for _, k := range md.JWKS.Keys {
		if k["kid"] == kid {
			return issuerKey(t, h, kid)
		}
	}
	return nil
}

// credentialAt finds the credential id at a status entry through the admin
// API.
func credentialAt(t *testing.T, h *harness, uri string, idx int) string {
	t.Helper()
	q := url.Values{"status_list": {uri}, "index": {strconv.Itoa(idx)}}
	res := h.do(http.MethodGet, h.url+"/api/v1/credentials?"+q.Encode(), map[string]string{"Authorization": "Bearer " + h.apiKey}, nil)
	var out struct {
		Credentials []struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			StatusList struct {
				URI string `json:"uri"`
				Idx int    `json:"idx"`
			} `json:"status_list"`
		} `json:"credentials"`
	}
	res.JSON(t, &out)
	if res.Status != http.StatusOK || len(out.Credentials) != 1 || out.Credentials[0].StatusList.URI != uri || out.Credentials[0].StatusList.Idx != idx {
		t.Fatalf("credential at %s[%d]: got %d %s", uri, idx, res.Status, res.Body)
	}
	return out.Credentials[0].ID
}

// TestStatusListEndToEnd issues SD-JWT VCs over HTTP, reads their status
// entries, and revokes, suspends and unsuspends them through the admin API
// and the console, checking the published Status List Token each time, on
// both databases.
func TestStatusListEndToEnd(t *testing.T) { eachBackend(t, testStatusListEndToEnd) }

func testStatusListEndToEnd(t *testing.T, h *harness) {
	api := func(action, id string, body string) *response {
		t.Helper()
		return h.do(http.MethodPost, h.url+"/api/v1/credentials/"+id+"/"+action,
			map[string]string{"Authorization": "Bearer " + h.apiKey, "Content-Type": "application/json"}, strings.NewReader(body))
	}
	uriA, idxA := issueStatusCredential(t, h)
	uriB, idxB := issueStatusCredential(t, h)
	if uriA != uriB || idxA == idxB {
		t.Fatalf("two credentials at %s[%d] and %s[%d]: want one list, two entries", uriA, idxA, uriB, idxB)
	}
	if idxB == idxA+1 {
		t.Logf("indexes %d and %d happen to be adjacent", idxA, idxB)
	}
	tok := fetchStatusList(t, h, uriA)
	if tok.bits != 2 || tok.value(idxA) != 0 || tok.value(idxB) != 0 {
		t.Fatalf("fresh list: bits %d, entries %d %d; want 2 bits, both VALID", tok.bits, tok.value(idxA), tok.value(idxB))
	}
	etag := tok.res.Header.Get("ETag")
	if res := h.do(http.MethodGet, uriA, map[string]string{"If-None-Match": etag}, nil); etag == "" || res.Status != http.StatusNotModified {
		t.Errorf("conditional GET with ETag %q: got %d, want 304", etag, res.Status)
	}
	if res := h.do(http.MethodGet, uriA, map[string]string{"Accept": "text/html"}, nil); res.Status != http.StatusNotAcceptable {
		t.Errorf("GET asking for neither form: got %d, want 406", res.Status)
	}
	if res := h.getJSON(h.url + "/status/sl_unknown"); res.Status != http.StatusNotFound {
		t.Errorf("unknown list: got %d, want 404", res.Status)
	}

	a, b := credentialAt(t, h, uriA, idxA), credentialAt(t, h, uriB, idxB)

	// Revoke A through the admin API.
	if res := api("revoke", a, `{"reason":"device lost"}`); res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"status":"revoked"`) {
		t.Fatalf("revoke %s: got %d\n%s", a, res.Status, res.Body)
	}
	tok = fetchStatusList(t, h, uriA)
	if tok.value(idxA) != 1 || tok.value(idxB) != 0 {
		t.Fatalf("after revoking A: entries %d %d, want 1 (INVALID) and 0", tok.value(idxA), tok.value(idxB))
	}
	if tok.res.Header.Get("ETag") == etag {
		t.Error("the ETag did not change with the list")
	}
	t.Run("cwt", func(t *testing.T) {
		cwt := fetchStatusListCWT(t, h, uriA, "application/statuslist+cwt")
		if cwt.bits != tok.bits || !bytes.Equal(cwt.lst, tok.lst) || cwt.value(idxA) != 1 || cwt.value(idxB) != 0 {
			t.Errorf("CWT: bits %d, entries %d %d; want the JWT's list (%d bits), 1 (INVALID) and 0", cwt.bits, cwt.value(idxA), cwt.value(idxB), tok.bits)
		}
		if cwt.res.Header.Get("ETag") == tok.res.Header.Get("ETag") {
			t.Error("the CWT and JWT forms share an ETag")
		}
		if res := h.do(http.MethodGet, uriA, map[string]string{"If-None-Match": cwt.res.Header.Get("ETag"), "Accept": "application/statuslist+cwt"}, nil); res.Status != http.StatusNotModified {
			t.Errorf("conditional GET of the CWT: got %d, want 304", res.Status)
		}
		// Preferred by quality; the JWT stays the default on a tie.
		fetchStatusListCWT(t, h, uriA, "application/statuslist+jwt;q=0.5, application/statuslist+cwt")
		if res := h.do(http.MethodGet, uriA, map[string]string{"Accept": "application/statuslist+cwt, application/statuslist+jwt"}, nil); res.Header.Get("Content-Type") != "application/statuslist+jwt" {
			t.Errorf("Accept with both forms at q=1: Content-Type %q, want the JWT", res.Header.Get("Content-Type"))
		}
	})
	res := api("unsuspend", a, "")
	if res.Status != http.StatusConflict || res.errorCode(t) != "conflict" || !strings.Contains(string(res.Body), "revocation is final") {
		t.Errorf("unsuspend a revoked credential: got %d %s, want 409 saying revocation is final", res.Status, res.Body)
	}
	if res := api("suspend", a, ""); res.Status != http.StatusConflict {
		t.Errorf("suspend a revoked credential: got %d, want 409", res.Status)
	}

	// Suspend B in the console, unsuspend it through the API.
	reviewer := h.newBrowser(t, staff.RoleReviewer)
	if res := reviewer.postForm("/console/credentials/"+b+"/suspend", url.Values{}); res.Status != http.StatusForbidden {
		t.Errorf("a reviewer suspending: got %d, want 403", res.Status)
	}
	issuer := h.newBrowser(t, staff.RoleIssuer)
	res = issuer.postForm("/console/credentials/"+b+"/suspend", url.Values{"back": {"configuration_id=staff_badge"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/credentials?configuration_id=staff_badge" {
		t.Fatalf("console suspend: got %d to %q", res.Status, res.Header.Get("Location"))
	}
	if tok = fetchStatusList(t, h, uriB); tok.value(idxB) != 2 {
		t.Fatalf("after suspending B: entry %d, want 2 (SUSPENDED)", tok.value(idxB))
	}
	page := issuer.get("/console/credentials").doc(t)
	if got := strings.TrimSpace(page.Find("#cred-" + a + " .status .badge").First().Text()); got != "revoked" {
		t.Errorf("console badge of A = %q, want revoked", got)
	}
	if page.Find("#cred-"+b+` form[action$="/unsuspend"]`).Length() != 1 || page.Find("#cred-"+a+" form").Length() != 0 {
		t.Error("console actions: want Unsuspend on B and nothing on revoked A")
	}
	if res := api("unsuspend", b, ""); res.Status != http.StatusOK {
		t.Fatalf("unsuspend %s: got %d\n%s", b, res.Status, res.Body)
	}
	if tok = fetchStatusList(t, h, uriB); tok.value(idxB) != 0 || tok.value(idxA) != 1 {
		t.Fatalf("after unsuspending B: entries %d %d, want 1 and 0", tok.value(idxA), tok.value(idxB))
	}

	// Bulk revoke in the console: B changes, A (already revoked) is left.
	res = issuer.postForm("/console/credentials/bulk", url.Values{"action": {"revoke"}, "ids": {a, b}, "reason": {"offboarded"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("console bulk revoke: got %d", res.Status)
	}
	if tok = fetchStatusList(t, h, uriB); tok.value(idxB) != 1 {
		t.Fatalf("after bulk revoke: entry of B %d, want 1", tok.value(idxB))
	}
	evs, err := h.app.store.AuditEvents(t.Context(), "credential", b)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action+"/"+ev.Actor.Kind)
	}
	if want := "credential.suspended/staff credential.unsuspended/api_key credential.revoked/staff"; strings.Join(actions, " ") != want {
		t.Errorf("audit of B = %v, want %s", actions, want)
	}
	var shown map[string]any
	h.do(http.MethodGet, h.url+"/api/v1/credentials/"+b, map[string]string{"Authorization": "Bearer " + h.apiKey}, nil).JSON(t, &shown)
	if shown["status"] != "revoked" || shown["signing_key_id"] == "" {
		t.Errorf("GET credential = %v, want status revoked and the signing key id", shown)
	}
}
