package db

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/app/status"
)

var _ status.Store = (*Store)(nil)

// statusListRow is a row of status_lists.
type statusListRow struct {
	ID             string     `gorm:"column:id;primaryKey"`
	Bits           int        `gorm:"column:bits"`
	Size           int        `gorm:"column:size"`
	Used           int        `gorm:"column:used"`
	Seed           []byte     `gorm:"column:seed"`
	Statuses       []byte     `gorm:"column:statuses"`
	Version        int64      `gorm:"column:version"`
	CreatedAt      time.Time  `gorm:"column:created_at"`
	UpdatedAt      time.Time  `gorm:"column:updated_at"`
	Token          string     `gorm:"column:token"`
	TokenVersion   int64      `gorm:"column:token_version"`
	TokenKeyID     string     `gorm:"column:token_key_id"`
	TokenIssuedAt  *time.Time `gorm:"column:token_issued_at"`
	TokenExpiresAt *time.Time `gorm:"column:token_expires_at"`
}

func (statusListRow) TableName() string { return "status_lists" }

func (r *statusListRow) list() *status.List {
	l := &status.List{ID: r.ID, Bits: r.Bits, Size: r.Size, Used: r.Used, Seed: r.Seed, Statuses: nilIfEmpty(r.Statuses),
		Version: r.Version, CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt)}
	if r.Token != "" && r.TokenIssuedAt != nil && r.TokenExpiresAt != nil {
		l.Token = status.CachedToken{JWT: r.Token, Version: r.TokenVersion, KeyID: r.TokenKeyID,
			IssuedAt: fromDB(*r.TokenIssuedAt), ExpiresAt: fromDB(*r.TokenExpiresAt)}
	}
	return l
}

// forUpdate is the row lock suffix of a SELECT: PostgreSQL locks the rows
// (NO KEY UPDATE: keys never change, and the foreign key checks of
// credentials being recorded meanwhile need not wait); SQLite needs none
// (its writer transaction holds the database lock from BEGIN IMMEDIATE on).
func (s *Store) forUpdate(of string) string {
	if s.dialect != DialectPostgres {
		return ""
	}
	if of != "" {
		return " FOR NO KEY UPDATE OF " + of
	}
	return " FOR NO KEY UPDATE"
}

// maxReserveRounds bounds the loop of ReserveStatusEntries: every round
// fills a list or ends the reservation, so more rounds than this mean a bug.
const maxReserveRounds = 1000

// ReserveStatusEntries reserves n entries in lists of bits bits with room,
// oldest first, inserting newList() when none has room, in one
// transaction (status.Store). The list row is locked (FOR UPDATE on
// PostgreSQL, the writer lock on SQLite) and its used count moved by one
// conditional update, so concurrent reservations never overlap.
func (s *Store) ReserveStatusEntries(ctx context.Context, n, bits int, newList func() (*status.List, audit.Event, error)) ([]status.Reservation, error) {
	var out []status.Reservation
	err := s.transact(ctx, func(tx *gorm.DB) error {
		out = out[:0]
		left := n
		for round := 0; left > 0; round++ {
			if round == maxReserveRounds {
				return fmt.Errorf("no progress after %d rounds", round)
			}
			var row statusListRow
			err := tx.Raw("SELECT id, size, used, seed FROM status_lists WHERE bits = ? AND used < size ORDER BY created_at, id LIMIT 1"+s.forUpdate(""), bits).
				Scan(&row).Error
			if err != nil {
				return err
			}
			if row.ID == "" {
				l, ev, err := newList()
				if err != nil {
					return err
				}
				row = statusListRow{ID: l.ID, Bits: l.Bits, Size: l.Size, Seed: l.Seed, Statuses: l.Statuses,
					CreatedAt: utc(l.CreatedAt), UpdatedAt: utc(l.UpdatedAt), TokenVersion: -1}
				if err := tx.Create(&row).Error; err != nil {
					return err
				}
				if err := insertAudit(tx, ev); err != nil {
					return err
				}
			}
			take := min(left, row.Size-row.Used)
			res := tx.Exec("UPDATE status_lists SET used = used + ? WHERE id = ? AND used = ?", take, row.ID, row.Used)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				continue // taken meanwhile: look again
			}
			out = append(out, status.Reservation{ListID: row.ID, Size: row.Size, Seed: row.Seed, First: row.Used, Count: take})
			left -= take
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: reserve status entries: %w", err)
	}
	return out, nil
}

// StatusList returns list id, its bit array only when withBits.
func (s *Store) StatusList(ctx context.Context, id string, withBits bool) (*status.List, error) {
	cols := "id, bits, size, used, version, created_at, updated_at, token, token_version, token_key_id, token_issued_at, token_expires_at"
	if withBits {
		cols += ", statuses"
	}
	var rows []statusListRow
	if err := s.read(ctx).Raw("SELECT "+cols+" FROM status_lists WHERE id = ?", id).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: status list %s: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("db: status list %s: %w", id, issuance.ErrNotFound)
	}
	return rows[0].list(), nil
}

