package applicants

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"credmint/app/audit"
	"credmint/app/credential"
)

// EditForm is an applicant as its edit form shows it.
type EditForm struct {
	Applicant     *Applicant
	Configuration *credential.Configuration
	// Claims are the configuration's claims a form can set, with their
	// values as text.
	Claims []ClaimValue
}

// ClaimValue is a claim of an edit form.
type ClaimValue struct {
	ClaimTarget
	Value string
}

// Edit returns the edit form of applicant id. ErrConflict when its
// configuration is disabled or gone (its dataset cannot be checked).
func (s *Service) Edit(ctx context.Context, id string) (*EditForm, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	cfg, err := s.applicantConfiguration(ctx, a)
	if err != nil {
		return nil, err
	}
	f := &EditForm{Applicant: a, Configuration: cfg}
	for _, t := range Targets(cfg) {
		var v any
		if vals := credential.Select(a.Claims, t.Path); len(vals) == 1 {
			v = vals[0]
		}
		f.Claims = append(f.Claims, ClaimValue{t, format(v)})
	}
	return f, nil
}

func (s *Service) applicantConfiguration(ctx context.Context, a *Applicant) (*credential.Configuration, error) {
	cfg, err := s.Catalog.Configuration(ctx, a.ConfigurationID)
	if errors.Is(err, credential.ErrUnknownConfiguration) {
		return nil, fmt.Errorf("applicants: configuration %s of %s is disabled: %w", a.ConfigurationID, a.ID, ErrConflict)
	}
	return cfg, err
}

// Changes are the values of an edit form.
type Changes struct {
	ExternalID, Name, Email, Phone, Address string
	NeedsReview                             bool
	// Claims are keyed by claim path (ClaimTarget.Key); a claim left out
	// or "" is removed.
	Claims map[string]string
}

// ClaimsFromForm turns the claims[…] values of a form (as gin's
// PostFormMap("claims") returns them) into Changes.Claims.
func ClaimsFromForm(form map[string]string) map[string]string {
	out := make(map[string]string, len(form))
	for k, v := range form {
		if key, err := base64.RawURLEncoding.DecodeString(k); err == nil {
			out[string(key)] = v
		}
	}
	return out
}

// Update checks ch against the applicant's configuration and stores it.
// A *ValidationError (keyed by form field name) comes with the form as
// submitted, to show again.
func (s *Service) Update(ctx context.Context, id string, ch Changes) (*EditForm, error) {
	f, err := s.Edit(ctx, id)
	if err != nil {
		return nil, err
	}
	a := *f.Applicant
	errs := map[string]string{}
	a.ExternalID = textField(errs, "external_id", ch.ExternalID, maxFieldLen)
	a.Name = textField(errs, "name", ch.Name, maxFieldLen)
	a.Email = textField(errs, "email", ch.Email, maxFieldLen)
	if a.Email != "" && !validEmail(a.Email) {
		errs["email"] = "Enter an email address like name@example.org."
	}
	a.Phone = textField(errs, "phone", ch.Phone, maxFieldLen)
	a.Address = strings.ReplaceAll(textField(errs, "address", ch.Address, maxAddressLen), "\r\n", "\n")
	a.Claims = deepCopy(f.Applicant.Claims)
	for i, t := range f.Claims {
		raw := ch.Claims[t.Key]
		f.Claims[i].Value = raw
		v, reason := convert(t.Type, raw)
		switch {
		case reason != "":
			errs[t.Field] = capitalize(reason) + "."
		case v == nil:
			deletePath(a.Claims, t.Path)
		default:
			if err := setPath(a.Claims, t.Path, v); err != nil {
				errs[t.Field] = capitalize(err.Error()) + "."
			}
		}
	}
	for _, fe := range f.Configuration.CheckDataset(a.Claims) {
		field := ""
		if i := slices.IndexFunc(f.Claims, func(c ClaimValue) bool { return c.Key == fe.Field }); i >= 0 {
			field = f.Claims[i].Field
		}
		msg := capitalize(datasetReason(fe.Reason)) + "."
		if field == "" {
			msg = fe.Field + ": " + datasetReason(fe.Reason) + "."
		}
		if errs[field] == "" {
			errs[field] = msg
		}
	}
	a.Flags = setFlag(a.Flags, FlagNeedsReview, ch.NeedsReview)
	a.Flags = setFlag(a.Flags, FlagNoContact, a.Email == "" && a.Phone == "" && a.Address == "")
	form := &EditForm{Applicant: &a, Configuration: f.Configuration, Claims: f.Claims}
	if len(errs) > 0 {
		return form, &ValidationError{Fields: errs}
	}
	a.UpdatedAt = s.now()
	if err := s.seal(&a); err != nil {
		return nil, err
	}
	ev := audit.New(ctx, a.UpdatedAt, "applicant.updated", "applicant", a.ID, map[string]string{
		"configuration_id": a.ConfigurationID, "changed": strings.Join(changed(f.Applicant, &a), " "),
	})
	err = s.Store.UpdateApplicant(ctx, &a, ev)
	if errors.Is(err, ErrConflict) {
		return form, invalid("external_id", "Another applicant of this configuration has this external id.")
	}
	if err != nil {
		return nil, err
	}
	return form, nil
}

// changed names the fields that differ between a and b, for the audit log.
func changed(a, b *Applicant) []string {
	var out []string
	for _, f := range []struct {
		name string
		x, y string
	}{{"external_id", a.ExternalID, b.ExternalID}, {"name", a.Name, b.Name}, {"email", a.Email, b.Email},
		{"phone", a.Phone, b.Phone}, {"address", a.Address, b.Address}} {
		if f.x != f.y {
			out = append(out, f.name)
		}
	}
	if format(a.Claims) != format(b.Claims) {
		out = append(out, "claims")
	}
	if !slices.Equal(a.Flags, b.Flags) {
		out = append(out, "flags")
	}
	return out
}

func textField(errs map[string]string, field, v string, limit int) string {
	v = strings.TrimSpace(v)
	switch {
	case len(v) > limit:
		errs[field] = fmt.Sprintf("At most %d characters.", limit)
	case strings.ContainsFunc(v, func(r rune) bool { return isControl(r) && r != '\r' }):
		errs[field] = "Control characters are not allowed."
	}
	return v
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func setFlag(flags []string, f string, on bool) []string {
	flags = slices.DeleteFunc(slices.Clone(flags), func(x string) bool { return x == f })
	if on {
		flags = append(flags, f)
	}
	slices.Sort(flags)
	return flags
}

func deepCopy(m map[string]any) map[string]any {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range out {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopy(x)
	case []any:
		c := make([]any, len(x))
		for i := range x {
			c[i] = copyValue(x[i])
		}
		return c
	}
	return v
}

// Delete deletes applicant id. Offers made for it stay (they hold their
// own copy of the claims).
func (s *Service) Delete(ctx context.Context, id string) error {
	a, err := s.Store.Applicant(ctx, id)
	if err != nil {
		return err
	}
	ev := audit.New(ctx, s.now(), "applicant.deleted", "applicant", id, map[string]string{
		"configuration_id": a.ConfigurationID, "import_job_id": a.ImportJobID,
	})
	return s.Store.DeleteApplicant(ctx, id, ev)
}
