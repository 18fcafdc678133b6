package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/issuance"
)

// Read-only queries of the operator console: the audit log, the issued
// credentials and the dashboard's daily counts. Lists are keyset-paginated
// along an index; nothing uses OFFSET, and the dashboard aggregates in the
// database.

// auditLogRow is an audit_events row with the readable name of its actor.
type auditLogRow struct {
	Row          auditRow `gorm:"embedded"`
	ActorEmail   *string  `gorm:"column:actor_email"`
	ActorKeyName *string  `gorm:"column:actor_key_name"`
}

func (r *auditLogRow) entry() (audit.Entry, error) {
	ev, err := r.Row.event()
	if err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{ID: r.Row.ID, Event: ev, ActorName: emptyIfNull(r.ActorEmail) + emptyIfNull(r.ActorKeyName)}, nil
}

// auditLogQuery is the filtered audit log with actor names, unordered.
func (s *Store) auditLogQuery(ctx context.Context, q audit.Query) *gorm.DB {
	tx := s.read(ctx).Table("audit_events AS ae").
		Select(`ae.id, ae.at, ae.actor_kind, ae.actor_id, ae.remote_addr, ae.request_id, ae.action,
			ae.subject_type, ae.subject_id, ae.details, su.email AS actor_email, ak.name AS actor_key_name`).
		Joins("LEFT JOIN staff_users su ON ae.actor_kind = ? AND su.id = ae.actor_id", audit.ActorStaff).
		Joins("LEFT JOIN api_keys ak ON ae.actor_kind = ? AND ak.id = ae.actor_id", audit.ActorAPIKey)
	if q.ActorKind != "" {
		tx = tx.Where("ae.actor_kind = ?", q.ActorKind)
	}
	if a := strings.TrimSpace(q.Actor); a != "" {
		tx = tx.Where(`(ae.actor_id = ? OR ae.actor_id IN (SELECT id FROM staff_users WHERE email = ?)
			OR ae.actor_id IN (SELECT id FROM api_keys WHERE name = ?))`, a, strings.ToLower(a), a)
	}
	if a := strings.TrimSpace(q.Action); a != "" {
		if prefix, ok := strings.CutSuffix(a, "*"); ok {
			tx = tx.Where(`ae.action LIKE ? ESCAPE '\'`, likePrefix(prefix))
		} else {
			tx = tx.Where("ae.action = ?", a)
		}
	}
	if q.SubjectType != "" {
		tx = tx.Where("ae.subject_type = ?", q.SubjectType)
	}
	if q.SubjectID != "" {
		tx = tx.Where("ae.subject_id = ?", strings.TrimSpace(q.SubjectID))
	}
	if !q.From.IsZero() {
		tx = tx.Where("ae.at >= ?", utc(q.From))
	}
	if !q.To.IsZero() {
		tx = tx.Where("ae.at < ?", utc(q.To))
	}
	return tx
}

// likePrefix returns a LIKE pattern matching strings that start with p.
func likePrefix(p string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(p) + "%"
}

