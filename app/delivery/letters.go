package delivery

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/sync/errgroup"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/issuance"
)

// Print layouts: how tx_codes are printed.
const (
	// LayoutSlip prints the tx_code on a tear-off slip at the foot of the
	// letter (for offers whose tx_code channel is print).
	LayoutSlip = "slip"
	// LayoutLetters prints the letters without tx_codes.
	LayoutLetters = "letters"
	// LayoutPINs prints only PIN letters (name, address, tx_code), to be
	// sent separately from the letters.
	LayoutPINs = "pins"
)

// Letter is one printed page: an offer for one person.
type Letter struct {
	OfferID               string
	Name                  string
	Address               []string
	IssuerName            string
	Contact               string
	CredentialName        string
	CredentialDescription string
	OfferURI              string
	LandingURL            string
	QRPNG                 []byte
	ExpiresAt             time.Time
	// TxCode is printed on the slip or PIN letter; "" when not printed.
	TxCode string
	Locale string
}

// PrintSelection says which offers to print: a batch or a list of ids.
type PrintSelection struct {
	BatchID  string
	OfferIDs []string
}

// PrintResult counts what was printed.
type PrintResult struct {
	Printed int
	// Skipped offers can no longer be redeemed (or, for PIN letters, have
	// no tx_code to print).
	Skipped int
}

// maxPrint bounds one print run.
const maxPrint = 5000

// PrintLetters returns the letters of the selected offers that can still be
// redeemed, in layout, and records that they were printed (an audit event
// per offer; delivered_at for offers without one). The tx_code of an offer
// whose channel is print is opened from its seal only here.
func (s *Service) PrintLetters(ctx context.Context, sel PrintSelection, layout string) ([]Letter, PrintResult, error) {
	if layout != LayoutSlip && layout != LayoutLetters && layout != LayoutPINs {
		return nil, PrintResult{}, &issuance.ValidationError{Fields: map[string]string{"layout": "must be slip, letters or pins"}}
	}
	offers, err := s.selected(ctx, sel)
	if err != nil {
		return nil, PrintResult{}, err
	}
	built, err := s.buildLetters(ctx, offers, layout)
	if err != nil {
		return nil, PrintResult{}, err
	}
	var res PrintResult
	letters := make([]Letter, 0, len(offers))
	for _, l := range built {
		if l == nil {
			res.Skipped++
			continue
		}
		letters = append(letters, *l)
	}
	res.Printed = len(letters)
	if len(letters) == 0 {
		return nil, res, nil
	}
	now := s.now()
	ids := make([]string, len(letters))
	evs := make([]audit.Event, len(letters))
	for i, l := range letters {
		ids[i] = l.OfferID
		evs[i] = s.event(ctx, "offer.printed", l.OfferID, map[string]string{"layout": layout, "tx_code": boolText(l.TxCode != "")})
	}
	if err := s.Store.MarkPrinted(ctx, ids, now, evs); err != nil {
		return nil, PrintResult{}, err
	}
	return letters, res, nil
}

func boolText(b bool) string {
	if b {
		return "printed"
	}
	return "not printed"
}

func (s *Service) selected(ctx context.Context, sel PrintSelection) ([]issuance.Offer, error) {
	var offers []issuance.Offer
	var err error
	switch {
	case sel.BatchID != "":
		offers, err = s.Store.BatchOffers(ctx, sel.BatchID)
	case len(sel.OfferIDs) > 0:
		offers, err = s.Store.Offers(ctx, sel.OfferIDs)
	default:
		return nil, &issuance.ValidationError{Fields: map[string]string{"offer": "select at least one offer"}}
	}
	if err != nil {
		return nil, err
	}
	if len(offers) > maxPrint {
		return nil, &issuance.ValidationError{Fields: map[string]string{"offer": "at most 5000 letters at a time"}}
	}
	return offers, nil
}

// buildLetters builds the letters of offers in order, on every CPU (drawing
// QR codes is most of the work); nil for an offer that is not printed.
func (s *Service) buildLetters(ctx context.Context, offers []issuance.Offer, layout string) ([]*Letter, error) {
	out := make([]*Letter, len(offers))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range offers {
		g.Go(func() error {
			l, ok, err := s.letter(gctx, &offers[i], layout)
			if ok {
				out[i] = l
			}
			return err
		})
	}
	return out, g.Wait()
}

