package issuance

import (
	"cmp"

	"credmint/app/credential"
)

// txCodeDefaults merges the tx_code defaults of the offered configurations
// over the issuer's policy. A tx_code is required by default when any offered
// configuration requires one (a configuration without its own default
// follows the issuer's policy): the strictest wins. Each setting comes from
// the first configuration that sets it, else from the issuer's settings.
func (s *Service) txCodeDefaults(configs []*credential.Configuration) (bool, TxCode) {
	required := false
	var own TxCode
	for _, c := range configs {
		if c.TxCode == nil {
			required = required || s.Policy.TxCodeByDefault
			continue
		}
		required = required || c.TxCode.Required
		own.InputMode = cmp.Or(own.InputMode, c.TxCode.InputMode)
		own.Length = cmp.Or(own.Length, c.TxCode.Length)
		own.Description = cmp.Or(own.Description, c.TxCode.Description)
	}
	if len(configs) == 0 {
		required = s.Policy.TxCodeByDefault
	}
	def := s.Policy.TxCodeDefaults
	return required, TxCode{
		InputMode:   cmp.Or(own.InputMode, def.InputMode),
		Length:      cmp.Or(own.Length, def.Length),
		Description: cmp.Or(own.Description, def.Description),
	}
}

// PreviewConfiguration returns the credential_configurations_supported
// entry the issuer metadata would publish for c, after checking c as it
// would be saved. The error is a *credential.FieldError.
func (s *Service) PreviewConfiguration(c credential.Configuration) (map[string]any, error) {
	c.Normalize()
	if err := c.Validate(s.Formats); err != nil {
		return nil, err
	}
	f, _ := s.Formats.Lookup(c.Format) // Validate checked it
	return configurationMetadata(&c, f), nil
}
