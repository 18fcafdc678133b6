package db

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
	"gorm.io/gorm/utils"
)

// statementShape matches the verb and table of a statement. Only that is
// logged: gorm inlines parameter values into the SQL it hands to a logger on
// some paths (prepared statements among them), and values here are hashes
// and sealed data.
var statementShape = regexp.MustCompile(`(?i)^\s*(SELECT\b.*?\bFROM|INSERT\s+INTO|UPDATE|DELETE\s+FROM|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\s*[` + "`" + `"]?(\w*)`)

// slowQuery is how long a statement may take before it is logged.
const slowQuery = 500 * time.Millisecond

// logger routes gorm's statement trace to slog at warn level: slow
// statements and unexpected errors only. Statements are logged by their verb
// and table, never their text or parameters (hashes, sealed data), and expected
// outcomes that the store turns into sentinels (not found, duplicate key)
// are not logged.
type logger struct {
	log *slog.Logger
}

var (
	_ gormlogger.Interface = logger{}
	_ gorm.ParamsFilter    = logger{}
)

// newLogger returns a gorm logger writing to l, or discarding when l is nil.
func newLogger(l *slog.Logger) gormlogger.Interface {
	if l == nil {
		return gormlogger.Discard
	}
	return logger{log: l}
}

// LogMode is ignored: the level is the slog handler's business.
func (l logger) LogMode(gormlogger.LogLevel) gormlogger.Interface { return l }

// Info drops gorm's informational messages.
func (l logger) Info(context.Context, string, ...any) {}

// Warn logs gorm's warnings.
func (l logger) Warn(ctx context.Context, msg string, _ ...any) {
	l.log.WarnContext(ctx, "gorm: "+msg)
}

// Error logs gorm's errors at warn level: the caller gets the error too.
func (l logger) Error(ctx context.Context, msg string, _ ...any) {
	l.log.WarnContext(ctx, "gorm: "+msg)
}

// ParamsFilter drops the parameters so that traces show placeholders only.
func (l logger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// Trace logs a statement that failed unexpectedly or was slow.
func (l logger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	expected := err == nil || errors.Is(err, gorm.ErrRecordNotFound) ||
		errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, context.Canceled)
	if expected && elapsed < slowQuery {
		return
	}
	sql, rows := fc()
	attrs := []any{slog.String("statement", shape(sql)), slog.String("caller", utils.FileWithLineNum()), slog.Duration("duration", elapsed), slog.Int64("rows", rows)}
	if !expected {
		l.log.WarnContext(ctx, "database statement failed", append(attrs, slog.String("error", err.Error()))...)
		return
	}
	l.log.WarnContext(ctx, "slow database statement", attrs...)
}

// shape returns e.g. "UPDATE offers" for a statement, or "statement".
func shape(sql string) string {
	m := statementShape.FindStringSubmatch(sql)
	if m == nil {
		return "statement"
	}
	verb := strings.ToUpper(strings.Fields(m[1])[0])
	if m[2] == "" {
		return verb
	}
	return verb + " " + m[2]
}
