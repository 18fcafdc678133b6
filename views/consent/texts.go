package consent

import "strings"

// Texts are the fixed words of the consent page in one language.
type Texts struct {
	Lang    string
	Title   string
	Heading string
	// Wallet comes before the wallet's name; AsksOne and AsksMany after
	// it, with the issuer's name for %s.
	Wallet   string
	AsksOne  string
	AsksMany string
	// UnknownWallet warns about a wallet the issuer admitted without
	// registration.
	UnknownWallet  string
	NoPersonalData string
	WalletKeeps    string
	Approve        string
	Cancel         string
	Yes, No        string
	// BackToWallet and RequestID are the problem page's.
	BackToWallet, RequestID string
}

var texts = map[string]Texts{
	"en": {
		Lang: "en", Title: "Add to your wallet", Heading: "Add to your wallet?",
		Wallet: "The wallet", AsksOne: "asks %s for this credential:", AsksMany: "asks %s for these credentials:",
		UnknownWallet:  "The issuer does not know this wallet. Continue only if you started this in a wallet you trust.",
		NoPersonalData: "It holds no personal data.",
		WalletKeeps:    "Your wallet keeps the credential and shows it only when you choose to.",
		Approve:        "Approve", Cancel: "Cancel", Yes: "yes", No: "no",
		BackToWallet: "Back to your wallet", RequestID: "Request id:",
	},
	"de": {
		Lang: "de", Title: "Zur Wallet hinzufügen", Heading: "Zur Wallet hinzufügen?",
		Wallet: "Die Wallet", AsksOne: "bittet %s um diesen Nachweis:", AsksMany: "bittet %s um diese Nachweise:",
		UnknownWallet:  "Der Aussteller kennt diese Wallet nicht. Fahren Sie nur fort, wenn Sie den Vorgang in einer Wallet begonnen haben, der Sie vertrauen.",
		NoPersonalData: "Er enthält keine persönlichen Daten.",
		WalletKeeps:    "Ihre Wallet bewahrt den Nachweis auf und zeigt ihn nur, wenn Sie es wollen.",
		Approve:        "Zustimmen", Cancel: "Abbrechen", Yes: "ja", No: "nein",
		BackToWallet: "Zurück zur Wallet", RequestID: "Anfrage-ID:",
	},
	"fr": {
		Lang: "fr", Title: "Ajouter à votre portefeuille", Heading: "Ajouter à votre portefeuille ?",
		Wallet: "Le portefeuille", AsksOne: "demande à %s cette attestation :", AsksMany: "demande à %s ces attestations :",
		UnknownWallet:  "L’émetteur ne connaît pas ce portefeuille. Ne continuez que si vous avez commencé dans un portefeuille de confiance.",
		NoPersonalData: "Elle ne contient aucune donnée personnelle.",
		WalletKeeps:    "Votre portefeuille conserve l’attestation et ne la montre que lorsque vous le décidez.",
		Approve:        "Accepter", Cancel: "Annuler", Yes: "oui", No: "non",
		BackToWallet: "Retour à votre portefeuille", RequestID: "Identifiant de la demande :",
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
