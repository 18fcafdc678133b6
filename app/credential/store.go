package credential

import "context"

// Store persists credential configurations.
type Store interface {
	// CredentialConfigurations returns every configuration, disabled ones
	// included, ordered by id.
	CredentialConfigurations(ctx context.Context) ([]Configuration, error)
	// UpsertCredentialConfiguration inserts c or replaces the one with its id.
	UpsertCredentialConfiguration(ctx context.Context, c *Configuration) error
}
