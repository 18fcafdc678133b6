package db

import "testing"

func TestShape(t *testing.T) {
	for sql, want := range map[string]string{
		"UPDATE offers SET tx_code_attempts = tx_code_attempts + 1 WHERE id = \"off_x\" AND code_hash = 'abc'": "UPDATE offers",
		"INSERT INTO `used_nonces` (`hash`,`expires_at`) VALUES ('deadbeef','2026')":                           "INSERT used_nonces",
		"SELECT * FROM \"access_tokens\" WHERE hash = 'x' LIMIT 1":                                             "SELECT access_tokens",
		"DELETE FROM used_nonces WHERE expires_at < '2026'":                                                    "DELETE used_nonces",
		"COMMIT":              "COMMIT",
		"PRAGMA secret = 'x'": "statement",
	} {
		if got := shape(sql); got != want {
			t.Errorf("shape(%q) = %q, want %q", sql, got, want)
		}
	}
}