// StatusListIDs returns the ids of every status list, oldest first.
func (s *Store) StatusListIDs(ctx context.Context) ([]string, error) {
	var ids []string
	if err := s.read(ctx).Raw("SELECT id FROM status_lists ORDER BY created_at, id").Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("db: status lists: %w", err)
	}
	return ids, nil
}

// SaveStatusListToken caches tok on list id, unless the list has changed
// since tok.Version or a token of a later version is cached already (a
// slower process must not put back an older list).
func (s *Store) SaveStatusListToken(ctx context.Context, id string, tok status.CachedToken) error {
	err := s.write(ctx).Exec(`UPDATE status_lists SET token = ?, token_version = ?, token_key_id = ?, token_issued_at = ?, token_expires_at = ?
		WHERE id = ? AND version = ? AND token_version <= ?`,
		tok.JWT, tok.Version, tok.KeyID, utc(tok.IssuedAt), utc(tok.ExpiresAt), id, tok.Version, tok.Version).Error
	if err != nil {
		return fmt.Errorf("db: save status list token %s: %w", id, err)
	}
	return nil
}

// statusCredentialRow is an issued credential with its status entry.
type statusCredentialRow struct {
	ID              string     `gorm:"column:id"`
	ListID          *string    `gorm:"column:status_list_id"`
	Index           *int       `gorm:"column:status_index"`
	Status          string     `gorm:"column:status"`
	Bits            *int       `gorm:"column:bits"`
	OfferID         *string    `gorm:"column:offer_id"`
	ApplicantID     *string    `gorm:"column:applicant_id"`
	IssuedAt        time.Time  `gorm:"column:issued_at"`
	ExpiresAt       time.Time  `gorm:"column:expires_at"`
	ChangedAt       *time.Time `gorm:"column:status_changed_at"`
	ConfigurationID string     `gorm:"column:configuration_id"`
	Format          string     `gorm:"column:format"`
	SigningKeyID    string     `gorm:"column:signing_key_id"`
}

func (r *statusCredentialRow) credential() status.Credential {
	c := status.Credential{ID: r.ID, ListID: emptyIfNull(r.ListID), Status: status.State(r.Status), OfferID: emptyIfNull(r.OfferID),
		ApplicantID: emptyIfNull(r.ApplicantID), IssuedAt: fromDB(r.IssuedAt), ExpiresAt: fromDB(r.ExpiresAt), ChangedAt: fromDBPtr(r.ChangedAt),
		ConfigID: r.ConfigurationID, Format: r.Format, SigningKeyID: r.SigningKeyID}
	if r.Index != nil {
		c.Index = *r.Index
	}
	if r.Bits != nil {
		c.ListBits = *r.Bits
	}
	return c
}

// statusCredentialSelect reads credentials with their entry, list and
// applicant (of the offer, or of the authorization code flow's token).
const statusCredentialSelect = `SELECT ic.id, ic.status_list_id, ic.status_index, ic.status, sl.bits, ic.offer_id,
	COALESCE(o.applicant_id, t.applicant_id) AS applicant_id, ic.issued_at, ic.expires_at, ic.status_changed_at,
	ic.configuration_id, ic.format, ic.signing_key_id
	FROM issued_credentials ic
	LEFT JOIN status_lists sl ON sl.id = ic.status_list_id
	LEFT JOIN offers o ON o.id = ic.offer_id
	LEFT JOIN access_tokens t ON t.id = ic.access_token_id`

// selectStatusCredentials runs statusCredentialSelect for sel on tx, in id
// order, with suffix (a row lock) appended.
func selectStatusCredentials(tx *gorm.DB, sel status.Selector, suffix string) ([]statusCredentialRow, error) {
	var rows []statusCredentialRow
	q, args := statusCredentialSelect, []any{}
	switch {
	case len(sel.IDs) > 0:
		q += " WHERE ic.id IN ?"
		args = append(args, sel.IDs)
	case sel.ApplicantID != "":
		q += " WHERE o.applicant_id = ? OR t.applicant_id = ?"
		args = append(args, sel.ApplicantID, sel.ApplicantID)
	default:
		return nil, nil
	}
	err := tx.Raw(q+" ORDER BY ic.id"+suffix, args...).Scan(&rows).Error
	return rows, err
}

