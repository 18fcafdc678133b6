// Package access owns the credentials back-office systems use to call the
// admin API: API keys. A key is shown once when created and stored only as
// its SHA-256 hash.
package access
