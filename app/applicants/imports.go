package applicants

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"credmint/app/audit"
	"credmint/app/credential"
)

// ValidationError lists what is wrong with a form, keyed by form field
// name ("" for the form as a whole).
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("applicants: %d invalid fields", len(e.Fields))
}

func invalid(field, msg string) *ValidationError {
	return &ValidationError{Fields: map[string]string{field: msg}}
}

// UploadRequest is an uploaded file for a configuration.
type UploadRequest struct {
	ConfigurationID string
	FileName        string
	Data            []byte
}

// Upload reads the file, guesses its mapping and stores it, sealed, as a
// draft import job. Nothing is imported until Start. A file that cannot be
// read is a *ValidationError on field "file".
func (s *Service) Upload(ctx context.Context, req UploadRequest) (*ImportJob, error) {
	cfg, err := s.configuration(ctx, "configuration_id", req.ConfigurationID)
	if err != nil {
		return nil, err
	}
	src, err := readSource(req.Data)
	var fe *FileError
	if errors.As(err, &fe) {
		return nil, invalid("file", strings.ToUpper(fe.Reason[:1])+fe.Reason[1:]+".")
	} else if err != nil {
		return nil, err
	}
	if len(src.Rows) == 0 {
		return nil, invalid("file", "The file has no rows, only a header.")
	}
	now := s.now()
	j := &ImportJob{
		ConfigurationID: cfg.ID, FileName: cleanFileName(req.FileName), Format: src.Format, FileSize: int64(len(req.Data)),
		Mapping: Guess(cfg, src.Columns), OnError: OnErrorSkip, State: JobDraft, Total: len(src.Rows),
		CreatedBy: audit.ActorFrom(ctx).ID, CreatedAt: now, UpdatedAt: now,
	}
	if j.ID, err = s.ids.next("imp_", now); err != nil {
		return nil, err
	}
	if j.FileSealed, err = s.Sealer.Seal(req.Data, []byte(j.ID)); err != nil {
		return nil, fmt.Errorf("applicants: sealing upload: %w", err)
	}
	ev := audit.New(ctx, now, "import_job.uploaded", "import_job", j.ID, map[string]string{
		"configuration_id": cfg.ID, "format": src.Format, "rows": strconv.Itoa(len(src.Rows)), "bytes": strconv.Itoa(len(req.Data)),
	})
	if err := s.Store.CreateImportJob(ctx, j, ev); err != nil {
		return nil, err
	}
	j.FileSealed = nil
	return j, nil
}

// cleanFileName keeps the base name of an upload, printable, at most 200
// bytes.
func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if isControl(r) || r == '\n' || r == '\t' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" {
		name = ""
	}
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// configuration returns the enabled configuration id; an unknown one is a
// *ValidationError on field.
func (s *Service) configuration(ctx context.Context, field, id string) (*credential.Configuration, error) {
	cfg, err := s.Catalog.Configuration(ctx, id)
	if errors.Is(err, credential.ErrUnknownConfiguration) {
		return nil, invalid(field, "Choose a credential configuration.")
	}
	return cfg, err
}

// Configurations lists the configurations applicants can be uploaded for.
func (s *Service) Configurations(ctx context.Context) ([]credential.Configuration, error) {
	return s.Catalog.Enabled(ctx)
}

// PreviewRows is how many rows a preview shows.
const PreviewRows = 10

// Preview is the mapping screen of a draft: its columns, the mapping, the
// first rows as they would be imported and every bad row of the file.
type Preview struct {
	Job           *ImportJob
	Configuration *credential.Configuration
	Columns       []string
	Targets       []ClaimTarget
	Mapping       Mapping
	// MappingErrors are keyed by form field name, as ValidationError.
	MappingErrors map[string]string
	Rows          []PreviewRow
	// Errors are the bad rows of the whole file, at most MaxRowErrors.
	Errors            []RowError
	Total, Valid, Bad int
}

