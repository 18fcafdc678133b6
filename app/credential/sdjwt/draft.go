package sdjwt

// DraftFormatID is the format identifier SD-JWT VCs had in OID4VCI up to
// draft 14 (ID1 included) and the typ of their issuer-signed JWT then
// (SD-JWT VC up to draft -05). Wallets from before November 2024 know only
// this one (SPEC §20).
const DraftFormatID = "vc+sd-jwt"

// NewDraft returns the vc+sd-jwt format plugin: the same credential as New,
// with DraftFormatID as format identifier and typ. It serves the
// "<id>_vc_sd_jwt" twins of dc+sd-jwt configurations that set draft_twin,
// and configurations that name vc+sd-jwt themselves.
func NewDraft() *Format { return &Format{draft: true} }

// Hidden reports whether this is the draft plugin (vc+sd-jwt): it is reached
// through draft_twin, so the console does not offer it for new
// configurations (credential.Hider).
func (f *Format) Hidden() bool { return f.draft }

// ConfigurationFields names the format-specific configuration fields the
// plugin uses (credential.Fielder): vct, and draft_twin for dc+sd-jwt (the
// draft format has no twin of its own).
func (f *Format) ConfigurationFields() []string {
	if f.draft {
		return []string{"vct"}
	}
	return []string{"vct", "draft_twin"}
}

// DraftTwinFormat is the format identifier of the pre-1.0 twin of a
// configuration of this format: vc+sd-jwt for dc+sd-jwt, none ("") for
// vc+sd-jwt itself.
func (f *Format) DraftTwinFormat() string {
	if f.draft {
		return ""
	}
	return DraftFormatID
}
