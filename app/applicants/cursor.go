package applicants

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// ErrBadCursor is returned for a cursor List did not make.
var ErrBadCursor = errors.New("applicants: bad page cursor")

// cursor is a position in a sort order, encoded into Cursors.
type cursor struct {
	Sort     string
	Key      SortKey
	Backward bool
}

type cursorJSON struct {
	S string    `json:"s"`
	T time.Time `json:"t,omitzero"`
	N string    `json:"n,omitempty"`
	I string    `json:"i"`
	B bool      `json:"b,omitempty"`
}

func encodeCursor(c cursor) string {
	j := cursorJSON{S: c.Sort, I: c.Key.ID, B: c.Backward}
	if c.Sort == SortName {
		j.N = c.Key.NameKey
	} else {
		j.T = c.Key.CreatedAt.UTC()
	}
	b, _ := json.Marshal(j)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 2048 {
		return cursor{}, ErrBadCursor
	}
	var j cursorJSON
	if err := json.Unmarshal(b, &j); err != nil || j.I == "" || (j.S != SortName && j.S != SortNewest) {
		return cursor{}, ErrBadCursor
	}
	return cursor{Sort: j.S, Key: SortKey{CreatedAt: j.T.UTC(), NameKey: j.N, ID: j.I}, Backward: j.B}, nil
}
