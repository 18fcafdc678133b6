// Package delivery gets offers and their tx_codes to people: email over SMTP
// (the QR code inline), SMS through an HTTP webhook, and printed letters. All
// sends go through an outbox in the database worked by a background worker
// with retries and backoff.
package delivery
