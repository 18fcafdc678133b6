package db

import (
	"fmt"
	"strings"

	"gorm.io/gorm"

	"credmint/app/audit"
	"credmint/app/delivery"
)

// Bulk inserts of offers, outbox messages and audit events, for offer
// batches (hundreds of thousands of rows). They skip gorm's per-row
// reflection and go to the transaction's connection with plain INSERTs,
// prepared once per statement text.
//
// Rows per statement depend on the dialect. The SQLite driver parses every
// statement it runs, and binds each parameter by scanning all arguments
// (quadratic in the parameters of a statement): ten rows a statement
// balance the two (measured with BenchmarkBatchOffers100k). PostgreSQL saves
// round trips with larger statements.
func (s *Store) rowsPerInsert() int {
	if s.dialect == DialectSQLite {
		return 10
	}
	return 100
}

// bulkInsert inserts rows (each len(columns) values) into table.
func (s *Store) bulkInsert(tx *gorm.DB, table string, columns []string, rows [][]any) error {
	per := s.rowsPerInsert()
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	ctx := tx.Statement.Context
	for len(rows) > 0 {
		n := min(len(rows), per)
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, n*len(columns))
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		q := b.String()
		if s.dialect == DialectPostgres {
			q = numberPlaceholders(q)
		}
		if _, err := tx.Statement.ConnPool.ExecContext(ctx, q, args...); err != nil {
			return translate(tx, err)
		}
		rows = rows[n:]
	}
	return nil
}

// numberPlaceholders turns ? into $1, $2 … for PostgreSQL.
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// translate maps a driver error to gorm's (duplicate key and so on), as
// gorm does for its own statements.
func translate(tx *gorm.DB, err error) error {
	if t, ok := tx.Dialector.(gorm.ErrorTranslator); ok {
		return t.Translate(err)
	}
	return err
}

// blob is b for a BLOB/BYTEA column: NULL when empty.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

var offerColumns = []string{"id", "configuration_ids", "state", "handle_hash", "handle_sealed", "code_hash", "claims_sealed",
	"tx_code", "tx_code_hash", "tx_code_attempts", "max_tx_code_attempts", "by_reference", "created_by", "created_at", "expires_at",
	"fetched_at", "redeemed_at", "issued_at", "accepted_at", "revoked_at", "locked_at",
	"applicant_id", "batch_id", "delivery_channel", "tx_code_channel", "tx_code_sealed", "delivered_at", "grant_type"}

func (r *offerRow) values() []any {
	return []any{r.ID, r.ConfigurationIDs, r.State, r.HandleHash, blob(r.HandleSealed), r.CodeHash, blob(r.ClaimsSealed),
		r.TxCode, r.TxCodeHash, r.TxCodeAttempts, r.MaxTxCodeAttempts, r.ByReference, r.CreatedBy, r.CreatedAt, r.ExpiresAt,
		r.FetchedAt, r.RedeemedAt, r.IssuedAt, r.AcceptedAt, r.RevokedAt, r.LockedAt,
		r.ApplicantID, r.BatchID, r.DeliveryChannel, r.TxCodeChannel, blob(r.TxCodeSealed), r.DeliveredAt, r.GrantType}
}

var outboxColumns = []string{"id", "kind", "purpose", "offer_id", "payload_sealed", "state", "attempts", "next_attempt_at",
	"last_error", "lease_owner", "lease_expires_at", "created_at", "sent_at", "endpoint"}

func (r *outboxRow) values() []any {
	// offer_id is NULL for a webhook event without an offer.
	var offerID any = r.OfferID
	if r.OfferID == "" {
		offerID = nil
	}
	return []any{r.ID, r.Kind, r.Purpose, offerID, blob(r.PayloadSealed), r.State, r.Attempts, r.NextAttemptAt,
		r.LastError, r.LeaseOwner, r.LeaseExpiresAt, r.CreatedAt, r.SentAt, r.Endpoint}
}

var auditColumns = []string{"at", "actor_kind", "actor_id", "remote_addr", "request_id", "action", "subject_type", "subject_id", "details"}

// insertNewOffers writes offers, their messages and their events with tx.
func (s *Store) insertNewOffers(tx *gorm.DB, offers []delivery.NewOffer) error {
	if len(offers) == 0 {
		return nil
	}
	rows := make([][]any, len(offers))
	evs := make([]audit.Event, len(offers))
	var msgs []delivery.Message
	for i, n := range offers {
		r, err := toOfferRow(n.Offer)
		if err != nil {
			return err
		}
		rows[i], evs[i] = r.values(), n.Event
		msgs = append(msgs, n.Messages...)
	}
	if err := s.bulkInsert(tx, "offers", offerColumns, rows); err != nil {
		return err
	}
	if err := s.insertMessages(tx, msgs); err != nil {
		return err
	}
	return s.insertAudits(tx, evs)
}

// insertMessages inserts msgs with tx.
func (s *Store) insertMessages(tx *gorm.DB, msgs []delivery.Message) error {
	rows := make([][]any, len(msgs))
	for i := range msgs {
		r := toOutboxRow(&msgs[i])
		rows[i] = r.values()
	}
	return s.bulkInsert(tx, "outbox", outboxColumns, rows)
}

// insertAudits writes evs with tx (see insertAudit).
func (s *Store) insertAudits(tx *gorm.DB, evs []audit.Event) error {
	rows := make([][]any, len(evs))
	for i, ev := range evs {
		v, err := auditValues(ev)
		if err != nil {
			return err
		}
		rows[i] = v
	}
	if err := s.bulkInsert(tx, "audit_events", auditColumns, rows); err != nil {
		return fmt.Errorf("db: insert audit events: %w", err)
	}
	for _, ev := range evs {
		if err := insertPublication(tx, ev); err != nil {
			return err
		}
	}
	return nil
}
