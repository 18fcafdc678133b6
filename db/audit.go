package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"credmint/app/audit"
)

// auditRow is a row of audit_events. Details is a JSON object of strings.
type auditRow struct {
	ID          int64     `gorm:"column:id;primaryKey;autoIncrement"`
	At          time.Time `gorm:"column:at"`
	ActorKind   string    `gorm:"column:actor_kind"`
	ActorID     string    `gorm:"column:actor_id"`
	RemoteAddr  string    `gorm:"column:remote_addr"`
	RequestID   string    `gorm:"column:request_id"`
	Action      string    `gorm:"column:action"`
	SubjectType string    `gorm:"column:subject_type"`
	SubjectID   string    `gorm:"column:subject_id"`
	Details     string    `gorm:"column:details"`
}

func (auditRow) TableName() string { return "audit_events" }

// insertAudit writes ev with tx, which must be the transaction of the change
// ev describes, and queues the event ev.Publish when set (events.go).
// An event without an action is refused, and with it the change.
func insertAudit(tx *gorm.DB, ev audit.Event) error {
	if ev.Action == "" || ev.SubjectType == "" {
		return fmt.Errorf("db: audit event needs an action and a subject type")
	}
	details := "{}"
	if len(ev.Details) > 0 {
		b, err := json.Marshal(ev.Details)
		if err != nil {
			return fmt.Errorf("db: audit details: %w", err)
		}
		details = string(b)
	}
	kind := ev.Actor.Kind
	if kind == "" {
		kind = audit.ActorSystem
	}
	// A plain INSERT: every state change writes one, so it skips gorm's
	// reflection and the RETURNING of the id nobody reads.
	err := tx.Exec(`INSERT INTO audit_events (at, actor_kind, actor_id, remote_addr, request_id, action, subject_type, subject_id, details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		utc(ev.At), kind, ev.Actor.ID, ev.Actor.RemoteAddr, ev.Actor.RequestID, ev.Action, ev.SubjectType, ev.SubjectID, details).Error
	if err != nil {
		return fmt.Errorf("db: insert audit event %s: %w", ev.Action, err)
	}
	return insertPublication(tx, ev)
}

// insertAudited inserts row and the audit event describing it in one
// transaction.
func (s *Store) insertAudited(ctx context.Context, row any, ev audit.Event) error {
	return s.transactRerunnable(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(row).Error; err != nil {
			return err
		}
		return insertAudit(tx, ev)
	})
}

// AuditEvents returns the events about one subject, oldest first.
func (s *Store) AuditEvents(ctx context.Context, subjectType, subjectID string) ([]audit.Event, error) {
	var rows []auditRow
	err := s.read(ctx).
		Where("subject_type = ? AND subject_id = ?", subjectType, subjectID).
		Order("at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: audit events: %w", err)
	}
	out := make([]audit.Event, len(rows))
	for i, r := range rows {
		ev, err := r.event()
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

func (r auditRow) event() (audit.Event, error) {
	var details map[string]string
	if err := json.Unmarshal([]byte(r.Details), &details); err != nil {
		return audit.Event{}, fmt.Errorf("db: audit event %d details: %w", r.ID, err)
	}
	if len(details) == 0 {
		details = nil
	}
	return audit.Event{
		At: fromDB(r.At),
		Actor: audit.Actor{
			Kind:       r.ActorKind,
			ID:         r.ActorID,
			RemoteAddr: r.RemoteAddr,
			RequestID:  r.RequestID,
		},
		Action:      r.Action,
		SubjectType: r.SubjectType,
		SubjectID:   r.SubjectID,
		Details:     details,
	}, nil
}
