package delivery

import (
	"bytes"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pdfToText extracts the text of a PDF with poppler's pdftotext, a reader
// independent of the writer. Without it the test skips, except in CI, where
// it must run (.ci/run installs poppler-utils).
func pdfToText(t *testing.T, pdf []byte, flags ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed, and CI requires the PDF text tests to run (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext is not installed (apt-get install poppler-utils)")
	}
	in := filepath.Join(t.TempDir(), "letters.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(append([]string{"-enc", "UTF-8"}, flags...), in, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// testLetter is a letter to name, at address, with a real QR code.
func testLetter(t testing.TB, id, name string, address ...string) Letter {
	t.Helper()
	qr, err := letterQR("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffers%2F" + id)
	if err != nil {
		t.Fatal(err)
	}
	return Letter{
		OfferID:        id,
		Name:           name,
		Address:        address,
		IssuerName:     "Example Issuer",
		Contact:        "help@issuer.example",
		CredentialName: "Staff badge",
		LandingURL:     "https://issuer.example/o/" + id,
		QRPNG:          qr,
		ExpiresAt:      time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC),
		TxCode:         "493817",
	}
}

// words splits text into words, so that line breaks and the spacing
// pdftotext chooses do not matter.
func words(s string) map[string]bool {
	w := map[string]bool{}
	for _, f := range strings.Fields(s) {
		w[strings.Trim(f, ",.:")] = true
	}
	return w
}

func TestPDFPrintsEveryEuropeanScript(t *testing.T) {
	letters := []Letter{
		testLetter(t, "pl", "Łukasz Żółć", "ul. Świętokrzyska 12", "00-916 Warszawa"),
		testLetter(t, "el", "Ελένη Παπαδοπούλου", "Οδός Ερμού 25", "105 63 Αθήνα"),
		testLetter(t, "ru", "Иван Петров", "ул. Тверская, д. 7", "125009 Москва"),
		testLetter(t, "es", "José Núñez", "Calle Mayor 3", "28013 Madrid"),
		// Decomposed, as some systems type it: printed composed.
		testLetter(t, "nfd", "Jose\u0301 Mun\u0303oz", "Plaza de Espan\u0303a 1"),
	}
	letters[2].CredentialName = "Удостоверение сотрудника"
	letters[1].IssuerName = "Δήμος Αθηναίων"
	ids, err := PDFUnprintable(letters)
	if err != nil || len(ids) != 0 {
		t.Fatalf("PDFUnprintable = %v, %v; want none", ids, err)
	}
	want := []string{"Łukasz", "Żółć", "Świętokrzyska", "Warszawa", "Ελένη", "Παπαδοπούλου", "Ερμού",
		"Αθήνα", "Δήμος", "Αθηναίων", "Иван", "Петров", "Тверская", "Москва", "Удостоверение", "сотрудника",
		"José", "Núñez", "Muñoz", "España"}
	for _, layout := range []string{LayoutSlip, LayoutLetters, LayoutPINs} {
		t.Run(layout, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WritePDF(&buf, letters, layout); err != nil {
				t.Fatal(err)
			}
			text := pdfToText(t, buf.Bytes())
			got := words(text)
			for _, w := range want {
				if !got[w] {
					t.Errorf("%q is not in the PDF's text:\n%s", w, text)
				}
			}
			if pages := strings.Count(text, "\f"); pages != len(letters) {
				t.Errorf("%d pages, want %d", pages, len(letters))
			}
			if strings.ContainsRune(text, unprintable) || strings.Contains(text, "cannot be printed") {
				t.Errorf("a letter lost characters:\n%s", text)
			}
			if layout != LayoutLetters && !strings.Contains(text, "4 9 3 8 1 7") {
				t.Errorf("the PIN is not printed:\n%s", text)
			}
		})
	}
}

func TestPDFMarksCharactersTheFontLacks(t *testing.T) {
	letters := []Letter{
		testLetter(t, "latin", "Zoë Müller", "Hauptstraße 1"),
		testLetter(t, "cjk", "王秀英 Wang", "北京市 Chaoyang"),
		testLetter(t, "arabic", "محمد Ali", "Cairo"),
		testLetter(t, "emoji", "Anna 🙂 Berg", "Storgatan 1"),
		testLetter(t, "controls", "Ann\u200Ba\tLee\u00AD", "Main St\u0007 2"),
	}
	ids, err := PDFUnprintable(letters)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"cjk", "arabic", "emoji"}, ids); diff != "" {
		t.Errorf("PDFUnprintable (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := WritePDF(&buf, letters, LayoutSlip); err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(pdfToText(t, buf.Bytes()), "\f")
	if len(pages) != len(letters)+1 { // the text ends with a form feed
		t.Fatalf("%d pages, want %d", len(pages)-1, len(letters))
	}
	for i, want := range []struct {
		note  bool
		words []string
	}{
		{false, []string{"Zoë", "Müller", "Hauptstraße"}},
		{true, []string{"\uFFFD\uFFFD\uFFFD", "Wang", "\uFFFD\uFFFD\uFFFD", "Chaoyang"}},
		{true, []string{"\uFFFD\uFFFD\uFFFD\uFFFD", "Ali", "Cairo"}},
		{true, []string{"Anna", "\uFFFD", "Berg", "Storgatan"}},
		{false, []string{"Anna", "Lee", "Main", "St", "2"}},
	} {
		page := pages[i]
		if got := strings.Contains(page, "cannot be printed in this PDF"); got != want.note {
			t.Errorf("letter %s: note %v, want %v:\n%s", letters[i].OfferID, got, want.note, page)
		}
		got := words(page)
		for _, w := range want.words {
			if !got[w] {
				t.Errorf("letter %s: %q is not in the text:\n%s", letters[i].OfferID, w, page)
			}
		}
	}
}

func TestPDFKeepsLongAddressLinesInTheWindow(t *testing.T) {
	long := "Małgorzata Brzęczyszczykiewicz-Wiśniewska"
	letters := []Letter{testLetter(t, "long", long, "ul. Świętokrzyska 12")}
	var buf bytes.Buffer
	if err := WritePDF(&buf, letters, LayoutLetters); err != nil {
		t.Fatal(err)
	}
	right := (windowX + windowW) * 72 / 25.4 // points
	found := 0
	for _, w := range pdfWords(t, buf.Bytes()) {
		if !strings.Contains(long, w.text) || w.yMin > 100*72/25.4 {
			continue // not the address line (the greeting repeats the name)
		}
		found++
		if w.xMax > right {
			t.Errorf("%q ends at %.1f pt, past the window's edge at %.1f pt", w.text, w.xMax, right)
		}
	}
	if found != 2 {
		t.Errorf("found %d words of the name in the window, want 2", found)
	}
}

// pdfWord is a word pdftotext -bbox found, with its box in points.
type pdfWord struct {
	text       string
	xMax, yMin float64
}

var bboxWord = regexp.MustCompile(`<word xMin="[0-9.]+" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="[0-9.]+">([^<]*)</word>`)

// pdfWords returns the words of a PDF and where they are, read by
// pdftotext -bbox.
func pdfWords(t *testing.T, pdf []byte) []pdfWord {
	t.Helper()
	var words []pdfWord
	for _, m := range bboxWord.FindAllStringSubmatch(pdfToText(t, pdf, "-bbox"), -1) {
		y, _ := strconv.ParseFloat(m[1], 64)
		x, _ := strconv.ParseFloat(m[2], 64)
		words = append(words, pdfWord{text: html.UnescapeString(m[3]), xMax: x, yMin: y})
	}
	if len(words) == 0 {
		t.Fatal("pdftotext -bbox found no words")
	}
	return words
}

func TestCoverageText(t *testing.T) {
	cov, err := fontCoverage()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]struct {
		out     string
		missing int
	}{
		"Łukasz Żółć":          {"Łukasz Żółć", 0},
		"Ελένη":                {"Ελένη", 0},
		"Иван":                 {"Иван", 0},
		"Jose\u0301":           {"José", 0},
		"a\nb":                 {"a\nb", 0},
		"a\tb\u200Dc\u00AD":    {"a bc", 0},
		"山田 太郎":                {"\uFFFD\uFFFD \uFFFD\uFFFD", 4},
		"שלום":                 {"\uFFFD\uFFFD\uFFFD\uFFFD", 4},
		"𝐀":                    {"\uFFFD", 1},
		"\xff":                 {"\uFFFD", 1},
		"Nguyễn Thị Minh Khai": {"Nguyễn Thị Minh Khai", 0},
	} {
		out, missing := cov.text(in)
		if out != want.out || missing != want.missing {
			t.Errorf("text(%q) = %q, %d; want %q, %d", in, out, missing, want.out, want.missing)
		}
	}
}

// TestWritePDFConcurrently guards the shared font bytes: fpdf must only
// read them (run with -race).
func TestWritePDFConcurrently(t *testing.T) {
	letters := []Letter{testLetter(t, "a", "Łukasz Żółć", "Warszawa"), testLetter(t, "b", "Иван", "Москва")}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	sizes := make([]int, 4)
	for i := range errs {
		wg.Go(func() {
			var buf bytes.Buffer
			errs[i] = WritePDF(&buf, letters, LayoutSlip)
			sizes[i] = buf.Len()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if sizes[i] != sizes[0] {
			t.Errorf("run %d wrote %d bytes, run 0 %d", i, sizes[i], sizes[0])
		}
	}
}

// BenchmarkWritePDF1000 writes 1 000 letters with PIN slips: the PDF alone,
// without reading offers or drawing QR codes (BenchmarkBatchPDF1000 in
// cmd/credmint measures all of it).
func BenchmarkWritePDF1000(b *testing.B) {
	one := testLetter(b, "bench", "Łukasz Żółć", "ul. Świętokrzyska 12", "00-916 Warszawa")
	letters := make([]Letter, 1000)
	for i := range letters {
		letters[i] = one
	}
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := WritePDF(&buf, letters, LayoutSlip); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}
