// Package applicants holds the console pages of the applicants area: the
// list, an applicant's page, its edit and delete forms, and the import
// pages (upload, column mapping with preview, job progress).
package applicants

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }

func claimLabel(c ClaimInput) string {
	l := c.Label
	if l != c.Key {
		l += " (" + c.Key + ")"
	}
	if c.Mandatory {
		l += " *"
	}
	return l
}

func fileLabel(name string) string {
	if name == "" {
		return "an upload"
	}
	return name
}
