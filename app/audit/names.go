package audit

import "context"

// Name is what an actor id stands for: a staff member or an API key.
type Name struct {
	// Kind is ActorStaff or ActorAPIKey.
	Kind string
	// Name is the staff member's name, or their email address when they
	// have none; an API key's name.
	Name string
}

// Names are the names of the staff members and API keys a console page
// shows, by id, as one Directory lookup returns them for the whole page.
// An id missing from Names belongs to nobody any more (a deleted account).
type Names map[string]Name

// Directory resolves actor ids to names in bulk.
type Directory interface {
	// ActorNames returns the names of the staff users and API keys among
	// ids, in one query; unknown and empty ids are absent from the result.
	ActorNames(ctx context.Context, ids []string) (Names, error)
}

// Labels the console shows for actors that are not a staff member or an
// API key.
const (
	// SystemLabel names credmint itself: its workers, the command line.
	SystemLabel = "credmint"
	// WalletLabel names a wallet (wallets are anonymous).
	WalletLabel = "wallet"
)

// Of is how the console names actor a: the staff member's name (or email),
// "API key <name>", "credmint" for the system and "wallet" for a wallet.
// An id that no longer resolves shows as "<id> (deleted user)" or "API key
// <id> (deleted)".
func (n Names) Of(a Actor) string {
	switch a.Kind {
	case ActorWallet:
		return WalletLabel
	case ActorStaff:
		if v, ok := n[a.ID]; ok && v.Kind == ActorStaff {
			return v.Name
		}
		return deletedUser(a.ID)
	case ActorAPIKey:
		if v, ok := n[a.ID]; ok && v.Kind == ActorAPIKey {
			return "API key " + v.Name
		}
		if a.ID == "" {
			return "an API key"
		}
		return "API key " + a.ID + " (deleted)"
	}
	return SystemLabel
}

// ByID names the actor behind an id stored without its kind (an offer's,
// import's or decision's "created by", "approved by"): a staff user or an
// API key, or credmint itself when id is empty.
func (n Names) ByID(id string) string {
	if id == "" {
		return SystemLabel
	}
	if v, ok := n[id]; ok {
		return n.Of(Actor{Kind: v.Kind, ID: id})
	}
	return deletedUser(id)
}

func deletedUser(id string) string {
	if id == "" {
		return "a staff member"
	}
	return id + " (deleted user)"
}

// ActorIDs are the distinct non-empty ids of actors, in order of first
// appearance: the argument of one Directory lookup for a page.
func ActorIDs(actors []Actor, ids ...string) []string {
	out := make([]string, 0, len(actors)+len(ids))
	seen := make(map[string]bool, cap(out))
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, a := range actors {
		if a.Kind == ActorStaff || a.Kind == ActorAPIKey {
			add(a.ID)
		}
	}
	for _, id := range ids {
		add(id)
	}
	return out
}
