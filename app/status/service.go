package status

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
	"credmint/app/issuance"
	"credmint/app/keys"
)

// Defaults and limits of the configuration (config.StatusListConfig).
const (
	// DefaultSize is 2¹⁷ entries: large enough that one list hides a
	// credential among 131 072 others (herd privacy, §12.5), 32 KiB of
	// packed bits at 2 bits per entry, a few hundred bytes compressed
	// while few entries are set.
	DefaultSize = 1 << 17
	MinSize     = 1024
	MaxSize     = 1 << 22
	DefaultBits = 2
	// DefaultTTL is how long verifiers may cache a token (the ttl claim
	// and Cache-Control max-age): a revocation shows within the hour.
	DefaultTTL = time.Hour
	// DefaultValidity is exp − iat of a token; it is re-signed after half
	// of it, and whenever the list changes.
	DefaultValidity = 24 * time.Hour
)

// Signers gives the active signing key of a purpose (keys.Ring).
type Signers interface {
	Active(purpose string) (keys.Signer, error)
}

// Deps are what the service needs.
type Deps struct {
	Store   Store
	Signers Signers
	// PublicURL is the Credential Issuer Identifier; list URIs are
	// PublicURL/status/<list id>.
	PublicURL string
	// Size and Bits shape new lists; TTL and Validity the tokens.
	Size     int
	Bits     int
	TTL      time.Duration
	Validity time.Duration
	Now      func() time.Time
	Rand     io.Reader
	// Block is how many entries one reservation in the database takes;
	// Allocate hands them out from memory until they run out, so most
	// issuances cost no extra transaction. Entries still in memory when
	// the process stops are never used: they stay "valid" and belong to
	// no credential. Default DefaultBlock; 1 reserves per request.
	Block int
}

// DefaultBlock is the default Deps.Block: at most 32 entries of a
// 131 072-entry list are lost per restart.
const DefaultBlock = 32

// Service allocates, changes and publishes status list entries. It
// implements issuance.StatusLists.
type Service struct {
	d Deps

	poolMu sync.Mutex
	pool   []issuance.StatusEntry // reserved, not yet handed out

	cwt cwtCache // signed CWT forms (cwt.go)
}

var _ issuance.StatusLists = (*Service)(nil)

// New checks d and fills its defaults.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Signers == nil || d.PublicURL == "" {
		return nil, errors.New("status: Store, Signers and PublicURL are required")
	}
	if d.Size == 0 {
		d.Size = DefaultSize
	}
	if d.Bits == 0 {
		d.Bits = DefaultBits
	}
	if d.TTL == 0 {
		d.TTL = DefaultTTL
	}
	if d.Validity == 0 {
		d.Validity = DefaultValidity
	}
	if d.Block <= 0 {
		d.Block = DefaultBlock
	}
	switch {
	case d.Size < MinSize || d.Size > MaxSize || d.Size%8 != 0:
		return nil, fmt.Errorf("status: size %d must be a multiple of 8 between %d and %d", d.Size, MinSize, MaxSize)
	case !ValidBits(d.Bits):
		return nil, fmt.Errorf("status: bits %d must be 1 or 2", d.Bits)
	case d.TTL < time.Minute || d.Validity < d.TTL:
		return nil, fmt.Errorf("status: ttl %s must be at least 1m and at most the validity %s", d.TTL, d.Validity)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	d.PublicURL = strings.TrimSuffix(d.PublicURL, "/")
	return &Service{d: d}, nil
}

// Bits is the number of bits per entry of new lists.
func (s *Service) Bits() int { return s.d.Bits }

// URI is the URI of list id, the sub of its token.
func (s *Service) URI(id string) string { return s.d.PublicURL + "/status/" + url.PathEscape(id) }

// ListID returns the id of the list whose URI is uri, or false when uri is
// not one of this issuer's lists.
func (s *Service) ListID(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, s.d.PublicURL+"/status/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#") {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	return id, err == nil
}

// Allocate hands out n entries at unpredictable indexes
// (issuance.StatusLists), reserving Block entries at a time.
func (s *Service) Allocate(ctx context.Context, n int) ([]issuance.StatusEntry, error) {
	if n <= 0 {
		return nil, nil
	}
	s.poolMu.Lock()
	defer s.poolMu.Unlock()
	if len(s.pool) < n {
		more, err := s.reserve(ctx, max(s.d.Block, n-len(s.pool)))
		if err != nil {
			return nil, err
		}
		s.pool = append(s.pool, more...)
	}
	out := slices.Clone(s.pool[:n])
	s.pool = slices.Delete(s.pool, 0, n)
	return out, nil
}

// reserve reserves n entries in the database.
func (s *Service) reserve(ctx context.Context, n int) ([]issuance.StatusEntry, error) {
	res, err := s.d.Store.ReserveStatusEntries(ctx, n, s.d.Bits, s.newList)
	if err != nil {
		return nil, fmt.Errorf("status: reserve %d entries: %w", n, err)
	}
	out := make([]issuance.StatusEntry, 0, n)
	for _, r := range res {
		p := NewPermutation(r.Seed, r.Size)
		for c := r.First; c < r.First+r.Count; c++ {
			out = append(out, issuance.StatusEntry{ListID: r.ListID,
				StatusReference: credential.StatusReference{URI: s.URI(r.ListID), Index: p.Index(c)}})
		}
	}
	if len(out) != n {
		return nil, fmt.Errorf("status: reserved %d entries, wanted %d", len(out), n)
	}
	return out, nil
}

// newList makes an empty list of the configured shape.
func (s *Service) newList() (*List, audit.Event, error) {
	b := make([]byte, 12+32)
	if _, err := io.ReadFull(s.d.Rand, b); err != nil {
		return nil, audit.Event{}, fmt.Errorf("status: reading randomness: %w", err)
	}
	now := s.d.Now()
	l := &List{ID: "sl_" + base64.RawURLEncoding.EncodeToString(b[:12]), Bits: s.d.Bits, Size: s.d.Size, Seed: b[12:],
		Statuses: make([]byte, ByteLen(s.d.Size, s.d.Bits)), CreatedAt: now, UpdatedAt: now}
	ev := audit.Event{At: now, Actor: audit.Actor{Kind: audit.ActorSystem}, Action: "status_list.created", SubjectType: "status_list", SubjectID: l.ID,
		Details: map[string]string{"size": fmt.Sprint(l.Size), "bits": fmt.Sprint(l.Bits)}}
	return l, ev, nil
}
