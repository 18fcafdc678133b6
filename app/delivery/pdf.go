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
// (LayoutSlip), or PIN letters only (LayoutPINs). The built-in fonts cover
// Windows-1252 (Western European); other characters print as "?" (the HTML
// letter has no such limit).
func WritePDF(w io.Writer, letters []Letter, layout string) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginX, 20, marginX)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("credmint", true)
	pdf.SetTitle("Credential offers", true)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	for i := range letters {
		l := &letters[i]
		pdf.AddPage()
		if layout == LayoutPINs {
			pinPage(pdf, tr, l)
		} else {
			letterPage(pdf, tr, l, fmt.Sprintf("qr%d", i))
			if layout == LayoutSlip && l.TxCode != "" {
				slip(pdf, tr, l)
			}
		}
		if err := pdf.Error(); err != nil {
			return fmt.Errorf("delivery: pdf page %d: %w", i+1, err)
		}
	}
	return pdf.Output(w)
}

// addressBlock prints the return line and the recipient's address in the
// envelope window.
func addressBlock(pdf *fpdf.Fpdf, tr func(string) string, l *Letter) {
	pdf.SetFont("Helvetica", "", returnLineSize)
	pdf.SetXY(windowX, windowY)
	pdf.CellFormat(windowW, 4, tr(l.IssuerName), "B", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	pdf.SetXY(windowX, windowY+7)
	if l.Name != "" {
		pdf.CellFormat(windowW, 5, tr(l.Name), "", 2, "L", false, 0, "")
	}
	for _, line := range l.Address {
		pdf.SetX(windowX)
		pdf.CellFormat(windowW, 5, tr(line), "", 2, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 12)
	pdf.SetXY(120, 25)
	pdf.CellFormat(65, 6, tr(l.IssuerName), "", 2, "R", false, 0, "")
}

func letterPage(pdf *fpdf.Fpdf, tr func(string) string, l *Letter, imgName string) {
	addressBlock(pdf, tr, l)
	pdf.SetXY(marginX, 100)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(pageW-2*marginX, 7, tr("Your "+l.CredentialName+": add it to your wallet"), "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	pdf.Ln(2)
	intro := "Hello " + l.Name + ",\n" + l.IssuerName + " has issued you a " + l.CredentialName + "."
	if l.CredentialDescription != "" {
		intro += " " + l.CredentialDescription
	}
	pdf.MultiCell(pageW-2*marginX, 5.5, tr(intro), "", "L", false)
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
	pdf.MultiCell(pageW-2*marginX-qrSize-6, 5.5, tr(steps), "", "L", false)
	pdf.SetX(marginX + qrSize + 6)
	pdf.SetFont("Courier", "", 7)
	pdf.MultiCell(pageW-2*marginX-qrSize-6, 3.5, tr(l.LandingURL), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.SetXY(marginX, y+qrSize+6)
	foot := "Valid until " + l.ExpiresAt.UTC().Format("2 January 2006") + "."
	if l.Contact != "" {
		foot += " Questions: " + l.Contact
	}
	pdf.MultiCell(pageW-2*marginX, 5, tr(foot), "", "L", false)
}

// slip prints the tx_code below a dashed tear-off line.
func slip(pdf *fpdf.Fpdf, tr func(string) string, l *Letter) {
	pdf.SetDashPattern([]float64{2, 1.5}, 0)
	pdf.SetLineWidth(0.3)
	pdf.Line(10, slipTop, pageW-10, slipTop)
	pdf.SetDashPattern([]float64{}, 0)
	pdf.SetFont("Helvetica", "", 7)
	pdf.SetXY(marginX, slipTop+1)
	pdf.CellFormat(pageW-2*marginX, 4, tr("Tear off here and keep this slip apart from the letter."), "", 2, "C", false, 0, "")
	pinBlock(pdf, tr, l, slipTop+12)
}

// pinPage is a PIN letter of its own, to be posted separately.
func pinPage(pdf *fpdf.Fpdf, tr func(string) string, l *Letter) {
	addressBlock(pdf, tr, l)
	pdf.SetXY(marginX, 100)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(pageW-2*marginX, 7, tr("Your PIN for the "+l.CredentialName), "", "L", false)
	pdf.SetFont("Helvetica", "", 11)
	pdf.MultiCell(pageW-2*marginX, 5.5, tr("We send you the QR code of your credential in a separate letter. Your wallet asks for this PIN after you scan it."), "", "L", false)
	pinBlock(pdf, tr, l, 130)
}

func pinBlock(pdf *fpdf.Fpdf, tr func(string) string, l *Letter, y float64) {
	pdf.SetXY(marginX, y)
	pdf.SetFont("Helvetica", "", 11)
	pdf.CellFormat(pageW-2*marginX, 6, tr("PIN for the "+l.CredentialName+" of "+l.Name+":"), "", 2, "L", false, 0, "")
	pdf.SetFont("Courier", "B", 24)
	pdf.CellFormat(pageW-2*marginX, 14, tr(spaced(l.TxCode)), "", 2, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	pdf.CellFormat(pageW-2*marginX, 5, tr("Keep it to yourself. Valid until "+l.ExpiresAt.UTC().Format("2 January 2006")+"."), "", 2, "L", false, 0, "")
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