// StatusCredential returns the status entry of credential id.
func (s *Store) StatusCredential(ctx context.Context, id string) (*status.Credential, error) {
	rows, err := selectStatusCredentials(s.read(ctx), status.Selector{IDs: []string{id}}, "")
	if err != nil {
		return nil, fmt.Errorf("db: status of credential %s: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("db: status of credential %s: %w", id, issuance.ErrNotFound)
	}
	c := rows[0].credential()
	return &c, nil
}

// StatusCredentialAt returns the credential at index of list listID.
func (s *Store) StatusCredentialAt(ctx context.Context, listID string, index int) (*status.Credential, error) {
	var rows []statusCredentialRow
	err := s.read(ctx).Raw(statusCredentialSelect+" WHERE ic.status_list_id = ? AND ic.status_index = ?", listID, index).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: credential at %s[%d]: %w", listID, index, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("db: credential at %s[%d]: %w", listID, index, issuance.ErrNotFound)
	}
	c := rows[0].credential()
	return &c, nil
}

// StatusCredentials returns the status entries of the credentials sel
// selects, in id order.
func (s *Store) StatusCredentials(ctx context.Context, sel status.Selector) ([]status.Credential, error) {
	rows, err := selectStatusCredentials(s.read(ctx), sel, "")
	if err != nil {
		return nil, fmt.Errorf("db: status of credentials: %w", err)
	}
	out := make([]status.Credential, len(rows))
	for i := range rows {
		out[i] = rows[i].credential()
	}
	return out, nil
}

// StatusCredentialsSignedBy returns up to limit credentials signed by the
// key keyID with an id after after, in id order (keyset pagination over
// issued_credentials_signing_key_idx and the primary key).
func (s *Store) StatusCredentialsSignedBy(ctx context.Context, keyID, after string, limit int) ([]status.Credential, error) {
	var rows []statusCredentialRow
	err := s.read(ctx).Raw(statusCredentialSelect+" WHERE ic.signing_key_id = ? AND ic.id > ? ORDER BY ic.id LIMIT ?", keyID, after, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: credentials signed by %s: %w", keyID, err)
	}
	out := make([]status.Credential, len(rows))
	for i := range rows {
		out[i] = rows[i].credential()
	}
	return out, nil
}

// ChangeCredentialStatus changes the statuses decide asks for in one
// transaction (status.Store): the credentials are locked in id order, then
// each touched list in id order; every changed credential gets its new
// status and audit event, every touched list its bits and a new version.
func (s *Store) ChangeCredentialStatus(ctx context.Context, sel status.Selector, at time.Time, decide func(status.Credential) status.Decision) ([]status.Outcome, error) {
	var out []status.Outcome
	at = utc(at)
	err := s.transact(ctx, func(tx *gorm.DB) error {
		out = out[:0]
		rows, err := selectStatusCredentials(tx, sel, s.forUpdate("ic"))
		if err != nil {
			return err
		}
		found := make(map[string]bool, len(rows))
		changes := map[string]map[int]byte{} // list id → index → value
		for i := range rows {
			c := rows[i].credential()
			found[c.ID] = true
			d := decide(c)
			o := status.Outcome{Credential: c, To: c.Status, Err: d.Err}
			if d.Err == nil && d.To != c.Status {
				err := tx.Exec("UPDATE issued_credentials SET status = ?, status_changed_at = ? WHERE id = ?", string(d.To), at, c.ID).Error
				if err != nil {
					return err
				}
				if err := insertAudit(tx, d.Event); err != nil {
					return err
				}
				if changes[c.ListID] == nil {
					changes[c.ListID] = map[int]byte{}
				}
				changes[c.ListID][c.Index] = d.To.Value()
				o.Changed, o.To = true, d.To
			}
			out = append(out, o)
		}
		for _, id := range sel.IDs {
			if !found[id] {
				found[id] = true // an id given twice is reported once
				out = append(out, status.Outcome{Credential: status.Credential{ID: id}, Err: fmt.Errorf("credential %s: %w", id, issuance.ErrNotFound)})
			}
		}
		for _, listID := range slices.Sorted(maps.Keys(changes)) {
			if err := s.setStatusBits(tx, listID, changes[listID], at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("db: change credential status: %w", err)
	}
	return out, nil
}

// setStatusBits writes values into the bit array of list id under its row
// lock and bumps its version.
func (s *Store) setStatusBits(tx *gorm.DB, id string, values map[int]byte, at time.Time) error {
	var rows []statusListRow
	if err := tx.Raw("SELECT id, bits, size, statuses FROM status_lists WHERE id = ?"+s.forUpdate(""), id).Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("status list %s: %w", id, issuance.ErrNotFound)
	}
	l := rows[0]
	if len(l.Statuses) != status.ByteLen(l.Size, l.Bits) {
		return fmt.Errorf("status list %s has %d bytes of statuses, want %d", id, len(l.Statuses), status.ByteLen(l.Size, l.Bits))
	}
	for index, v := range values {
		if index < 0 || index >= l.Size {
			return fmt.Errorf("status list %s: index %d outside its %d entries", id, index, l.Size)
		}
		status.Set(l.Statuses, l.Bits, index, v)
	}
	return tx.Exec("UPDATE status_lists SET statuses = ?, version = version + 1, updated_at = ? WHERE id = ?", l.Statuses, at, id).Error
}
