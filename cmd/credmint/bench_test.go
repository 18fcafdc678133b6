package main

import (
	"net/http"
	"testing"
)

// BenchmarkPreAuthorizedFlow runs complete flows over real HTTP against an
// in-process server on SQLite (client and server share the process; use
// `credmint bench` to measure the server alone).
func BenchmarkPreAuthorizedFlow(b *testing.B) {
	h := newHarness(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.RunParallel(func(pb *testing.PB) {
		w, err := newBenchWallet(client, h.url, h.apiKey)
		if err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			if err := w.flow(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
