package audit_test

import (
	"testing"

	"credmint/app/audit"
)

func TestNamesLabelActors(t *testing.T) {
	names := audit.Names{
		"usr_1":   {Kind: audit.ActorStaff, Name: "Grace Hopper"},
		"key_crm": {Kind: audit.ActorAPIKey, Name: "crm"},
	}
	for _, tt := range []struct {
		actor audit.Actor
		want  string
	}{
		{audit.Actor{Kind: audit.ActorStaff, ID: "usr_1"}, "Grace Hopper"},
		{audit.Actor{Kind: audit.ActorStaff, ID: "usr_gone"}, "usr_gone (deleted user)"},
		{audit.Actor{Kind: audit.ActorAPIKey, ID: "key_crm"}, "API key crm"},
		{audit.Actor{Kind: audit.ActorAPIKey, ID: "key_gone"}, "API key key_gone (deleted)"},
		// An id of the wrong kind is not taken for the other kind's name.
		{audit.Actor{Kind: audit.ActorStaff, ID: "key_crm"}, "key_crm (deleted user)"},
		{audit.Actor{Kind: audit.ActorSystem}, "credmint"},
		{audit.Actor{}, "credmint"},
		{audit.Actor{Kind: audit.ActorWallet, RemoteAddr: "192.0.2.1"}, "wallet"},
	} {
		if got := names.Of(tt.actor); got != tt.want {
			t.Errorf("Of(%+v): got %q, want %q", tt.actor, got, tt.want)
		}
	}
	for id, want := range map[string]string{"usr_1": "Grace Hopper", "key_crm": "API key crm", "usr_gone": "usr_gone (deleted user)", "": "credmint"} {
		if got := names.ByID(id); got != want {
			t.Errorf("ByID(%q): got %q, want %q", id, got, want)
		}
	}
}

func TestActorIDs(t *testing.T) {
	actors := []audit.Actor{{Kind: audit.ActorStaff, ID: "usr_1"}, {Kind: audit.ActorWallet}, {Kind: audit.ActorAPIKey, ID: "key_1"},
		{Kind: audit.ActorStaff, ID: "usr_1"}, {Kind: audit.ActorSystem}}
	got := audit.ActorIDs(actors, "", "usr_2", "key_1")
	want := []string{"usr_1", "key_1", "usr_2"}
	if len(got) != len(want) {
		t.Fatalf("ActorIDs: got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ActorIDs: got %v, want %v", got, want)
		}
	}
}
