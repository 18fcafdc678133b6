// Package applicants owns the people credentials are issued to, as the
// issuer uploaded them: records with a credential dataset per credential
// configuration, CSV/JSON import jobs that run in the background and survive
// restarts, and search with keyset pagination.
package applicants
