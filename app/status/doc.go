// Package status keeps the Token Status List of issued credentials
// (draft-ietf-oauth-status-list -14, pinned by HAIP 1.0): it reserves an
// entry for every credential at an unpredictable index of a list with room
// (§13.2, HAIP §6.1), changes entries when staff revoke, suspend or
// unsuspend credentials (§7.1 status values VALID, INVALID, SUSPENDED), and
// signs the Status List Token that verifiers fetch from the list's URI, as
// a JWT (§5.1, typ statuslist+jwt) or a CWT (§5.2, COSE_Sign1 with type
// application/statuslist+cwt, cwt.go). Persistence is the Store interface
// (db).
//
// No gin, gorm or templ here.
package status
