package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"credmint/app/applicants"
	"credmint/app/audit"
)

var _ applicants.Store = (*Store)(nil)

// applicantRow is a row of applicants. Flags is a JSON array of strings;
// ExternalID and ImportJobID are NULL when empty.
type applicantRow struct {
	ID              string    `gorm:"column:id;primaryKey"`
	ConfigurationID string    `gorm:"column:configuration_id"`
	ExternalID      *string   `gorm:"column:external_id"`
	Name            string    `gorm:"column:name"`
	NameKey         string    `gorm:"column:name_key"`
	Email           string    `gorm:"column:email"`
	EmailKey        string    `gorm:"column:email_key"`
	Phone           string    `gorm:"column:phone"`
	Address         string    `gorm:"column:address"`
	ClaimsSealed    []byte    `gorm:"column:claims_sealed"`
	Flags           string    `gorm:"column:flags"`
	Flagged         bool      `gorm:"column:flagged"`
	ImportJobID     *string   `gorm:"column:import_job_id"`
	ImportRow       int       `gorm:"column:import_row"`
	CreatedAt       time.Time `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (applicantRow) TableName() string { return "applicants" }

// applicantColumns are the columns of a list; the sealed claims only when
// asked for.
const applicantColumns = "id, configuration_id, external_id, name, name_key, email, email_key, phone, address, flags, flagged, import_job_id, import_row, created_at, updated_at"

func toApplicantRow(a *applicants.Applicant) (applicantRow, error) {
	flags, err := encodeJSON("applicants.flags", nonNil(a.Flags))
	if err != nil {
		return applicantRow{}, err
	}
	return applicantRow{
		ID: a.ID, ConfigurationID: a.ConfigurationID, ExternalID: nullIfEmpty(a.ExternalID),
		Name: a.Name, NameKey: applicants.NameKey(a.Name), Email: a.Email, EmailKey: applicants.EmailKey(a.Email),
		Phone: a.Phone, Address: a.Address, ClaimsSealed: a.ClaimsSealed, Flags: flags, Flagged: len(a.Flags) > 0,
		ImportJobID: nullIfEmpty(a.ImportJobID), ImportRow: a.ImportRow, CreatedAt: utc(a.CreatedAt), UpdatedAt: utc(a.UpdatedAt),
	}, nil
}

func (r *applicantRow) applicant() (applicants.Applicant, error) {
	flags, err := decodeStrings("applicants.flags", r.Flags)
	if err != nil {
		return applicants.Applicant{}, err
	}
	return applicants.Applicant{
		ID: r.ID, ConfigurationID: r.ConfigurationID, ExternalID: emptyIfNull(r.ExternalID),
		Name: r.Name, Email: r.Email, Phone: r.Phone, Address: r.Address, ClaimsSealed: nilIfEmpty(r.ClaimsSealed),
		Flags: flags, ImportJobID: emptyIfNull(r.ImportJobID), ImportRow: r.ImportRow,
		CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt),
	}, nil
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// Applicant returns the applicant with id, claims sealed, or
// applicants.ErrNotFound.
func (s *Store) Applicant(ctx context.Context, id string) (*applicants.Applicant, error) {
	var row applicantRow
	err := s.read(ctx).Where("id = ?", id).Take(&row).Error
	switch {
	case isNotFound(err):
		return nil, applicants.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("db: read applicant: %w", err)
	}
	a, err := row.applicant()
	return &a, err
}

// ApplicantNames returns the names of the applicants with the given ids, in
// one query per 500 ids; ids that do not exist are absent from the map.
func (s *Store) ApplicantNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var rows []struct{ ID, Name string }
		if err := s.read(ctx).Table("applicants").Select("id, name").Where("id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("db: read applicant names: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = r.Name
		}
	}
	return out, nil
}

// ApplicantAddressees returns the names and postal addresses of the
// applicants with ids (claims are not read); unknown ids are absent.
func (s *Store) ApplicantAddressees(ctx context.Context, ids []string) (map[string]applicants.Addressee, error) {
	out := make(map[string]applicants.Addressee, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var rows []struct{ ID, Name, Address string }
		if err := s.read(ctx).Table("applicants").Select("id, name, address").Where("id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("db: read applicant addresses: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = applicants.Addressee{Name: r.Name, Address: r.Address}
		}
	}
	return out, nil
}

// ApplicantBy returns the applicant of configurationID whose email address
// (compared as applicants.EmailKey, by the email_key index) or external id
// (exactly, by the unique index) is value. applicants.ErrNotFound when none,
// applicants.ErrConflict when several share an email address.
func (s *Store) ApplicantBy(ctx context.Context, configurationID, field, value string) (*applicants.Applicant, error) {
	q := s.read(ctx).Where("configuration_id = ?", configurationID)
	switch field {
	case applicants.MatchEmail:
		q = q.Where("email_key = ?", applicants.EmailKey(value))
	case applicants.MatchExternalID:
		q = q.Where("external_id = ?", value)
	default:
		return nil, fmt.Errorf("db: applicant by %q: not a matching field", field)
	}
	var rows []applicantRow
	if err := q.Order("id").Limit(2).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: applicant by %s: %w", field, err)
	}
	switch len(rows) {
	case 0:
		return nil, applicants.ErrNotFound
	case 1:
		a, err := rows[0].applicant()
		return &a, err
	}
	return nil, applicants.ErrConflict
}

// prefixEnd is the smallest string greater than every string that starts
// with p, for an index range p <= x < prefixEnd(p). Both dialects compare
// these columns bytewise (SQLite BINARY, PostgreSQL COLLATE "C").
func prefixEnd(p string) string { return p + "\U0010FFFF" }

// Applicants reads one keyset page (see applicants.ListQuery). Each filter
// and order has an index: (created_at, id), (configuration_id, created_at,
// id), (import_job_id, created_at, id), the partial index of flagged rows,
// (name_key, id); a search unions the ranges of name_key, email_key and
// external_id.
func (s *Store) Applicants(ctx context.Context, q applicants.ListQuery) ([]applicants.Applicant, error) {
	var rows []applicantRow
	if err := s.applicantsQuery(s.read(ctx), q).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: list applicants: %w", err)
	}
	out := make([]applicants.Applicant, len(rows))
	for i := range rows {
		a, err := rows[i].applicant()
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// applicantsQuery builds the query of one keyset page on tx.
func (s *Store) applicantsQuery(tx *gorm.DB, q applicants.ListQuery) *gorm.DB {
	cols := applicantColumns
	if q.WithClaims {
		cols += ", claims_sealed"
	}
	tx = tx.Table("applicants").Select(cols)
	f := q.Filter
	if f.ConfigurationID != "" {
		tx = tx.Where("configuration_id = ?", f.ConfigurationID)
	}
	if f.ImportJobID != "" {
		tx = tx.Where("import_job_id = ?", f.ImportJobID)
	}
	if f.Flagged {
		// Literal, so that the planner matches the partial index.
		if s.dialect == DialectPostgres {
			tx = tx.Where("flagged")
		} else {
			tx = tx.Where("flagged = 1")
		}
	}
	if query := strings.TrimSpace(f.Query); query != "" {
		name, email := applicants.NameKey(query), applicants.EmailKey(query)
		tx = tx.Where("((name_key >= ? AND name_key < ?) OR (email_key >= ? AND email_key < ?) OR (external_id >= ? AND external_id < ?))",
			name, prefixEnd(name), email, prefixEnd(email), query, prefixEnd(query))
	}
	// Newest first is (created_at, id) descending; by name is (name_key,
	// id) ascending. Backward walks the other way from the key.
	desc := q.Sort != applicants.SortName
	if q.Backward {
		desc = !desc
	}
	cmp, dir := ">", "ASC"
	if desc {
		cmp, dir = "<", "DESC"
	}
	if q.Sort == applicants.SortName {
		if q.After != nil {
			tx = tx.Where("(name_key, id) "+cmp+" (?, ?)", q.After.NameKey, q.After.ID)
		}
		tx = tx.Order("name_key " + dir).Order("id " + dir)
	} else {
		if q.After != nil {
			tx = tx.Where("(created_at, id) "+cmp+" (?, ?)", utc(q.After.CreatedAt), q.After.ID)
		}
		tx = tx.Order("created_at " + dir).Order("id " + dir)
	}
	return tx.Limit(q.Limit)
}

// CreateApplicant inserts a and ev in one transaction;
// applicants.ErrConflict when the external id is taken.
func (s *Store) CreateApplicant(ctx context.Context, a *applicants.Applicant, ev audit.Event) error {
	row, err := toApplicantRow(a)
	if err != nil {
		return err
	}
	err = s.insertAudited(ctx, &row, ev)
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: create applicant: %w", applicants.ErrConflict)
	case err != nil:
		return fmt.Errorf("db: create applicant: %w", err)
	}
	return nil
}

// UpdateApplicant writes the editable fields of a and ev in one
// transaction.
func (s *Store) UpdateApplicant(ctx context.Context, a *applicants.Applicant, ev audit.Event) error {
	row, err := toApplicantRow(a)
	if err != nil {
		return err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&applicantRow{}).Where("id = ?", a.ID).Updates(map[string]any{
			"external_id": row.ExternalID, "name": row.Name, "name_key": row.NameKey, "email": row.Email,
			"email_key": row.EmailKey, "phone": row.Phone, "address": row.Address, "claims_sealed": row.ClaimsSealed,
			"flags": row.Flags, "flagged": row.Flagged, "updated_at": row.UpdatedAt,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return applicants.ErrNotFound
		}
		return insertAudit(tx, ev)
	})
	switch {
	case isDuplicate(err):
		return fmt.Errorf("db: update applicant: %w", applicants.ErrConflict)
	case err == applicants.ErrNotFound:
		return err
	case err != nil:
		return fmt.Errorf("db: update applicant: %w", err)
	}
	return nil
}

// DeleteApplicant deletes the applicant with id and writes ev, in one
// transaction.
func (s *Store) DeleteApplicant(ctx context.Context, id string, ev audit.Event) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&applicantRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return applicants.ErrNotFound
		}
		return insertAudit(tx, ev)
	})
	switch {
	case err == applicants.ErrNotFound:
		return err
	case err != nil:
		return fmt.Errorf("db: delete applicant: %w", err)
	}
	return nil
}

// ExistingExternalIDs returns which of ids are taken in the configuration.
func (s *Store) ExistingExternalIDs(ctx context.Context, configurationID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(ids); start += 1000 {
		batch := ids[start:min(len(ids), start+1000)]
		var found []string
		err := s.read(ctx).Table("applicants").Where("configuration_id = ? AND external_id IN ?", configurationID, batch).
			Pluck("external_id", &found).Error
		if err != nil {
			return nil, fmt.Errorf("db: existing external ids: %w", err)
		}
		for _, id := range found {
			out[id] = true
		}
	}
	return out, nil
}

// CountApplicants returns how many applicants exist.
func (s *Store) CountApplicants(ctx context.Context) (int64, error) {
	var n int64
	if err := s.read(ctx).Model(&applicantRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("db: count applicants: %w", err)
	}
	return n, nil
}
