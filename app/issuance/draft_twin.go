package issuance

import (
	"context"
	"errors"
	"slices"
	"strings"

	"credmint/app/credential"
)

// DraftTwinSuffix ends the id of the pre-1.0 twin of a configuration that
// sets draft_twin: staff_badge → staff_badge_vc_sd_jwt.
const DraftTwinSuffix = "_vc_sd_jwt"

// draftTwinner is implemented by formats whose credentials had another
// format identifier in the drafts (sdjwt: dc+sd-jwt was vc+sd-jwt). It
// returns that identifier, or "" when there is none.
type draftTwinner interface {
	DraftTwinFormat() string
}

// twinCatalog adds to a catalog the twins of the configurations that set
// draft_twin (SPEC §20, shim 6): the same configuration under the id
// <id>_vc_sd_jwt with the draft format identifier. A twin is published in
// the metadata, may be offered and requested like any configuration, and
// is issued by the draft format's plugin (sdjwt.NewDraft), so no code of
// the core knows one format from another. A real configuration of the
// same id wins over a twin.
type twinCatalog struct {
	Catalog
	formats *credential.Formats
}

// withDraftTwins wraps c; a nil catalog or registry stays as it is.
func withDraftTwins(c Catalog, formats *credential.Formats) Catalog {
	if c == nil || formats == nil {
		return c
	}
	if _, ok := c.(*twinCatalog); ok {
		return c
	}
	return &twinCatalog{Catalog: c, formats: formats}
}

// Enabled returns the enabled configurations and their twins, ordered by id.
func (t *twinCatalog) Enabled(ctx context.Context) ([]credential.Configuration, error) {
	configs, err := t.Catalog.Enabled(ctx)
	if err != nil {
		return nil, err
	}
	var twins []credential.Configuration
	for i := range configs {
		if tw := t.twin(&configs[i]); tw != nil && !hasConfiguration(configs, tw.ID) {
			twins = append(twins, *tw)
		}
	}
	if len(twins) == 0 {
		return configs, nil
	}
	all := append(slices.Clone(configs), twins...)
	slices.SortFunc(all, func(a, b credential.Configuration) int { return strings.Compare(a.ID, b.ID) })
	return all, nil
}

// Configuration returns the enabled configuration id or, when there is
// none, the twin id names.
func (t *twinCatalog) Configuration(ctx context.Context, id string) (*credential.Configuration, error) {
	cfg, err := t.Catalog.Configuration(ctx, id)
	if !errors.Is(err, credential.ErrUnknownConfiguration) {
		return cfg, err
	}
	base, ok := strings.CutSuffix(id, DraftTwinSuffix)
	if !ok {
		return nil, err
	}
	b, berr := t.Catalog.Configuration(ctx, base)
	if berr != nil {
		return nil, err
	}
	if tw := t.twin(b); tw != nil {
		return tw, nil
	}
	return nil, err
}

// twin returns the twin of c, nil when c sets no draft_twin or its format
// has no registered draft identifier.
func (t *twinCatalog) twin(c *credential.Configuration) *credential.Configuration {
	if !c.DraftTwin {
		return nil
	}
	f, ok := t.formats.Lookup(c.Format)
	if !ok {
		return nil
	}
	dt, ok := f.(draftTwinner)
	if !ok || dt.DraftTwinFormat() == "" {
		return nil
	}
	if _, ok := t.formats.Lookup(dt.DraftTwinFormat()); !ok {
		return nil
	}
	tw := *c
	tw.ID, tw.Format, tw.DraftTwin = c.ID+DraftTwinSuffix, dt.DraftTwinFormat(), false
	return &tw
}

func hasConfiguration(configs []credential.Configuration, id string) bool {
	return slices.ContainsFunc(configs, func(c credential.Configuration) bool { return c.ID == id })
}

// covers says whether tok covers cfg: its own id, or its twin's or base's.
// A configuration and its twin are one credential dataset in two encodings,
// so a token for one serves the other.
func covers(tok *AccessToken, cfg *credential.Configuration) bool {
	if slices.Contains(tok.ConfigurationIDs, cfg.ID) {
		return true
	}
	if base, ok := strings.CutSuffix(cfg.ID, DraftTwinSuffix); ok && slices.Contains(tok.ConfigurationIDs, base) {
		return true
	}
	return cfg.DraftTwin && slices.Contains(tok.ConfigurationIDs, cfg.ID+DraftTwinSuffix)
}

// twinBase is the configuration whose dataset a twin id issues: the base
// id for a twin id, id itself otherwise.
func twinBase(id string) string {
	if base, ok := strings.CutSuffix(id, DraftTwinSuffix); ok {
		return base
	}
	return id
}

// draftMembers adds to a metadata entry what draft wallets read: display at
// the top level, where drafts up to 15 had it (SPEC §20, shim 7). Entries of
// a draft format (twins) always get it, the others with compat.drafts; 1.0
// wallets ignore it. The draft 13 claims map is not published: ID2 wallets
// that parse every entry would fail on a map where they expect an array.
func (s *Service) draftMembers(c *credential.Configuration, e map[string]any) {
	if len(c.Display) == 0 || !(s.Drafts || isDraftFormat(s.Formats, c.Format)) {
		return
	}
	e["display"] = c.Display
}

// isDraftFormat says whether id is the draft identifier of a registered
// format (vc+sd-jwt).
func isDraftFormat(formats *credential.Formats, id string) bool {
	for _, fid := range formats.IDs() {
		f, _ := formats.Lookup(fid)
		if dt, ok := f.(draftTwinner); ok && dt.DraftTwinFormat() == id {
			return true
		}
	}
	return false
}
