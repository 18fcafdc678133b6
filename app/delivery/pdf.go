package delivery

import (
	"bytes"
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"
)

// A4 geometry in millimetres. The address block sits in the window of a
// DL/C5 window envelope (DIN 5008 form B: window 20 mm from the left, 45 mm
// from the top, 85 × 45 mm).
const (
	pageW, pageH   = 210.0, 297.0
	marginX        = 25.0
	windowX        = 20.0 + 5.0
	windowY        = 45.0
	windowW        = 80.0
	slipTop        = 232.0 // the tear-off line
	qrSize         = 55.0
	returnLineSize = 7.0
)

// WritePDF writes letters as one PDF, one A4 page each, in layout: letters
// (LayoutLetters), letters with the tx_code on a tear-off slip at the foot
// (LayoutSlip), or PIN letters only (LayoutPINs). Text is set in DejaVu Sans
// (Latin, Greek, Cyrillic, …). A letter with characters the font cannot
// print (see PDFUnprintable) is printed with those characters as U+FFFD and a
// note at the top of its page to print it from the HTML page instead.
func WritePDF(w io.Writer, letters []Letter, layout string) error {
	cov, err := fontCoverage()
	if err != nil {
		return err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginX, 20, marginX)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("credmint", true)
	pdf.SetTitle("Credential offers", true)
	pdf.AddUTF8FontFromBytes(fontSans, "", sansRegular)
	pdf.AddUTF8FontFromBytes(fontSans, "B", sansBold)
	for i := range letters {
		l, missing := cov.letter(&letters[i])
		pdf.AddPage()
		if missing > 0 {
			unprintableNote(pdf)
		}
		if layout == LayoutPINs {
			pinPage(pdf, &l)
		} else {
			letterPage(pdf, &l, fmt.Sprintf("qr%d", i))
			if layout == LayoutSlip && l.TxCode != "" {
				slip(pdf, &l)
			}
		}
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("delivery: pdf page %d: %w", i+1, err)
		}
	}
	return pdf.Output(w)
}

// unprintableNote tells whoever prints the letters that this one lost
// characters, above the address block.
func unprintableNote(pdf *fpdf.Fpdf) {
	pdf.SetFont(fontSans, "B", 8)
	pdf.SetXY(marginX, 8)
	pdf.MultiCell(pageW-2*marginX, 4, "Some characters of this letter cannot be printed in this PDF and show as "+
		string(unprintable)+". Print this letter from the printable page (HTML) instead.", "1", "L", false)
}

// mono sets the monospaced core font for s, or the letters' font when s
// is not ASCII.
func mono(pdf *fpdf.Fpdf, style string, size float64, s string) {
	if isASCII(s) {
		pdf.SetFont("Courier", style, size)
	} else {
		pdf.SetFont(fontSans, style, size)
	}
}

// addressBlock prints the return line and the recipient's address in the
// envelope window.
func addressBlock(pdf *fpdf.Fpdf, l *Letter) {
	pdf.SetFont(fontSans, "", returnLineSize)
	pdf.SetXY(windowX, windowY)
	pdf.CellFormat(windowW, 4, l.IssuerName, "B", 1, "L", false, 0, "")
	pdf.SetFont(fontSans, "", 11)
	pdf.SetXY(windowX, windowY+7)
	if l.Name != "" {
		windowLine(pdf, l.Name)
	}
	for _, line := range l.Address {
		pdf.SetX(windowX)
		windowLine(pdf, line)
	}
	pdf.SetFont(fontSans, "B", 12)
	pdf.SetXY(120, 25)
	pdf.CellFormat(65, 6, l.IssuerName, "", 2, "R", false, 0, "")
}

// windowLine prints one line of the address at 11 pt, or smaller (down to
// 8 pt) when that keeps a long line inside the envelope window.
func windowLine(pdf *fpdf.Fpdf, s string) {
	const size, minSize = 11.0, 8.0
	pdf.SetFontSize(size)
	room := windowW - 2*pdf.GetCellMargin()
	if w := pdf.GetStringWidth(s); w > room {
		pdf.SetFontSize(max(minSize, size*room/w))
	}
	pdf.CellFormat(windowW, 5, s, "", 2, "L", false, 0, "")
	pdf.SetFontSize(size)
}

