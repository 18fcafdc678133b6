package config

// CompatConfig turns on compatibility with wallets that still speak the
// drafts of OID4VCI before 1.0 (SPEC §20; docs/formats.md, "Draft wallets").
// A single wallet is marked with wallet_clients[].pre_1_0 instead.
type CompatConfig struct {
	// Drafts treats every wallet as possibly a draft one: every token
	// response carries c_nonce and c_nonce_expires_in (1.0 wallets ignore
	// them), and credential requests in the draft 13 / ID2 shapes (proof,
	// format + vct/doctype/credential_definition) are accepted from anyone
	// and answered in the draft shape. Off by default: draft-shaped
	// requests from wallets not marked pre_1_0 are refused.
	Drafts bool `yaml:"drafts" env:"DRAFTS"`
}
