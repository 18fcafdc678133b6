package credential

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrUnknownConfiguration is returned for an id that names no enabled
// configuration.
var ErrUnknownConfiguration = errors.New("unknown credential configuration")

// Catalog serves the enabled configurations from a Store, cached for a short
// TTL so that hot paths do not query the database on every request while
// edits (by any credmint process) still apply within the TTL.
type Catalog struct {
	store Store
	ttl   time.Duration
	now   func() time.Time

	mu      sync.RWMutex
	loaded  time.Time
	byID    map[string]*Configuration
	ordered []Configuration
}

// NewCatalog returns a catalog over store. ttl 0 means 2 seconds.
func NewCatalog(store Store, ttl time.Duration, now func() time.Time) *Catalog {
	if ttl == 0 {
		ttl = 2 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &Catalog{store: store, ttl: ttl, now: now}
}

// Enabled returns the enabled configurations ordered by id. Callers must not
// modify the result.
func (c *Catalog) Enabled(ctx context.Context) ([]Configuration, error) {
	if err := c.refresh(ctx); err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.ordered, nil
}

// Configuration returns the enabled configuration id, or
// ErrUnknownConfiguration. Callers must not modify the result.
func (c *Catalog) Configuration(ctx context.Context, id string) (*Configuration, error) {
	if err := c.refresh(ctx); err != nil {
		return nil, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if cfg, ok := c.byID[id]; ok {
		return cfg, nil
	}
	return nil, ErrUnknownConfiguration
}

// Invalidate drops the cache so the next read goes to the store.
func (c *Catalog) Invalidate() {
	c.mu.Lock()
	c.loaded = time.Time{}
	c.mu.Unlock()
}

func (c *Catalog) refresh(ctx context.Context) error {
	now := c.now()
	c.mu.RLock()
	fresh := !c.loaded.IsZero() && now.Sub(c.loaded) < c.ttl
	c.mu.RUnlock()
	if fresh {
		return nil
	}
	all, err := c.store.CredentialConfigurations(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]*Configuration, len(all))
	ordered := make([]Configuration, 0, len(all))
	for _, cfg := range all {
		if cfg.Disabled {
			continue
		}
		cfg.Normalize()
		ordered = append(ordered, cfg)
	}
	for i := range ordered {
		byID[ordered[i].ID] = &ordered[i]
	}
	c.mu.Lock()
	c.byID, c.ordered, c.loaded = byID, ordered, now
	c.mu.Unlock()
	return nil
}
