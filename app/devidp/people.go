package devidp

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	views "credmint/views/devidp"
)

// DefaultPeople are the demo people offered when Deps.People is empty. Their
// data is invented; birthdates are the historical ones.
func DefaultPeople() []Person {
	person := func(sub, given, family, email, birthdate, employeeID string) Person {
		return Person{Subject: sub, Claims: map[string]any{
			"email": email, "email_verified": true,
			"name": given + " " + family, "given_name": given, "family_name": family,
			"birthdate": birthdate, "employee_id": employeeID,
		}}
	}
	return []Person{
		person("dev-ada-lovelace", "Ada", "Lovelace", "ada.lovelace@example.org", "1815-12-10", "E-1815"),
		person("dev-grace-hopper", "Grace", "Hopper", "grace.hopper@example.org", "1906-12-09", "E-1906"),
		person("dev-alan-turing", "Alan", "Turing", "alan.turing@example.org", "1912-06-23", "E-1912"),
	}
}

// reservedClaims are set by the provider itself and cannot come from a
// person (OpenID Connect Core §2, §3.1.3.6).
var reservedClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "nonce", "auth_time", "azp", "at_hash", "c_hash", "acr", "amr", "sid"}

func checkPeople(people []Person) error {
	seen := map[string]bool{}
	for i, person := range people {
		if person.Subject == "" {
			return fmt.Errorf("devidp: person %d has no subject", i)
		}
		// Core §2: sub is at most 255 ASCII characters.
		if len(person.Subject) > 255 {
			return fmt.Errorf("devidp: person %q: subject longer than 255 characters", person.Subject)
		}
		if seen[person.Subject] {
			return fmt.Errorf("devidp: subject %q appears twice", person.Subject)
		}
		seen[person.Subject] = true
		for name := range person.Claims {
			if slices.Contains(reservedClaims, name) {
				return fmt.Errorf("devidp: person %q: claim %q is set by the provider", person.Subject, name)
			}
		}
	}
	if len(people) == 0 {
		return errors.New("devidp: no people")
	}
	return nil
}

// person finds a person by subject.
func (p *Provider) person(subject string) (Person, bool) {
	i := slices.IndexFunc(p.people, func(x Person) bool { return x.Subject == subject })
	if i < 0 {
		return Person{}, false
	}
	return p.people[i], true
}

// claims are the person's claims with sub, as UserInfo answers them.
func (person Person) claims() map[string]any {
	out := maps.Clone(person.Claims)
	if out == nil {
		out = map[string]any{}
	}
	out["sub"] = person.Subject
	return out
}

// card is how the sign-in page shows a person: the name, then every other
// claim but the name parts, sorted.
func (person Person) card() views.Person {
	name, _ := person.Claims["name"].(string)
	if name == "" {
		name = person.Subject
	}
	c := views.Person{Subject: person.Subject, Name: name, Details: []views.Detail{{Label: "sub", Value: person.Subject}}}
	for _, k := range slices.Sorted(maps.Keys(person.Claims)) {
		switch k {
		case "name", "given_name", "family_name", "email_verified":
			continue
		}
		c.Details = append(c.Details, views.Detail{Label: k, Value: fmt.Sprint(person.Claims[k])})
	}
	return c
}
