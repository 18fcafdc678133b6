package db

import (
	"context"

	"gorm.io/gorm"
)

// Transact exposes transact (group commit on SQLite) to the tests; with
// rerunnable, transactRerunnable.
func (s *Store) Transact(ctx context.Context, fn func(tx *gorm.DB) error, rerunnable bool) error {
	if rerunnable {
		return s.transactRerunnable(ctx, fn)
	}
	return s.transact(ctx, fn)
}
