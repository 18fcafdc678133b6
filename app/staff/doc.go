// Package staff owns the people who use the operator console: accounts with
// a role, password login (bcrypt) throttled per account and per address,
// and database-backed sessions whose ids are stored only as hashes, so any
// credmint process can serve any staff member.
package staff
