package applicants

// SetAfterChunk installs a hook that runs after each committed import
// chunk; an error stops the import there, as a crash would.
func SetAfterChunk(s *Service, f func(next int) error) { s.afterChunk = f }

// Exported for the tests of package applicants_test.
var (
	ReadSource = readSource
	Convert    = convert
)
