package landing

import "strings"

// Texts are the fixed words of the landing page in one language.
type Texts struct {
	Lang         string
	Heading      string // "Your %s"
	IssuedBy     string // "Issued by %s"
	ScanTitle    string
	ScanHelp     string
	OpenInWallet string
	PhoneHelp    string
	PINTitle     string
	PINSources   map[string]string
	NoPIN        string
	ValidUntil   string // "Valid until %s"
	Collected    string
	Expired      string
	Revoked      string
	Locked       string
	Unknown      string
	Contact      string // "Contact: %s"
	// Deferred issuance (SPEC §10): the request waits for a reviewer.
	ReviewPending  string
	ReviewReady    string
	ReviewRejected string
	ReviewContact  string // "Questions: %s"
	QRAlt          string
}

var texts = map[string]Texts{
	"en": {
		Lang: "en", Heading: "Your %s", IssuedBy: "Issued by %s",
		ScanTitle: "On a computer", ScanHelp: "Scan this QR code with the wallet app on your phone.",
		OpenInWallet: "Open in wallet", PhoneHelp: "On this phone? Open the offer in your wallet app.",
		PINTitle: "Your PIN",
		PINSources: map[string]string{
			"email": "Your wallet asks for a PIN. We send it to you in a separate email.",
			"sms":   "Your wallet asks for a PIN. We send it to you by text message.",
			"print": "Your wallet asks for a PIN. It is printed on the slip of your letter.",
			"none":  "Your wallet asks for a PIN. You get it from the person who gave you this offer.",
		},
		NoPIN:          "No PIN is needed.",
		ValidUntil:     "Valid until %s",
		Collected:      "You have already collected this credential. It is in your wallet.",
		Expired:        "This offer has expired.",
		Revoked:        "This offer was withdrawn.",
		Locked:         "This offer is locked after too many wrong PINs.",
		Unknown:        "This link is not valid. Check that you copied it completely.",
		Contact:        "Please contact %s for a new one.",
		QRAlt:          "QR code of your credential offer",
		ReviewPending:  "Your request is pending review. We will let you know when your credential is ready; your wallet collects it then.",
		ReviewReady:    "Your credential is ready — open your wallet to collect it.",
		ReviewRejected: "Your request was not approved.",
		ReviewContact:  "Questions: %s",
	},
	"de": {
		Lang: "de", Heading: "Ihr %s", IssuedBy: "Ausgestellt von %s",
		ScanTitle: "Am Computer", ScanHelp: "Scannen Sie diesen QR-Code mit der Wallet-App auf Ihrem Telefon.",
		OpenInWallet: "In Wallet öffnen", PhoneHelp: "Auf diesem Telefon? Öffnen Sie das Angebot in Ihrer Wallet-App.",
		PINTitle: "Ihre PIN",
		PINSources: map[string]string{
			"email": "Ihre Wallet fragt nach einer PIN. Wir schicken sie Ihnen in einer eigenen E-Mail.",
			"sms":   "Ihre Wallet fragt nach einer PIN. Wir schicken sie Ihnen per SMS.",
			"print": "Ihre Wallet fragt nach einer PIN. Sie steht auf dem Abschnitt Ihres Briefs.",
			"none":  "Ihre Wallet fragt nach einer PIN. Sie erhalten sie von der Person, die Ihnen dieses Angebot gegeben hat.",
		},
		NoPIN:          "Es wird keine PIN benötigt.",
		ValidUntil:     "Gültig bis %s",
		Collected:      "Sie haben diesen Nachweis bereits abgeholt. Er ist in Ihrer Wallet.",
		Expired:        "Dieses Angebot ist abgelaufen.",
		Revoked:        "Dieses Angebot wurde zurückgezogen.",
		Locked:         "Dieses Angebot ist nach zu vielen falschen PINs gesperrt.",
		Unknown:        "Dieser Link ist ungültig. Prüfen Sie, ob Sie ihn vollständig kopiert haben.",
		Contact:        "Bitte wenden Sie sich für ein neues an %s.",
		QRAlt:          "QR-Code Ihres Angebots",
		ReviewPending:  "Ihr Antrag wird geprüft. Wir sagen Ihnen Bescheid, sobald Ihr Nachweis bereitliegt; Ihre Wallet holt ihn dann ab.",
		ReviewReady:    "Ihr Nachweis liegt bereit — öffnen Sie Ihre Wallet, um ihn abzuholen.",
		ReviewRejected: "Ihr Antrag wurde nicht genehmigt.",
		ReviewContact:  "Fragen: %s",
	},
	"fr": {
		Lang: "fr", Heading: "Votre %s", IssuedBy: "Délivré par %s",
		ScanTitle: "Sur un ordinateur", ScanHelp: "Scannez ce code QR avec l’application de portefeuille de votre téléphone.",
		OpenInWallet: "Ouvrir dans le portefeuille", PhoneHelp: "Sur ce téléphone ? Ouvrez l’offre dans votre application de portefeuille.",
		PINTitle: "Votre code PIN",
		PINSources: map[string]string{
			"email": "Votre portefeuille demande un code PIN. Nous vous l’envoyons dans un e-mail séparé.",
			"sms":   "Votre portefeuille demande un code PIN. Nous vous l’envoyons par SMS.",
			"print": "Votre portefeuille demande un code PIN. Il est imprimé sur le coupon de votre lettre.",
			"none":  "Votre portefeuille demande un code PIN. La personne qui vous a remis cette offre vous le donne.",
		},
		NoPIN:          "Aucun code PIN n’est nécessaire.",
		ValidUntil:     "Valable jusqu’au %s",
		Collected:      "Vous avez déjà récupéré cette attestation. Elle est dans votre portefeuille.",
		Expired:        "Cette offre a expiré.",
		Revoked:        "Cette offre a été retirée.",
		Locked:         "Cette offre est bloquée après trop de codes PIN erronés.",
		Unknown:        "Ce lien n’est pas valide. Vérifiez que vous l’avez copié en entier.",
		Contact:        "Veuillez contacter %s pour en obtenir une nouvelle.",
		QRAlt:          "Code QR de votre offre d’attestation",
		ReviewPending:  "Votre demande est en cours d’examen. Nous vous préviendrons quand votre attestation sera prête ; votre portefeuille la récupérera alors.",
		ReviewReady:    "Votre attestation est prête — ouvrez votre portefeuille pour la récupérer.",
		ReviewRejected: "Votre demande n’a pas été approuvée.",
		ReviewContact:  "Questions : %s",
	},
}

// Languages are the languages the page's own words exist in.
var Languages = []string{"en", "de", "fr"}

// TextsFor returns the page's words for a BCP 47 tag (its language), in
// English when there are none.
func TextsFor(tag string) Texts {
	lang, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if t, ok := texts[lang]; ok {
		return t
	}
	return texts["en"]
}
