package applicants

import (
	"context"
	"errors"
	"maps"
	"slices"

	"credmint/app/credential"
)

// Listing is a page of the applicants list with the filter's choices.
type Listing struct {
	Applicants []Applicant
	Cursors    Cursors
	// Configurations are the enabled configurations; Jobs the recent
	// imports.
	Configurations []credential.Configuration
	Jobs           []ImportJob
}

// RecentJobs is how many imports the list's filter offers.
const RecentJobs = 50

// Browse returns one page of the list (see List) with the choices of its
// filter. ErrBadCursor for a damaged page cursor.
func (s *Service) Browse(ctx context.Context, f Filter, p Page) (*Listing, error) {
	rows, cur, err := s.List(ctx, f, p)
	if err != nil {
		return nil, err
	}
	l := &Listing{Applicants: rows, Cursors: cur}
	if l.Configurations, err = s.Catalog.Enabled(ctx); err != nil {
		return nil, err
	}
	if l.Jobs, err = s.Store.ImportJobs(ctx, RecentJobs); err != nil {
		return nil, err
	}
	return l, nil
}

// Show returns an applicant with its claims as its page shows them: the
// configuration's claims in order, then any other data. Unlike Edit it
// works when the configuration is disabled (Configuration is nil then).
func (s *Service) Show(ctx context.Context, id string) (*EditForm, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	f := &EditForm{Applicant: a}
	cfg, err := s.Catalog.Configuration(ctx, a.ConfigurationID)
	if err != nil && !errors.Is(err, credential.ErrUnknownConfiguration) {
		return nil, err
	}
	shown := map[string]bool{}
	if cfg != nil {
		f.Configuration = cfg
		for _, t := range Targets(cfg) {
			var v any
			if vals := credential.Select(a.Claims, t.Path); len(vals) == 1 {
				v = vals[0]
			}
			f.Claims = append(f.Claims, ClaimValue{t, format(v)})
			shown[credential.PathString(t.Path[:1])] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.Claims)) {
		if !shown[k] {
			f.Claims = append(f.Claims, ClaimValue{ClaimTarget{Path: []any{k}, Key: k, Label: k}, format(a.Claims[k])})
		}
	}
	return f, nil
}

// JobPage is an import as its page shows it.
type JobPage struct {
	Job *ImportJob
	// Preview is the mapping screen of a draft, when asked for.
	Preview *Preview
	// Errors are the stored row errors after the row asked for.
	Errors []RowError
	// Configuration names the job's configuration ("" when disabled).
	Configuration string
}

// JobPageErrors is how many row errors a job page shows at a time.
const JobPageErrors = 200

// JobPage returns import id with, for a draft and withPreview, its preview,
// and otherwise its row errors after afterRow.
func (s *Service) JobPage(ctx context.Context, id string, withPreview bool, afterRow int) (*JobPage, error) {
	j, err := s.Store.ImportJob(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &JobPage{Job: j}
	if cfg, err := s.Catalog.Configuration(ctx, j.ConfigurationID); err == nil {
		p.Configuration = DisplayName(cfg)
	}
	if j.State == JobDraft && withPreview {
		p.Preview, err = s.Preview(ctx, id, nil)
		return p, err
	}
	p.Errors, err = s.Store.ImportJobErrors(ctx, id, afterRow, JobPageErrors)
	return p, err
}

// DisplayName is the English (or first) display name of cfg, else its id.
func DisplayName(cfg *credential.Configuration) string {
	for _, d := range cfg.Display {
		if d.Locale == "" || d.Locale == "en" || len(d.Locale) > 2 && d.Locale[:3] == "en-" {
			return d.Name
		}
	}
	if len(cfg.Display) > 0 {
		return cfg.Display[0].Name
	}
	return cfg.ID
}
