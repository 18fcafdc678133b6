package credential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"credmint/app/audit"
)

// Errors of a Manager (and of an Editor).
var (
	// ErrNotFound: no configuration has this id.
	ErrNotFound = errors.New("no such credential configuration")
	// ErrExists: a configuration with this id exists already.
	ErrExists = errors.New("a credential configuration with this id exists")
	// ErrFileManaged: the configuration is declared in the configuration
	// file, which is written to the database at every start and would undo
	// the change.
	ErrFileManaged = errors.New("the credential configuration is managed by the configuration file")
)

// Editor is the store a Manager writes through. Each write stores the audit
// event in the same transaction as the change.
type Editor interface {
	Store
	// CredentialConfiguration returns the configuration with id, disabled
	// or not, normalized; ErrNotFound when there is none.
	CredentialConfiguration(ctx context.Context, id string) (*Configuration, error)
	// CreateCredentialConfiguration inserts c and ev; ErrExists when the id
	// is taken.
	CreateCredentialConfiguration(ctx context.Context, c *Configuration, ev audit.Event) error
	// SaveCredentialConfiguration inserts c or replaces the configuration
	// with its id, and writes ev.
	SaveCredentialConfiguration(ctx context.Context, c *Configuration, ev audit.Event) error
}

// ManagerDeps are what a Manager needs.
type ManagerDeps struct {
	Store   Editor
	Catalog *Catalog
	Formats *Formats
	// FileManaged are the ids of the configurations declared in the
	// configuration file. They are read-only for the Manager.
	FileManaged []string
	Now         func() time.Time
}

// Manager creates, edits, disables and enables credential configurations for
// the console. Every change is validated, audited, and applies to new offers
// at once in this process (the catalog is invalidated) and within the
// catalog's TTL in other processes.
type Manager struct {
	ManagerDeps
}

// NewManager returns a Manager.
func NewManager(d ManagerDeps) (*Manager, error) {
	if d.Store == nil || d.Catalog == nil || d.Formats == nil {
		return nil, errors.New("credential: Manager needs Store, Catalog and Formats")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Manager{ManagerDeps: d}, nil
}

func (m *Manager) now() time.Time { return m.Now().UTC().Truncate(time.Microsecond) }

// List returns every configuration, disabled ones included, by id.
func (m *Manager) List(ctx context.Context) ([]Configuration, error) {
	return m.Store.CredentialConfigurations(ctx)
}

// Get returns the configuration with id, or ErrNotFound.
func (m *Manager) Get(ctx context.Context, id string) (*Configuration, error) {
	return m.Store.CredentialConfiguration(ctx, id)
}

// IsFileManaged reports whether id is declared in the configuration file.
func (m *Manager) IsFileManaged(id string) bool { return slices.Contains(m.FileManaged, id) }

// FormatIDs lists the formats staff may choose for a configuration: the
// registered ones that are not hidden (vc+sd-jwt is reached through
// draft_twin).
func (m *Manager) FormatIDs() []string { return m.Formats.Selectable() }

// FormatFields returns the yaml names of the format-specific fields format
// uses (e.g. doctype), nil for an unknown format.
func (m *Manager) FormatFields(format string) []string { return m.Formats.Fields(format) }

// Check validates c as it would be saved (defaults filled in) without
// changing it. The error is a *FieldError.
func (m *Manager) Check(c *Configuration) error {
	n := clone(c)
	n.Normalize()
	return n.Validate(m.Formats)
}

// Create validates and stores a new configuration.
func (m *Manager) Create(ctx context.Context, c *Configuration) error {
	if err := m.Check(c); err != nil {
		return err
	}
	if m.IsFileManaged(c.ID) {
		return &FieldError{"id", "is declared in the configuration file; choose another id or edit the file"}
	}
	ev := audit.New(ctx, m.now(), "credential_configuration.created", "credential_configuration", c.ID,
		map[string]string{"format": c.Format, "disabled": fmt.Sprint(c.Disabled)})
	err := m.Store.CreateCredentialConfiguration(ctx, c, ev)
	if errors.Is(err, ErrExists) {
		return &FieldError{"id", "a configuration with this id exists"}
	}
	if err != nil {
		return err
	}
	m.Catalog.Invalidate()
	return nil
}

// Update validates c and replaces the stored configuration with its id,
// keeping its disabled state (SetDisabled changes that). c is the whole
// configuration: an upstream login mapping (upstream_claims,
// applicant_match, no_match) it lacks is removed. The audit event names
// the top-level fields that changed.
func (m *Manager) Update(ctx context.Context, c *Configuration) error {
	if m.IsFileManaged(c.ID) {
		return ErrFileManaged
	}
	old, err := m.Store.CredentialConfiguration(ctx, c.ID)
	if err != nil {
		return err
	}
	c.Disabled = old.Disabled
	if err := m.Check(c); err != nil {
		return err
	}
	ev := audit.New(ctx, m.now(), "credential_configuration.updated", "credential_configuration", c.ID,
		map[string]string{"changed": strings.Join(changedFields(old, c), " ")})
	if err := m.Store.SaveCredentialConfiguration(ctx, c, ev); err != nil {
		return err
	}
	m.Catalog.Invalidate()
	return nil
}

// SetDisabled disables (no longer published or offered) or enables the
// configuration with id and returns it.
func (m *Manager) SetDisabled(ctx context.Context, id string, disabled bool) (*Configuration, error) {
	if m.IsFileManaged(id) {
		return nil, ErrFileManaged
	}
	c, err := m.Store.CredentialConfiguration(ctx, id)
	if err != nil {
		return nil, err
	}
	action := "credential_configuration.enabled"
	if disabled {
		action = "credential_configuration.disabled"
	}
	c.Disabled = disabled
	if err := m.Store.SaveCredentialConfiguration(ctx, c, audit.New(ctx, m.now(), action, "credential_configuration", id, nil)); err != nil {
		return nil, err
	}
	m.Catalog.Invalidate()
	return c, nil
}

// clone deep-copies c through its JSON form (the form it is stored in).
func clone(c *Configuration) *Configuration {
	raw, _ := json.Marshal(c) // plain data: cannot fail
	var out Configuration
	_ = json.Unmarshal(raw, &out)
	return &out
}

// changedFields lists the JSON members that differ between a and b, sorted.
func changedFields(a, b *Configuration) []string {
	am, bm := members(a), members(b)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(am)) {
		if string(am[k]) != string(bm[k]) {
			out = append(out, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(bm)) {
		if _, ok := am[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func members(c *Configuration) map[string]json.RawMessage {
	n := clone(c)
	n.Normalize()
	raw, _ := json.Marshal(n)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	return m
}
