package applicants

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"credmint/app/credential"
)

// Catalog gives the enabled credential configurations.
type Catalog interface {
	Enabled(ctx context.Context) ([]credential.Configuration, error)
	Configuration(ctx context.Context, id string) (*credential.Configuration, error)
}

// Sealer encrypts data at rest with the master key.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Deps are the collaborators of a Service.
type Deps struct {
	Store   Store
	Catalog Catalog
	Sealer  Sealer
	Log     *slog.Logger
	Now     func() time.Time
	Rand    io.Reader
}

// Service manages applicants and their imports.
type Service struct {
	Deps
	ids *idSource
	// afterChunk, when set (by tests), runs after each committed import
	// chunk with the index of the next row; an error stops the import
	// there, as a crash would.
	afterChunk func(next int) error
}

// New validates d, fills defaults and returns a Service.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Catalog == nil || d.Sealer == nil {
		return nil, errors.New("applicants: Store, Catalog and Sealer are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{Deps: d, ids: &idSource{rand: d.Rand}}, nil
}

// now is the service clock in UTC, at the precision both databases store.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Get returns the applicant with id, its claims opened; ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (*Applicant, error) {
	a, err := s.Store.Applicant(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.open(a); err != nil {
		return nil, err
	}
	return a, nil
}

// Names returns the names of the applicants with ids, for lists that show
// them (one query, no claims opened); unknown ids are absent.
func (s *Service) Names(ctx context.Context, ids []string) (map[string]string, error) {
	if len(ids) == 0 {
		return map[string]string{}, nil
	}
	return s.Store.ApplicantNames(ctx, ids)
}

// Addressee is whom a letter goes to: a name and a multi-line postal
// address, both as stored (no claims).
type Addressee struct{ Name, Address string }

// Addressees returns the names and postal addresses of the applicants with
// ids (one query per 500, no claims opened); unknown ids are absent.
func (s *Service) Addressees(ctx context.Context, ids []string) (map[string]Addressee, error) {
	if len(ids) == 0 {
		return map[string]Addressee{}, nil
	}
	return s.Store.ApplicantAddressees(ctx, ids)
}

// Page sizes of List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// List returns one page of the applicants f selects, in the page's sort
// order, without their claims, and the cursors of the neighbouring pages.
func (s *Service) List(ctx context.Context, f Filter, p Page) ([]Applicant, Cursors, error) {
	q := ListQuery{Filter: f, Sort: p.Sort, Limit: p.Limit}
	if q.Limit <= 0 {
		q.Limit = DefaultPageSize
	}
	q.Limit = min(q.Limit, MaxPageSize)
	if q.Sort != SortName {
		q.Sort = SortNewest
	}
	if p.Cursor != "" {
		c, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, Cursors{}, err
		}
		q.Sort, q.After, q.Backward = c.Sort, &c.Key, c.Backward
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is another page
	rows, err := s.Store.Applicants(ctx, q)
	if err != nil {
		return nil, Cursors{}, err
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	if q.Backward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	var cur Cursors
	if len(rows) == 0 {
		return rows, cur, nil
	}
	first, last := keyOf(&rows[0]), keyOf(&rows[len(rows)-1])
	// Walking forward, there is a next page when a row was left over and
	// a previous one when we came from a cursor; backward, the other way.
	hasNext, hasPrev := more, q.After != nil
	if q.Backward {
		hasNext, hasPrev = true, more
	}
	if hasNext {
		cur.Next = encodeCursor(cursor{Sort: q.Sort, Key: last})
	}
	if hasPrev {
		cur.Prev = encodeCursor(cursor{Sort: q.Sort, Key: first, Backward: true})
	}
	return rows, cur, nil
}

// selectBatch is how many applicants Select reads at a time.
const selectBatch = 1000

// Select calls fn with every applicant f selects, newest first, claims
// opened, reading them in keyset batches. It stops at the first error fn
// returns and returns it.
func (s *Service) Select(ctx context.Context, f Filter, fn func(*Applicant) error) error {
	q := ListQuery{Filter: f, Sort: SortNewest, Limit: selectBatch, WithClaims: true}
	for {
		rows, err := s.Store.Applicants(ctx, q)
		if err != nil {
			return err
		}
		for i := range rows {
			if err := s.open(&rows[i]); err != nil {
				return err
			}
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		if len(rows) < q.Limit {
			return nil
		}
		k := keyOf(&rows[len(rows)-1])
		q.After = &k
	}
}

func keyOf(a *Applicant) SortKey {
	return SortKey{CreatedAt: a.CreatedAt, NameKey: NameKey(a.Name), ID: a.ID}
}

// open decrypts a.ClaimsSealed into a.Claims.
func (s *Service) open(a *Applicant) error {
	if len(a.ClaimsSealed) == 0 {
		a.Claims = map[string]any{}
		return nil
	}
	raw, err := s.Sealer.Open(a.ClaimsSealed, []byte(a.ID))
	if err != nil {
		return fmt.Errorf("applicants: opening claims of %s: %w", a.ID, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers stay exactly as uploaded
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		return fmt.Errorf("applicants: decoding claims of %s: %w", a.ID, err)
	}
	if claims == nil {
		claims = map[string]any{}
	}
	a.Claims = claims
	return nil
}

// seal encrypts a.Claims into a.ClaimsSealed, bound to a.ID.
func (s *Service) seal(a *Applicant) error {
	raw, err := json.Marshal(a.Claims)
	if err != nil {
		return fmt.Errorf("applicants: encoding claims: %w", err)
	}
	if a.ClaimsSealed, err = s.Sealer.Seal(raw, []byte(a.ID)); err != nil {
		return fmt.Errorf("applicants: sealing claims: %w", err)
	}
	return nil
}

// Match returns the one applicant of the configuration whose field
// (MatchEmail or MatchExternalID) is value, claims opened: the uploaded
// record of a person who logged in at the upstream identity provider.
// ErrNotFound when there is none (or value is empty), ErrConflict when
// several applicants share the value.
func (s *Service) Match(ctx context.Context, configurationID, field, value string) (*Applicant, error) {
	if value == "" {
		return nil, ErrNotFound
	}
	if field != MatchEmail && field != MatchExternalID {
		return nil, fmt.Errorf("applicants: cannot match on %q", field)
	}
	a, err := s.Store.ApplicantBy(ctx, configurationID, field, value)
	if err != nil {
		return nil, err
	}
	if err := s.open(a); err != nil {
		return nil, err
	}
	return a, nil
}