// PreviewRow is a row as it would be imported.
type PreviewRow struct {
	Row                                     int
	ExternalID, Name, Email, Phone, Address string
	// Claims are the values of Targets, formatted.
	Claims   []string
	Problems []string
	Flags    []string
}

// Preview checks the whole file of draft id with mapping m (nil: the
// job's mapping) and shows what an import would do. Nothing is saved.
func (s *Service) Preview(ctx context.Context, id string, m *Mapping) (*Preview, error) {
	j, src, cfg, err := s.draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = &j.Mapping
	}
	return s.preview(ctx, j, src, cfg, *m)
}

// draft loads a draft job, its file and configuration; ErrConflict when the
// job is not a draft any more.
func (s *Service) draft(ctx context.Context, id string) (*ImportJob, *Source, *credential.Configuration, error) {
	j, err := s.Store.ImportJob(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if j.State != JobDraft {
		return nil, nil, nil, fmt.Errorf("applicants: import %s is %s, not a draft: %w", id, j.State, ErrConflict)
	}
	src, err := s.source(ctx, j)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := s.Catalog.Configuration(ctx, j.ConfigurationID)
	if errors.Is(err, credential.ErrUnknownConfiguration) {
		return nil, nil, nil, fmt.Errorf("applicants: configuration %s of import %s is disabled: %w", j.ConfigurationID, id, ErrConflict)
	} else if err != nil {
		return nil, nil, nil, fmt.Errorf("applicants: configuration of import %s: %w", id, err)
	}
	return j, src, cfg, nil
}

// source opens and parses the file of job j.
func (s *Service) source(ctx context.Context, j *ImportJob) (*Source, error) {
	sealed, err := s.Store.ImportJobFile(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	data, err := s.Sealer.Open(sealed, []byte(j.ID))
	if err != nil {
		return nil, fmt.Errorf("applicants: opening the file of import %s: %w", j.ID, err)
	}
	return readSource(data)
}

func (s *Service) preview(ctx context.Context, j *ImportJob, src *Source, cfg *credential.Configuration, m Mapping) (*Preview, error) {
	p := &Preview{Job: j, Configuration: cfg, Columns: src.Columns, Targets: Targets(cfg), Mapping: m, Total: len(src.Rows)}
	mp, errs := compile(cfg, src.Columns, m)
	if errs != nil {
		p.MappingErrors = errs
		return p, nil
	}
	chk, err := s.check(ctx, mp, src)
	if err != nil {
		return nil, err
	}
	for i := range src.Rows {
		r := chk.row(i)
		if len(r.Problems) > 0 {
			p.Bad++
			if len(p.Errors) < MaxRowErrors {
				p.Errors = append(p.Errors, RowError{Row: src.RowNumbers[i], Message: strings.Join(r.Problems, "; ")})
			}
		}
		if i < PreviewRows {
			p.Rows = append(p.Rows, previewRow(p.Targets, src.RowNumbers[i], r))
		}
	}
	p.Valid = p.Total - p.Bad
	return p, nil
}

func previewRow(targets []ClaimTarget, row int, r mapped) PreviewRow {
	pr := PreviewRow{Row: row, ExternalID: r.ExternalID, Name: r.Name, Email: r.Email, Phone: r.Phone, Address: r.Address,
		Problems: r.Problems, Flags: r.Flags}
	for _, t := range targets {
		var v any
		if vals := credential.Select(r.Claims, t.Path); len(vals) == 1 {
			v = vals[0]
		}
		pr.Claims = append(pr.Claims, format(v))
	}
	return pr
}

// checker maps the rows of a file and finds duplicate external ids, in
// the file and, when asked, in the database.
type checker struct {
	mp  *mapper
	src *Source
	// firstRow maps an external id to the first row (its number) that has
	// it; a later row with the same id is a duplicate.
	firstRow map[string]int
	// taken are the external ids already in the database.
	taken map[string]bool
}

// check prepares a checker over the whole file, with the database's
// external ids.
func (s *Service) check(ctx context.Context, mp *mapper, src *Source) (*checker, error) {
	c := &checker{mp: mp, src: src, firstRow: map[string]int{}}
	if mp.external < 0 {
		return c, nil
	}
	var ids []string
	for i, row := range src.Rows {
		id, ok := text(row[mp.external])
		if !ok || id == "" {
			continue
		}
		if _, seen := c.firstRow[id]; !seen {
			c.firstRow[id] = src.RowNumbers[i]
			ids = append(ids, id)
		}
	}
	var err error
	c.taken, err = s.Store.ExistingExternalIDs(ctx, mp.cfg.ID, ids)
	return c, err
}

// row maps row i and adds the duplicate problems.
func (c *checker) row(i int) mapped {
	r := c.mp.row(c.src.Rows[i])
	if c.src.Extra[i] {
		r.Problems = append(r.Problems, "the row has more fields than the header")
	}
	if r.ExternalID != "" {
		if first := c.firstRow[r.ExternalID]; first != 0 && first != c.src.RowNumbers[i] {
			r.Problems = append(r.Problems, fmt.Sprintf("external id: the same as in row %d", first))
		} else if c.taken[r.ExternalID] {
			r.Problems = append(r.Problems, msgTaken)
		}
	}
	return r
}

// msgTaken is the problem of a row whose external id exists already.
const msgTaken = "external id: an applicant with this external id exists already for this configuration"

// StartRequest starts a draft.
type StartRequest struct {
	Mapping Mapping
	OnError string
}

// Start checks the whole file with the mapping and, when it can be
// imported, makes the draft a pending job for the import worker. A
// *ValidationError (with the preview, for showing it again) says why not.
func (s *Service) Start(ctx context.Context, id string, req StartRequest) (*Preview, error) {
	j, src, cfg, err := s.draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if req.OnError != OnErrorCancel {
		req.OnError = OnErrorSkip
	}
	p, err := s.preview(ctx, j, src, cfg, req.Mapping)
	if err != nil {
		return nil, err
	}
	switch {
	case len(p.MappingErrors) > 0:
		return p, &ValidationError{Fields: p.MappingErrors}
	case p.Valid == 0:
		return p, invalid("", "No row of the file can be imported: correct the mapping or the file.")
	}
	now := s.now()
	ev := audit.New(ctx, now, "import_job.started", "import_job", id, map[string]string{
		"configuration_id": cfg.ID, "rows": strconv.Itoa(p.Total), "bad_rows": strconv.Itoa(p.Bad), "on_error": req.OnError,
	})
	if err := s.Store.StartImportJob(ctx, id, req.Mapping, req.OnError, p.Total, now, ev); err != nil {
		return nil, err
	}
	p.Job.State, p.Job.OnError = JobPending, req.OnError
	return p, nil
}

// Cancel ends a draft (discarding the upload), pending or running import;
// rows imported so far stay. ErrConflict when it has ended already.
func (s *Service) Cancel(ctx context.Context, id string) error {
	j, err := s.Store.ImportJob(ctx, id)
	if err != nil {
		return err
	}
	now := s.now()
	action, reason := "import_job.cancelled", "cancelled by staff"
	if j.State == JobDraft {
		action, reason = "import_job.discarded", "the upload was discarded"
	}
	ev := audit.New(ctx, now, action, "import_job", id, map[string]string{"state": string(j.State)})
	return s.Store.CancelImportJob(ctx, id, reason, now, ev)
}

// Job returns the import job id (without its file).
func (s *Service) Job(ctx context.Context, id string) (*ImportJob, error) {
	return s.Store.ImportJob(ctx, id)
}

// Jobs lists the most recent import jobs, newest first.
func (s *Service) Jobs(ctx context.Context, limit int) ([]ImportJob, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	return s.Store.ImportJobs(ctx, limit)
}

// JobErrors returns the row errors of job id after row afterRow, at most
// limit (1 to 1000).
func (s *Service) JobErrors(ctx context.Context, id string, afterRow, limit int) ([]RowError, error) {
	limit = min(max(limit, 1), 1000)
	return s.Store.ImportJobErrors(ctx, id, afterRow, limit)
}