// AuditLog returns one page of the events q selects, newest first, with the
// cursors of the neighbouring pages. It reads one row more than the page to
// know whether there is a next one.
func (s *Store) AuditLog(ctx context.Context, q audit.Query) (audit.Page, error) {
	limit := q.PageLimit()
	tx := s.auditLogQuery(ctx, q)
	newer := q.After != 0
	switch {
	case newer:
		tx = tx.Where("ae.id > ?", q.After).Order("ae.id ASC")
	case q.Before != 0:
		tx = tx.Where("ae.id < ?", q.Before).Order("ae.id DESC")
	default:
		tx = tx.Order("ae.id DESC")
	}
	var rows []auditLogRow
	if err := tx.Limit(limit + 1).Scan(&rows).Error; err != nil {
		return audit.Page{}, fmt.Errorf("db: audit log: %w", err)
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	if newer {
		slices.Reverse(rows)
	}
	var p audit.Page
	for i := range rows {
		e, err := rows[i].entry()
		if err != nil {
			return audit.Page{}, err
		}
		p.Entries = append(p.Entries, e)
	}
	if n := len(p.Entries); n > 0 {
		first, last := p.Entries[0].ID, p.Entries[n-1].ID
		if (newer && more) || (!newer && q.Before != 0) {
			p.Newer = first
		}
		if newer || more {
			p.Older = last
		}
	}
	return p, nil
}

// EachAuditEntry calls fn for every event q selects (ignoring its cursors
// and limit), oldest first, reading row by row: the result is never held in
// memory. It stops at fn's first error and returns it.
func (s *Store) EachAuditEntry(ctx context.Context, q audit.Query, fn func(audit.Entry) error) error {
	q.Before, q.After = 0, 0
	rows, err := s.auditLogQuery(ctx, q).Order("ae.id ASC").Rows()
	if err != nil {
		return fmt.Errorf("db: audit export: %w", err)
	}
	defer rows.Close()
	db := s.read(ctx)
	for rows.Next() {
		var r auditLogRow
		if err := db.ScanRows(rows, &r); err != nil {
			return fmt.Errorf("db: audit export: %w", err)
		}
		e, err := r.entry()
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("db: audit export: %w", err)
	}
	return nil
}

// credentialListRow is an issued_credentials row with its applicant.
type credentialListRow struct {
	Row           issuedCredentialRow `gorm:"embedded"`
	ApplicantID   *string             `gorm:"column:applicant_id"`
	ApplicantName *string             `gorm:"column:applicant_name"`
}

// IssuedCredentialList returns one page of the credentials q selects, newest
// first (issued_at, id descending, along issued_credentials_issued_at_idx or
// issued_credentials_configuration_idx), with the applicant of each
// credential's offer.
func (s *Store) IssuedCredentialList(ctx context.Context, q issuance.CredentialQuery) (issuance.CredentialPage, error) {
	limit := q.PageLimit()
	tx := s.read(ctx).Table("issued_credentials AS ic").
		Select(`ic.id, ic.offer_id, ic.access_token_id, ic.configuration_id, ic.format, ic.holder_key_thumbprint,
			ic.notification_id, ic.issued_at, ic.expires_at, ic.wallet_event, ic.wallet_event_at,
			o.applicant_id AS applicant_id, a.name AS applicant_name`).
		Joins("LEFT JOIN offers o ON o.id = ic.offer_id").
		Joins("LEFT JOIN applicants a ON a.id = o.applicant_id")
	if q.ConfigurationID != "" {
		tx = tx.Where("ic.configuration_id = ?", q.ConfigurationID)
	}
	if q.OfferID != "" {
		tx = tx.Where("ic.offer_id = ?", strings.TrimSpace(q.OfferID))
	}
	if q.ApplicantID != "" {
		tx = tx.Where("o.applicant_id = ?", strings.TrimSpace(q.ApplicantID))
	}
	if tp := strings.TrimSpace(q.Thumbprint); tp != "" {
		tx = tx.Where(`ic.holder_key_thumbprint LIKE ? ESCAPE '\'`, likePrefix(tp))
	}
	if !q.IssuedFrom.IsZero() {
		tx = tx.Where("ic.issued_at >= ?", utc(q.IssuedFrom))
	}
	if !q.IssuedTo.IsZero() {
		tx = tx.Where("ic.issued_at < ?", utc(q.IssuedTo))
	}
	newer := q.After != nil
	switch {
	case newer:
		tx = tx.Where("(ic.issued_at > ? OR (ic.issued_at = ? AND ic.id > ?))", utc(q.After.IssuedAt), utc(q.After.IssuedAt), q.After.ID).
			Order("ic.issued_at ASC, ic.id ASC")
	case q.Before != nil:
		tx = tx.Where("(ic.issued_at < ? OR (ic.issued_at = ? AND ic.id < ?))", utc(q.Before.IssuedAt), utc(q.Before.IssuedAt), q.Before.ID).
			Order("ic.issued_at DESC, ic.id DESC")
	default:
		tx = tx.Order("ic.issued_at DESC, ic.id DESC")
	}
	var rows []credentialListRow
	if err := tx.Limit(limit + 1).Scan(&rows).Error; err != nil {
		return issuance.CredentialPage{}, fmt.Errorf("db: issued credentials: %w", err)
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	if newer {
		slices.Reverse(rows)
	}
	var p issuance.CredentialPage
	for i := range rows {
		p.Credentials = append(p.Credentials, issuance.CredentialListing{
			IssuedCredential: rows[i].Row.issuedCredential(),
			ApplicantID:      emptyIfNull(rows[i].ApplicantID),
			ApplicantName:    emptyIfNull(rows[i].ApplicantName),
		})
	}
	if n := len(p.Credentials); n > 0 {
		cursor := func(c issuance.CredentialListing) *issuance.CredentialCursor {
			return &issuance.CredentialCursor{IssuedAt: c.IssuedAt, ID: c.ID}
		}
		if (newer && more) || (!newer && q.Before != nil) {
			p.Newer = cursor(p.Credentials[0])
		}
		if newer || more {
			p.Older = cursor(p.Credentials[n-1])
		}
	}
	return p, nil
}

// DailyActivity counts, per UTC day from from's day to to's day, the offers
// created, redeemed and expired unredeemed, and the credentials issued, in
// [from, to). Four aggregate queries, each along an index on its time
// column; the days come back in order, days without activity as zeros.
func (s *Store) DailyActivity(ctx context.Context, from, to time.Time) ([]issuance.DayActivity, error) {
	from, to = utc(from), utc(to)
	counts := map[string]*issuance.DayActivity{}
	var days []issuance.DayActivity
	for d := from.Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		days = append(days, issuance.DayActivity{Day: d})
	}
	for i := range days {
		counts[days[i].Day.Format(time.DateOnly)] = &days[i]
	}
	queries := []struct {
		column, table, extra string
		add                  func(*issuance.DayActivity, int)
	}{
		{"created_at", "offers", "", func(d *issuance.DayActivity, n int) { d.OffersCreated += n }},
		{"redeemed_at", "offers", "", func(d *issuance.DayActivity, n int) { d.OffersRedeemed += n }},
		// Expired unredeemed: still created or fetched when their expiry
		// passed (locked and revoked offers have their own states).
		{"expires_at", "offers", "state IN ('created', 'fetched')", func(d *issuance.DayActivity, n int) { d.OffersExpired += n }},
		{"issued_at", "issued_credentials", "", func(d *issuance.DayActivity, n int) { d.CredentialsIssued += n }},
	}
	for _, qq := range queries {
		where := qq.column + " >= ? AND " + qq.column + " < ?"
		if qq.extra != "" {
			where = qq.extra + " AND " + where
		}
		var rows []struct {
			Day string `gorm:"column:day"`
			N   int    `gorm:"column:n"`
		}
		stmt := "SELECT " + s.utcDay(qq.column) + " AS day, COUNT(*) AS n FROM " + qq.table + " WHERE " + where + " GROUP BY 1"
		if err := s.read(ctx).Raw(stmt, from, to).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("db: daily activity (%s.%s): %w", qq.table, qq.column, err)
		}
		for _, r := range rows {
			if d, ok := counts[r.Day]; ok {
				qq.add(d, r.N)
			}
		}
	}
	return days, nil
}

// utcDay is the SQL expression of column's UTC date as YYYY-MM-DD. SQLite
// stores times as UTC text that starts with the date.
func (s *Store) utcDay(column string) string {
	if s.dialect == DialectPostgres {
		return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + column + ", 1, 10)"
}
