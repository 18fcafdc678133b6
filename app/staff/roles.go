package staff

import "slices"

// Roles of staff accounts.
const (
	RoleAdmin    = "admin"    // everything: users, keys, settings
	RoleIssuer   = "issuer"   // applicants, offers, credentials
	RoleReviewer = "reviewer" // the review queue of deferred issuance
	RoleAuditor  = "auditor"  // read-only, with the audit log
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleAdmin, RoleIssuer, RoleReviewer, RoleAuditor}

// Permission is something a role may do in the console.
type Permission string

// Permissions. Reading the console's pages needs PermRead.
const (
	PermRead                 Permission = "read"
	PermManageConfigurations Permission = "configurations:write"
	PermManageApplicants     Permission = "applicants:write"
	PermManageOffers         Permission = "offers:write"
	PermManageCredentials    Permission = "credentials:write"
	PermReview               Permission = "review:decide"
	PermReadAudit            Permission = "audit:read"
	PermManageUsers          Permission = "users:write"
	PermManageAPIKeys        Permission = "apikeys:write"
	PermManageWalletClients  Permission = "wallet_clients:write"
	PermManageWebhooks       Permission = "webhooks:write"
	PermManageKeys           Permission = "keys:write"
)

var grants = map[string][]Permission{
	RoleAdmin: {PermRead, PermManageConfigurations, PermManageApplicants, PermManageOffers, PermManageCredentials,
		PermReview, PermReadAudit, PermManageUsers, PermManageAPIKeys, PermManageWalletClients,
		PermManageWebhooks, PermManageKeys},
	RoleIssuer:   {PermRead, PermManageApplicants, PermManageOffers, PermManageCredentials},
	RoleReviewer: {PermRead, PermReview},
	RoleAuditor:  {PermRead, PermReadAudit},
}

// ValidRole reports whether r is a role.
func ValidRole(r string) bool { return slices.Contains(Roles, r) }

// Can reports whether role may do p.
func Can(role string, p Permission) bool { return slices.Contains(grants[role], p) }
