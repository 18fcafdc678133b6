package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"credmint/app/credential"
)

// configurationRow is a row of credential_configurations: the configuration
// as a JSON document (encoding/json of credential.Configuration) plus the
// columns queries need.
type configurationRow struct {
	ID        string    `gorm:"column:id;primaryKey"`
	Format    string    `gorm:"column:format"`
	Disabled  bool      `gorm:"column:disabled"`
	Document  string    `gorm:"column:document"`
	UpdatedAt time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (configurationRow) TableName() string { return "credential_configurations" }

// CredentialConfigurations returns every configuration, disabled ones
// included, ordered by id, each normalized.
func (s *Store) CredentialConfigurations(ctx context.Context) ([]credential.Configuration, error) {
	var rows []configurationRow
	if err := s.read(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("db: credential configurations: %w", err)
	}
	out := make([]credential.Configuration, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal([]byte(r.Document), &out[i]); err != nil {
			return nil, fmt.Errorf("db: credential configuration %s: %w", r.ID, err)
		}
		out[i].Normalize()
	}
	return out, nil
}

// UpsertCredentialConfiguration inserts c or replaces the configuration with
// its id, in one statement, stamping updated_at with the store's clock.
func (s *Store) UpsertCredentialConfiguration(ctx context.Context, c *credential.Configuration) error {
	if c.ID == "" {
		return errors.New("db: upsert credential configuration: empty id")
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("db: upsert credential configuration %s: %w", c.ID, err)
	}
	err = s.write(ctx).Exec(`INSERT INTO credential_configurations (id, format, disabled, document, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET format = excluded.format, disabled = excluded.disabled,
			document = excluded.document, updated_at = excluded.updated_at`,
		c.ID, c.Format, c.Disabled, string(doc), utc(s.now())).Error
	if err != nil {
		return fmt.Errorf("db: upsert credential configuration %s: %w", c.ID, err)
	}
	return nil
}
