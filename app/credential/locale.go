package credential

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// BestLocale picks the locale of available that an Accept-Language header
// (RFC 9110 §12.5.4) prefers most: an exact tag, else one of the same
// language; else def when it is available (or nothing is), else the first
// available. Pages for people (the landing page, the consent page) use it
// to choose among a configuration's display locales.
func BestLocale(acceptLanguage string, available []string, def string) string {
	type pref struct {
		tag string
		q   float64
	}
	var prefs []pref
	for i, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if tag == "" || tag == "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > 0 && i < 20 {
			prefs = append(prefs, pref{strings.ToLower(tag), q})
		}
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	for _, p := range prefs {
		for _, a := range available {
			if strings.EqualFold(a, p.tag) {
				return a
			}
		}
		for _, a := range available {
			if sameLanguage(a, p.tag) {
				return a
			}
		}
	}
	if len(available) == 0 || slices.Contains(available, def) {
		return def
	}
	return available[0]
}

// DisplayLocales are the locales of the configuration's display entries,
// in order, without repeats.
func (c *Configuration) DisplayLocales() []string {
	var out []string
	for _, d := range c.Display {
		if d.Locale != "" && !slices.Contains(out, d.Locale) {
			out = append(out, d.Locale)
		}
	}
	return out
}

// DisplayIn is the display entry for locale: the one of that locale, else
// one of the same language, else the first; a display named after the id
// when there is none.
func (c *Configuration) DisplayIn(locale string) Display {
	if len(c.Display) == 0 {
		return Display{Name: c.ID}
	}
	i := localeIndex(len(c.Display), func(i int) string { return c.Display[i].Locale }, locale)
	d := c.Display[max(i, 0)]
	if d.Name == "" {
		d.Name = c.ID
	}
	return d
}

// NameIn is the claim's display name for locale: the one of that locale,
// else one of the same language, else one without a locale, else the
// first; "" when the claim has no name.
func (cl *Claim) NameIn(locale string) string {
	if len(cl.Display) == 0 {
		return ""
	}
	i := localeIndex(len(cl.Display), func(i int) string { return cl.Display[i].Locale }, locale)
	if i < 0 {
		i = slices.IndexFunc(cl.Display, func(d ClaimDisplay) bool { return d.Locale == "" })
	}
	return cl.Display[max(i, 0)].Name
}

// localeIndex finds the entry (of n, each with a locale) for locale: the
// exact tag, else the same language; -1 when none fits.
func localeIndex(n int, localeOf func(int) string, locale string) int {
	if locale == "" {
		return -1
	}
	for i := range n {
		if strings.EqualFold(localeOf(i), locale) {
			return i
		}
	}
	for i := range n {
		if l := localeOf(i); l != "" && sameLanguage(l, locale) {
			return i
		}
	}
	return -1
}

// sameLanguage reports whether two BCP 47 tags name the same language
// ("de-CH" and "de").
func sameLanguage(a, b string) bool {
	la, _, _ := strings.Cut(a, "-")
	lb, _, _ := strings.Cut(b, "-")
	return strings.EqualFold(la, lb)
}