// letter builds the letter of o; ok is false when o is not printed.
func (s *Service) letter(ctx context.Context, o *issuance.Offer, layout string) (*Letter, bool, error) {
	if !o.Redeemable(s.now()) {
		return nil, false, nil
	}
	l := &Letter{OfferID: o.ID, IssuerName: s.IssuerName, Contact: s.Contact, ExpiresAt: o.ExpiresAt, Locale: s.Locale}
	if layout != LayoutLetters && o.TxCodeChannel == issuance.DeliveryPrint {
		code, err := s.Issuance.PrintableTxCode(o)
		if err != nil {
			return nil, false, err
		}
		l.TxCode = code
	}
	if layout == LayoutPINs && l.TxCode == "" {
		return nil, false, nil
	}
	if err := s.letterTexts(ctx, o, l); err != nil {
		return nil, false, err
	}
	if layout == LayoutPINs {
		return l, true, nil
	}
	links, err := s.Issuance.Links(o)
	if err != nil {
		return nil, false, err
	}
	l.OfferURI, l.LandingURL = links.OfferURI, links.LandingURL
	if l.QRPNG, err = letterQR(links.OfferURI); err != nil {
		return nil, false, err
	}
	return l, true, nil
}

// letterTexts fills in the words of o's letter that come from its
// applicant and its credential configuration.
func (s *Service) letterTexts(ctx context.Context, o *issuance.Offer, l *Letter) error {
	if o.ApplicantID != "" {
		a, err := s.Applicants.Get(ctx, o.ApplicantID)
		switch {
		case errors.Is(err, applicants.ErrNotFound):
		case err != nil:
			return err
		default:
			l.Name, l.Address = a.Name, addressLines(a.Address)
		}
	}
	if len(o.ConfigurationIDs) > 0 {
		l.Locale = s.locale(ctx, o.ConfigurationIDs[0])
		if c, err := s.Catalog.Configuration(ctx, o.ConfigurationIDs[0]); err == nil {
			d := DisplayFor(c, l.Locale)
			l.CredentialName, l.CredentialDescription = d.Name, d.Description
		} else {
			l.CredentialName = o.ConfigurationIDs[0]
		}
	}
	return nil
}

// UnprintableLetter is a letter the PDF cannot print as it is.
type UnprintableLetter struct {
	OfferID string
	// Name is the applicant's name, "" for an offer without one.
	Name string
}

// BatchUnprintable returns the letters of the batch's offers that can
// still be redeemed whose words have characters WritePDF cannot print (see
// PDFUnprintable), so the console can say so before the PDF is made. It
// reads the words only, in bulk: names and addresses without the
// applicants' claims, each configuration's texts once. No PIN is opened, no
// QR code drawn, nothing is recorded as printed.
func (s *Service) BatchUnprintable(ctx context.Context, batchID string) ([]UnprintableLetter, error) {
	offers, err := s.Store.BatchOffers(ctx, batchID)
	if err != nil {
		return nil, err
	}
	cov, err := fontCoverage()
	if err != nil {
		return nil, err
	}
	now := s.now()
	var live []*issuance.Offer
	var ids []string
	for i := range offers {
		if o := &offers[i]; o.Redeemable(now) {
			live = append(live, o)
			if o.ApplicantID != "" {
				ids = append(ids, o.ApplicantID)
			}
		}
	}
	people, err := s.Applicants.Addressees(ctx, ids)
	if err != nil {
		return nil, err
	}
	texts := map[string]*Letter{} // per configuration: its words without a person
	var out []UnprintableLetter
	for _, o := range live {
		cid := ""
		if len(o.ConfigurationIDs) > 0 {
			cid = o.ConfigurationIDs[0]
		}
		base, ok := texts[cid]
		if !ok {
			base = &Letter{IssuerName: s.IssuerName, Contact: s.Contact}
			if cid != "" {
				if err := s.letterTexts(ctx, &issuance.Offer{ConfigurationIDs: o.ConfigurationIDs}, base); err != nil {
					return nil, err
				}
			}
			texts[cid] = base
		}
		l := *base
		p := people[o.ApplicantID]
		l.Name, l.Address = p.Name, addressLines(p.Address)
		if _, n := cov.letter(&l); n > 0 {
			out = append(out, UnprintableLetter{OfferID: o.ID, Name: p.Name})
		}
	}
	return out, nil
}

// letterQR renders a QR code for print: 4 pixels per module, 1 bit per
// pixel, fast compression. The letter scales it to 55 mm without smoothing;
// this is several times faster than a 360-pixel PNG and looks the same.
func letterQR(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap() // includes the quiet zone
	const scale = 4
	n := len(bm) * scale
	img := image.NewPaletted(image.Rect(0, 0, n, n), color.Palette{color.White, color.Black})
	for y, row := range bm {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range scale {
				off := img.PixOffset(x*scale, y*scale+dy)
				for dx := range scale {
					img.Pix[off+dx] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// addressLines splits a postal address block into its non-empty lines.
func addressLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
