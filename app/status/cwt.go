package status

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"credmint/app/keys"
)

// MediaTypeCWT is the media type of the CWT form of a Status List Token
// (draft -14 §5.2, §14), also its COSE type header value (RFC 9596).
const MediaTypeCWT = "application/statuslist+cwt"

// CWT claim keys of a Status List Token (RFC 8392 §4, draft -14 §5.2).
const (
	cwtSub        = 2
	cwtExp        = 4
	cwtIat        = 6
	cwtStatusList = 65533
	cwtTTL        = 65534
)

// maxCachedCWTs bounds the in-memory CWT cache: one entry per list.
const maxCachedCWTs = 4096

// cwtEncMode encodes CWT claims deterministically (RFC 8949 §4.2.1).
var cwtEncMode = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// statusListCBOR is the status_list claim of the CWT form (§4.3): lst is
// the compressed array as a byte string.
type statusListCBOR struct {
	Bits int    `cbor:"bits"`
	Lst  []byte `cbor:"lst"`
}

// cwtCache keeps the signed CWT of each list in memory, with the list
// version and key it was made from. Unlike the JWT, which is cached in
// status_lists for every process, the CWT is cached per process: a
// process signs a list's CWT at most once per list version and half
// token lifetime, one ECDSA signature and one compression, which is cheap
// enough not to need a column, and every GET still checks the version
// and key against the database. The zero value is ready to use.
type cwtCache struct {
	mu sync.Mutex
	m  map[string]cachedCWT
}

type cachedCWT struct {
	body      []byte
	version   int64
	kid       string
	issuedAt  time.Time
	expiresAt time.Time
}

func (c *cwtCache) get(id string) (cachedCWT, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	return v, ok
}

func (c *cwtCache) put(id string, v cachedCWT) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedCWT{}
	}
	if old, ok := c.m[id]; ok && old.version > v.version {
		return
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= maxCachedCWTs {
		clear(c.m) // rare: more lists than fit; they are re-signed on demand
	}
	c.m[id] = v
}

func (c *cwtCache) ids() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.m))
	for id := range c.m {
		out = append(out, id)
	}
	return out
}

// CWT returns the Status List Token of list id in CWT form (draft -14
// §5.2): the one this process signed while it shows the list's current
// version, was signed by the active key and is in the first half of its
// life; otherwise a new one. Token.CWT holds it. issuance.ErrNotFound for
// an unknown list.
func (s *Service) CWT(ctx context.Context, id string) (*Token, error) {
	l, signer, now, err := s.current(ctx, id)
	if err != nil {
		return nil, err
	}
	if c, ok := s.cwt.get(id); ok && c.version == l.Version && c.kid == signer.KeyID() && freshAt(c.issuedAt, c.expiresAt, now) {
		return &Token{CWT: c.body, Version: c.version, IssuedAt: c.issuedAt, ExpiresAt: c.expiresAt, TTL: s.d.TTL}, nil
	}
	if l, err = s.d.Store.StatusList(ctx, id, true); err != nil {
		return nil, err
	}
	tok, err := s.signCWT(ctx, signer, l, now)
	if err != nil {
		return nil, err
	}
	s.cwt.put(id, cachedCWT{body: tok.CWT, version: tok.Version, kid: signer.KeyID(), issuedAt: tok.IssuedAt, expiresAt: tok.ExpiresAt})
	return tok, nil
}

// signCWT makes the CWT form of l's token: a tagged COSE_Sign1 (RFC 9052
// §4.2) with alg ES256 (-7) and type application/statuslist+cwt (16) in the
// protected header, kid (4) and, when the key has a certificate chain,
// x5chain (33, RFC 9360: one certificate as a bstr, several as an array;
// trust anchor excluded) in the unprotected header, over the claims sub,
// iat, exp, ttl and status_list.
func (s *Service) signCWT(ctx context.Context, signer keys.Signer, l *List, now time.Time) (*Token, error) {
	cs, err := keys.COSE(ctx, signer)
	if err != nil {
		return nil, fmt.Errorf("status: CWT form: %w", err)
	}
	lst, err := CompressBytes(l.Statuses)
	if err != nil {
		return nil, err
	}
	iat := now.Truncate(time.Second)
	exp := iat.Add(s.d.Validity)
	payload, err := cwtEncMode.Marshal(map[int]any{
		cwtSub:        s.URI(l.ID),
		cwtIat:        iat.Unix(),
		cwtExp:        exp.Unix(),
		cwtTTL:        int64(s.d.TTL / time.Second),
		cwtStatusList: statusListCBOR{Bits: l.Bits, Lst: lst},
	})
	if err != nil {
		return nil, fmt.Errorf("status: encode CWT claims of list %s: %w", l.ID, err)
	}
	unprotected := cose.UnprotectedHeader{cose.HeaderLabelKeyID: []byte(signer.KeyID())}
	if x5chain := keys.X5Chain(signer); x5chain != nil {
		unprotected[cose.HeaderLabelX5Chain] = x5chain
	}
	msg := cose.Sign1Message{
		Headers: cose.Headers{
			Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cs.Algorithm(), cose.HeaderLabelType: MediaTypeCWT},
			Unprotected: unprotected,
		},
		Payload: payload,
	}
	if err := msg.Sign(nil, nil, cs); err != nil {
		return nil, fmt.Errorf("status: sign list %s with key %s: %w", l.ID, signer.KeyID(), err)
	}
	body, err := msg.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("status: encode CWT of list %s: %w", l.ID, err)
	}
	return &Token{CWT: body, Version: l.Version, IssuedAt: iat, ExpiresAt: exp, TTL: s.d.TTL}, nil
}
