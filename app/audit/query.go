package audit

import "time"

// Query selects audit events for the console's audit log. Empty fields do
// not filter. Pages are keyset-paginated by the event's id, newest first.
type Query struct {
	// ActorKind is one of the Actor* kinds.
	ActorKind string
	// Actor is an actor id (staff user id, API key id), a staff member's
	// email address or an API key's name.
	Actor string
	// Action matches exactly, or as a prefix when it ends with "*"
	// ("offer.*").
	Action      string
	SubjectType string
	SubjectID   string
	// From and To bound the time of the events: From <= at < To.
	From, To time.Time
	// Before selects events older than the event with this id, After
	// events newer than it (the previous page); at most one is set.
	Before, After int64
	// Limit is the page size; 0 means 50, at most 500.
	Limit int
}

// Entry is a stored event with its id and, when the actor is known, a
// readable name for it (a staff member's email, an API key's name).
type Entry struct {
	ID int64
	Event
	ActorName string
}

// Page is one page of the audit log, newest first.
type Page struct {
	Entries []Entry
	// Older and Newer are the cursors of the neighbouring pages (for
	// Query.Before and Query.After), 0 when there is none.
	Older, Newer int64
}

// PageLimit returns the page size q asks for.
func (q Query) PageLimit() int {
	switch {
	case q.Limit <= 0:
		return 50
	case q.Limit > 500:
		return 500
	}
	return q.Limit
}
