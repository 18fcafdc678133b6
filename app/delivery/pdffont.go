package delivery

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// The letters' font: DejaVu Sans 2.37, regular and bold, unmodified from
// Debian's fonts-dejavu-core (Bitstream Vera and Arev licences, see
// fonts/LICENSE). It covers Latin, Greek, Cyrillic, Armenian and Georgian;
// fpdf embeds only the glyphs a document uses.
var (
	//go:embed fonts/DejaVuSans.ttf
	sansRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	sansBold []byte
)

const (
	// fontSans is the family name the letters' font is registered under.
	fontSans = "DejaVuSans"
	// unprintable stands in for a character the PDF cannot print.
	unprintable = '\uFFFD'
)

// complexScripts need right-to-left layout or glyph shaping, which fpdf does
// not do: DejaVu Sans has Arabic and Hebrew glyphs, but fpdf would print
// them unjoined and in the wrong order. Their characters count as missing.
var complexScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko,
	unicode.Samaritan, unicode.Mandaic, unicode.Mongolian,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati,
	unicode.Oriya, unicode.Tamil, unicode.Telugu, unicode.Kannada,
	unicode.Malayalam, unicode.Sinhala, unicode.Thai, unicode.Lao,
	unicode.Tibetan, unicode.Myanmar, unicode.Khmer,
}

// coverage is the set of characters both faces print: a bit per rune of the
// Basic Multilingual Plane (fpdf reads only the font's BMP cmap).
type coverage [0x10000 / 64]uint64

func (c *coverage) has(r rune) bool {
	return r >= 0 && r < 0x10000 && c[r/64]&(1<<(r%64)) != 0
}

func (c *coverage) set(r rune, on bool) {
	if on {
		c[r/64] |= 1 << (r % 64)
	} else {
		c[r/64] &^= 1 << (r % 64)
	}
}

// printable reports whether r prints as itself. U+FFFD, which is also what
// ranging over invalid UTF-8 gives, stands for a character already lost.
func (c *coverage) printable(r rune) bool {
	return r != unprintable && c.has(r)
}

// fontCoverage reads the cmaps of the embedded faces once.
var fontCoverage = sync.OnceValues(func() (*coverage, error) {
	return newCoverage(sansRegular, sansBold)
})

// newCoverage returns the characters every face maps to a glyph, less those
// of complexScripts, the control and format characters and the surrogates.
func newCoverage(faces ...[]byte) (*coverage, error) {
	var c coverage
	for r := rune(0x20); r < 0x10000; r++ {
		c.set(r, !unicode.IsControl(r) && !unicode.In(r, unicode.Cs, unicode.Cf))
	}
	var buf sfnt.Buffer
	for i, face := range faces {
		f, err := sfnt.Parse(face)
		if err != nil {
			return nil, fmt.Errorf("delivery: letter font %d: %w", i, err)
		}
		for r := rune(0x20); r < 0x10000; r++ {
			if !c.has(r) {
				continue
			}
			g, err := f.GlyphIndex(&buf, r)
			if err != nil {
				return nil, fmt.Errorf("delivery: letter font %d: U+%04X: %w", i, r, err)
			}
			if g == 0 {
				c.set(r, false)
			}
		}
	}
	for _, t := range complexScripts {
		for _, r16 := range t.R16 {
			for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
				c.set(r, false)
			}
		}
	}
	if !c.has(unprintable) {
		return nil, fmt.Errorf("delivery: letter font lacks U+%04X", unprintable)
	}
	return &c, nil
}

// text returns s as the PDF prints it: composed (NFC, so that a name typed
// as "e" + combining accent prints as "é"), format characters (bidi marks,
// joiners, soft hyphens) dropped, control characters but newlines as
// spaces, and every other character the font cannot print as U+FFFD.
// missing counts the latter.
func (c *coverage) text(s string) (out string, missing int) {
	s = norm.NFC.String(s)
	clean := true
	for _, r := range s {
		if !c.printable(r) && r != '\n' {
			clean = false
			break
		}
	}
	if clean {
		return s, 0
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || c.printable(r):
			b.WriteRune(r)
		case unicode.Is(unicode.Cf, r):
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(unprintable)
			missing++
		}
	}
	return b.String(), missing
}

// letter returns l with every printed text as text gives it, and the number
// of characters that print as U+FFFD.
func (c *coverage) letter(l *Letter) (Letter, int) {
	out := *l
	var n, total int
	fields := []*string{&out.Name, &out.IssuerName, &out.Contact, &out.CredentialName,
		&out.CredentialDescription, &out.LandingURL, &out.TxCode}
	for _, f := range fields {
		*f, n = c.text(*f)
		total += n
	}
	out.Address = make([]string, len(l.Address))
	for i, line := range l.Address {
		out.Address[i], n = c.text(line)
		total += n
	}
	return out, total
}

// PDFUnprintable returns the ids of the offers whose letters have
// characters WritePDF cannot print: characters DejaVu Sans lacks (Chinese,
// Japanese, Korean, emoji, …) and scripts that need right-to-left layout or
// shaping (Arabic, Hebrew, Indic, Thai, …). WritePDF prints such a letter
// with those characters as U+FFFD and a note at the top of the page; the
// printable HTML page has no such limit.
func PDFUnprintable(letters []Letter) ([]string, error) {
	cov, err := fontCoverage()
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range letters {
		if _, n := cov.letter(&letters[i]); n > 0 {
			ids = append(ids, letters[i].OfferID)
		}
	}
	return ids, nil
}

// isASCII reports whether the monospaced core font can print s as it is.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
