package main

import (
	"net/http"
	"sync"
	"testing"

	"credmint/db/dbtest"
)

// TestConcurrentRedemption redeems one pre-authorized code from 50
// goroutines at once over HTTP: exactly one gets an access token, on SQLite
// and on PostgreSQL.
func TestConcurrentRedemption(t *testing.T) {
	for _, backend := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return dbtest.PostgresURL(t) }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			h := newHarnessWithDB(t, backend.url(t))
			w := newWallet(t, h)
			for _, txPolicy := range []any{"none", nil} {
				body := staffBadgeOffer()
				if txPolicy != nil {
					body["tx_code"] = txPolicy
				}
				created := h.createOffer(body)
				code := w.resolveOffer(created.OfferURI).Grants.PreAuth.Code
				form := map[string]string{"grant_type": preAuthGrant, "pre-authorized_code": code}
				if created.TxCode != "" {
					form["tx_code"] = created.TxCode
				}
				const n = 50
				statuses := make([]int, n)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range n {
					wg.Go(func() {
						<-start
						statuses[i] = h.postForm(h.url+"/token", form).Status
					})
				}
				close(start)
				wg.Wait()
				ok, refused := 0, 0
				for _, s := range statuses {
					switch s {
					case http.StatusOK:
						ok++
					case http.StatusBadRequest:
						refused++
					}
				}
				if ok != 1 || refused != n-1 {
					t.Fatalf("tx_code %v: got %d tokens and %d refusals, want 1 and %d (statuses %v)", txPolicy, ok, refused, n-1, statuses)
				}
			}
		})
	}
}