func letterPage(pdf *fpdf.Fpdf, l *Letter, imgName string) {
	addressBlock(pdf, l)
	pdf.SetXY(marginX, 100)
	pdf.SetFont(fontSans, "B", 15)
	pdf.MultiCell(pageW-2*marginX, 7, "Your "+l.CredentialName+": add it to your wallet", "", "L", false)
	pdf.SetFont(fontSans, "", 11)
	pdf.Ln(2)
	intro := "Hello " + l.Name + ",\n" + l.IssuerName + " has issued you a " + l.CredentialName + "."
	if l.CredentialDescription != "" {
		intro += " " + l.CredentialDescription
	}
	pdf.MultiCell(pageW-2*marginX, 5.5, intro, "", "L", false)
	pdf.Ln(3)
	y := pdf.GetY()
	pdf.RegisterImageOptionsReader(imgName, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(l.QRPNG))
	pdf.ImageOptions(imgName, marginX, y, qrSize, qrSize, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	steps := "1. Open your wallet app and choose to add a credential.\n" +
		"2. Scan this QR code.\n"
	if l.TxCode != "" {
		steps += "3. Enter the PIN from the slip at the foot of this page.\n"
	} else {
		steps += "3. If your wallet asks for a PIN, enter the one we send you separately.\n"
	}
	steps += "\nOn your phone? Open this page and tap \"Open in wallet\":\n"
	pdf.SetXY(marginX+qrSize+6, y+2)
	pdf.MultiCell(pageW-2*marginX-qrSize-6, 5.5, steps, "", "L", false)
	pdf.SetX(marginX + qrSize + 6)
	mono(pdf, "", 7, l.LandingURL)
	pdf.MultiCell(pageW-2*marginX-qrSize-6, 3.5, l.LandingURL, "", "L", false)
	pdf.SetFont(fontSans, "", 10)
	pdf.SetXY(marginX, y+qrSize+6)
	foot := "Valid until " + l.ExpiresAt.UTC().Format("2 January 2006") + "."
	if l.Contact != "" {
		foot += " Questions: " + l.Contact
	}
	pdf.MultiCell(pageW-2*marginX, 5, foot, "", "L", false)
}

// slip prints the tx_code below a dashed tear-off line.
func slip(pdf *fpdf.Fpdf, l *Letter) {
	pdf.SetDashPattern([]float64{2, 1.5}, 0)
	pdf.SetLineWidth(0.3)
	pdf.Line(10, slipTop, pageW-10, slipTop)
	pdf.SetDashPattern([]float64{}, 0)
	pdf.SetFont(fontSans, "", 7)
	pdf.SetXY(marginX, slipTop+1)
	pdf.CellFormat(pageW-2*marginX, 4, "Tear off here and keep this slip apart from the letter.", "", 2, "C", false, 0, "")
	pinBlock(pdf, l, slipTop+12)
}

// pinPage is a PIN letter of its own, to be posted separately.
func pinPage(pdf *fpdf.Fpdf, l *Letter) {
	addressBlock(pdf, l)
	pdf.SetXY(marginX, 100)
	pdf.SetFont(fontSans, "B", 15)
	pdf.MultiCell(pageW-2*marginX, 7, "Your PIN for the "+l.CredentialName, "", "L", false)
	pdf.SetFont(fontSans, "", 11)
	pdf.MultiCell(pageW-2*marginX, 5.5, "We send you the QR code of your credential in a separate letter. Your wallet asks for this PIN after you scan it.", "", "L", false)
	pinBlock(pdf, l, 130)
}

func pinBlock(pdf *fpdf.Fpdf, l *Letter, y float64) {
	pdf.SetXY(marginX, y)
	pdf.SetFont(fontSans, "", 11)
	pdf.CellFormat(pageW-2*marginX, 6, "PIN for the "+l.CredentialName+" of "+l.Name+":", "", 2, "L", false, 0, "")
	mono(pdf, "B", 24, l.TxCode)
	pdf.CellFormat(pageW-2*marginX, 14, spaced(l.TxCode), "", 2, "L", false, 0, "")
	pdf.SetFont(fontSans, "", 9)
	pdf.CellFormat(pageW-2*marginX, 5, "Keep it to yourself. Valid until "+l.ExpiresAt.UTC().Format("2 January 2006")+".", "", 2, "L", false, 0, "")
}

// spaced puts a space between the characters of a code, for reading.
func spaced(code string) string {
	out := make([]rune, 0, 2*len(code))
	for i, r := range code {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, r)
	}
	return string(out)
}
