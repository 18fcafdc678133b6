package config

import "testing"

// TestCompatDrafts: compat.drafts is off by default and can be turned on by
// the file or by CREDMINT_COMPAT_DRAFTS, which wins.
func TestCompatDrafts(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, env string
		want            bool
	}{
		{"off by default", "", "", false},
		{"file", "compat: {drafts: true}", "", true},
		{"environment", "", "true", true},
		{"environment wins", "compat: {drafts: true}", "false", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("CREDMINT_COMPAT_DRAFTS", tc.env)
			}
			c, err := Load(writeConfig(t, tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if c.Compat.Drafts != tc.want {
				t.Errorf("compat.drafts: got %v, want %v", c.Compat.Drafts, tc.want)
			}
		})
	}
}
