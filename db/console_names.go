package db

import (
	"context"
	"fmt"

	"credmint/app/audit"
)

// Console reads that name people: the staff members and API keys behind
// the ids a page shows, and who last changed a credential's status. Each
// serves a whole page with one query.

// actorNamesChunk bounds the ids of one statement, well under the bind
// parameter limits of SQLite and PostgreSQL (both lists are bound).
const actorNamesChunk = 1000

// actorNameRow is a staff user or API key as ActorNames reads it.
type actorNameRow struct {
	Kind  string `gorm:"column:kind"`
	ID    string `gorm:"column:id"`
	Name  string `gorm:"column:name"`
	Email string `gorm:"column:email"`
}

// ActorNames returns the names of the staff users and API keys among ids in
// one query (one per thousand distinct ids): a staff member's name, or
// their email address when they have none; an API key's name. Unknown and
// empty ids are absent from the result.
func (s *Store) ActorNames(ctx context.Context, ids []string) (audit.Names, error) {
	out := audit.Names{}
	ids = audit.ActorIDs(nil, ids...)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), actorNamesChunk)]
		ids = ids[len(chunk):]
		var rows []actorNameRow
		err := s.read(ctx).Raw(`SELECT ? AS kind, id, name, email FROM staff_users WHERE id IN ?
			UNION ALL SELECT ? AS kind, id, name, '' AS email FROM api_keys WHERE id IN ?`,
			audit.ActorStaff, chunk, audit.ActorAPIKey, chunk).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("db: actor names: %w", err)
		}
		for _, r := range rows {
			name := r.Name
			if r.Kind == audit.ActorStaff && name == "" {
				name = r.Email
			}
			out[r.ID] = audit.Name{Kind: r.Kind, Name: name}
		}
	}
	return out, nil
}

// credentialStatusActions are the audit actions of credential status
// changes (app/status).
var credentialStatusActions = []string{"credential.revoked", "credential.suspended", "credential.unsuspended"}

// LatestStatusChanges returns, by credential id, the audit event of the
// latest status change (revoked, suspended, unsuspended) of each of the
// credentials ids that had one, in one query.
func (s *Store) LatestStatusChanges(ctx context.Context, ids []string) (map[string]audit.Event, error) {
	out := map[string]audit.Event{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []auditRow
	err := s.read(ctx).Raw(`SELECT id, at, actor_kind, actor_id, remote_addr, request_id, action, subject_type, subject_id, details
		FROM audit_events WHERE id IN (
			SELECT MAX(id) FROM audit_events WHERE subject_type = 'credential' AND subject_id IN ? AND action IN ?
			GROUP BY subject_id)`, ids, credentialStatusActions).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("db: latest status changes: %w", err)
	}
	for i := range rows {
		ev, err := rows[i].event()
		if err != nil {
			return nil, err
		}
		out[ev.SubjectID] = ev
	}
	return out, nil
}
