package authz

import (
	"fmt"
	"net/http"

	"credmint/app/credential"
)

// Problem names a situation in which a sign-in cannot go on, explained to
// the person on a page in their language (PageError.In).
type Problem string

// The problems of the sign-in pages.
const (
	ProblemOfferForSomeoneElse   Problem = "offer_for_someone_else"
	ProblemIncompleteData        Problem = "incomplete_data" // args: credential name, claim, reason
	ProblemSeveralRecords        Problem = "several_records" // args: credential name
	ProblemNoRecord              Problem = "no_record"       // args: credential name
	ProblemServerError           Problem = "server_error"
	ProblemOtherBrowser          Problem = "other_browser"
	ProblemLoginExpired          Problem = "login_expired"
	ProblemNoClientID            Problem = "no_client_id"
	ProblemNoRedirectURI         Problem = "no_redirect_uri"
	ProblemClientLookup          Problem = "client_lookup"
	ProblemRedirectNotRegistered Problem = "redirect_not_registered"
	ProblemUnknownWallet         Problem = "unknown_wallet"
	ProblemRedirectNotAccepted   Problem = "redirect_not_accepted"
	ProblemRequestNotFound       Problem = "request_not_found"
	ProblemRepeatedParameter     Problem = "repeated_parameter"
	ProblemNoDecision            Problem = "no_decision"
)

// ProblemLanguages are the languages the problems are worded in; English
// comes first and is the fallback.
var ProblemLanguages = []string{"en", "de", "fr"}

// problemText is a problem's title and message in one language; the
// message is a fmt format over the problem's arguments, by explicit index
// (%[1]s) so a language may leave one out.
type problemText struct{ title, message string }

var problemTexts = map[Problem]map[string]problemText{
	ProblemOfferForSomeoneElse: {
		"en": {"This offer is for someone else", "The credential offer you scanned was made for another person than the one you signed in as. Sign in with your own account, or ask the issuer."},
		"de": {"Dieses Angebot gilt einer anderen Person", "Das Nachweis-Angebot, das Sie gescannt haben, wurde für eine andere Person erstellt als die, als die Sie angemeldet sind. Melden Sie sich mit Ihrem eigenen Konto an oder fragen Sie den Aussteller."},
		"fr": {"Cette offre est destinée à quelqu’un d’autre", "L’offre d’attestation que vous avez scannée est destinée à une autre personne que celle dont vous avez utilisé le compte pour vous connecter. Connectez-vous avec votre propre compte ou adressez-vous à l’émetteur."},
	},
	ProblemIncompleteData: {
		"en": {"Your data is incomplete", "The issuer cannot make the %[1]s for you: %[2]s %[3]s. Contact the issuer."},
		"de": {"Ihre Daten sind unvollständig", "Der Aussteller kann „%[1]s“ nicht für Sie ausstellen: Die Angabe %[2]s fehlt oder ist ungültig. Wenden Sie sich an den Aussteller."},
		"fr": {"Vos données sont incomplètes", "L’émetteur ne peut pas établir « %[1]s » pour vous : la donnée %[2]s manque ou n’est pas valable. Contactez l’émetteur."},
	},
	ProblemSeveralRecords: {
		"en": {"We found more than one record", "Several of the issuer's records for the %[1]s match your account, so the issuer cannot tell which is yours. Contact the issuer."},
		"de": {"Mehr als ein Eintrag gefunden", "Mehrere Einträge des Ausstellers für „%[1]s“ passen zu Ihrem Konto, daher kann er nicht erkennen, welcher zu Ihnen gehört. Wenden Sie sich an den Aussteller."},
		"fr": {"Plusieurs dossiers trouvés", "Plusieurs dossiers de l’émetteur pour « %[1]s » correspondent à votre compte : il ne peut pas savoir lequel est le vôtre. Contactez l’émetteur."},
	},
	ProblemNoRecord: {
		"en": {"No record found for you", "The issuer has no record for you for the %[1]s, so it cannot issue it. If you think this is wrong, contact the issuer."},
		"de": {"Kein Eintrag für Sie gefunden", "Der Aussteller hat für „%[1]s“ keinen Eintrag zu Ihnen und kann den Nachweis daher nicht ausstellen. Wenn Sie das für einen Fehler halten, wenden Sie sich an den Aussteller."},
		"fr": {"Aucun dossier à votre nom", "L’émetteur n’a aucun dossier à votre nom pour « %[1]s » et ne peut donc pas l’établir. Si vous pensez que c’est une erreur, contactez l’émetteur."},
	},
	ProblemServerError: {
		"en": {"Something went wrong", "The issuer could not finish your request. Try again later from your wallet."},
		"de": {"Etwas ist schiefgelaufen", "Der Aussteller konnte Ihre Anfrage nicht abschließen. Versuchen Sie es später erneut aus Ihrer Wallet."},
		"fr": {"Un problème est survenu", "L’émetteur n’a pas pu terminer votre demande. Réessayez plus tard depuis votre portefeuille."},
	},
	ProblemOtherBrowser: {
		"en": {"Start again from your wallet", "This sign-in was started in another browser, or your browser does not keep cookies for this site. Go back to your wallet and start again in this browser."},
		"de": {"Beginnen Sie erneut in Ihrer Wallet", "Diese Anmeldung wurde in einem anderen Browser begonnen, oder Ihr Browser speichert für diese Seite keine Cookies. Kehren Sie zu Ihrer Wallet zurück und beginnen Sie erneut in diesem Browser."},
		"fr": {"Recommencez depuis votre portefeuille", "Cette connexion a été commencée dans un autre navigateur, ou votre navigateur ne conserve pas les cookies de ce site. Revenez à votre portefeuille et recommencez dans ce navigateur."},
	},
	ProblemLoginExpired: {
		"en": {"This sign-in has expired", "The sign-in link is not valid any more: it was used already, has expired or was changed. Go back to your wallet and start again."},
		"de": {"Diese Anmeldung ist abgelaufen", "Der Anmeldelink ist nicht mehr gültig: Er wurde bereits verwendet, ist abgelaufen oder wurde verändert. Kehren Sie zu Ihrer Wallet zurück und beginnen Sie erneut."},
		"fr": {"Cette connexion a expiré", "Le lien de connexion n’est plus valable : il a déjà servi, a expiré ou a été modifié. Revenez à votre portefeuille et recommencez."},
	},
	ProblemNoClientID: {
		"en": {"The wallet's request is incomplete", "The request has no client_id, so credmint cannot tell which wallet sent you here. Go back to your wallet and start again."},
		"de": {"Die Anfrage der Wallet ist unvollständig", "Der Anfrage fehlt die client_id, daher ist nicht erkennbar, welche Wallet Sie hierher geschickt hat. Kehren Sie zu Ihrer Wallet zurück und beginnen Sie erneut."},
		"fr": {"La demande du portefeuille est incomplète", "La demande n’a pas de client_id : impossible de savoir quel portefeuille vous a envoyé ici. Revenez à votre portefeuille et recommencez."},
	},
	ProblemNoRedirectURI: {
		"en": {"The wallet's request is incomplete", "The request has no redirect_uri. Go back to your wallet and start again."},
		"de": {"Die Anfrage der Wallet ist unvollständig", "Der Anfrage fehlt die redirect_uri. Kehren Sie zu Ihrer Wallet zurück und beginnen Sie erneut."},
		"fr": {"La demande du portefeuille est incomplète", "La demande n’a pas de redirect_uri. Revenez à votre portefeuille et recommencez."},
	},
	ProblemClientLookup: {
		"en": {"Try again in a moment", "credmint could not look up the wallet right now. Go back to your wallet and try again in a moment."},
		"de": {"Versuchen Sie es gleich noch einmal", "Die Wallet konnte gerade nicht überprüft werden. Kehren Sie zu Ihrer Wallet zurück und versuchen Sie es gleich noch einmal."},
		"fr": {"Réessayez dans un instant", "Le portefeuille n’a pas pu être vérifié pour le moment. Revenez à votre portefeuille et réessayez dans un instant."},
	},
	ProblemRedirectNotRegistered: {
		"en": {"Unknown return address", "The wallet asked to return to an address that is not registered for it, so credmint will not send you there."},
		"de": {"Unbekannte Rücksprungadresse", "Die Wallet möchte zu einer Adresse zurückkehren, die für sie nicht registriert ist. Deshalb werden Sie nicht dorthin weitergeleitet."},
		"fr": {"Adresse de retour inconnue", "Le portefeuille demande à revenir à une adresse qui n’est pas enregistrée pour lui : vous n’y serez donc pas renvoyé."},
	},
	ProblemUnknownWallet: {
		"en": {"Unknown wallet", "This wallet is not registered with the issuer. Ask the issuer which wallets it supports."},
		"de": {"Unbekannte Wallet", "Diese Wallet ist beim Aussteller nicht registriert. Fragen Sie den Aussteller, welche Wallets er unterstützt."},
		"fr": {"Portefeuille inconnu", "Ce portefeuille n’est pas enregistré auprès de l’émetteur. Demandez à l’émetteur quels portefeuilles il accepte."},
	},
	ProblemRedirectNotAccepted: {
		"en": {"Unknown return address", "The wallet asked to return to an address this issuer does not accept, so credmint will not send you there."},
		"de": {"Unbekannte Rücksprungadresse", "Die Wallet möchte zu einer Adresse zurückkehren, die dieser Aussteller nicht akzeptiert. Deshalb werden Sie nicht dorthin weitergeleitet."},
		"fr": {"Adresse de retour inconnue", "Le portefeuille demande à revenir à une adresse que cet émetteur n’accepte pas : vous n’y serez donc pas renvoyé."},
	},
	ProblemRequestNotFound: {
		"en": {"Sign-in request not found", "The wallet's sign-in request is unknown or belongs to another wallet. Go back to your wallet and start again."},
		"de": {"Anmeldeanfrage nicht gefunden", "Die Anmeldeanfrage der Wallet ist unbekannt oder gehört zu einer anderen Wallet. Kehren Sie zu Ihrer Wallet zurück und beginnen Sie erneut."},
		"fr": {"Demande de connexion introuvable", "La demande de connexion du portefeuille est inconnue ou appartient à un autre portefeuille. Revenez à votre portefeuille et recommencez."},
	},
	ProblemRepeatedParameter: {
		"en": {"The wallet's request is not valid", "The request names its wallet or return address more than once. Go back to your wallet and start again."},
		"de": {"Die Anfrage der Wallet ist ungültig", "Die Anfrage nennt ihre Wallet oder Rücksprungadresse mehr als einmal. Kehren Sie zu Ihrer Wallet zurück und beginnen Sie erneut."},
		"fr": {"La demande du portefeuille n’est pas valable", "La demande indique son portefeuille ou son adresse de retour plus d’une fois. Revenez à votre portefeuille et recommencez."},
	},
	ProblemNoDecision: {
		"en": {"Choose Approve or Cancel", "The form did not say whether you approve. Go back and choose Approve or Cancel."},
		"de": {"Wählen Sie Zustimmen oder Abbrechen", "Das Formular enthielt keine Entscheidung. Gehen Sie zurück und wählen Sie Zustimmen oder Abbrechen."},
		"fr": {"Choisissez Accepter ou Annuler", "Le formulaire n’indiquait pas votre choix. Revenez en arrière et choisissez Accepter ou Annuler."},
	},
}

// Localized is a problem argument with words of its own per language, such
// as a credential's display name.
type Localized func(lang string) string

// credentialName is the display name of cfg in each language.
func credentialName(cfg *credential.Configuration) Localized {
	return func(lang string) string { return cfg.DisplayIn(lang).Name }
}

// NewPageError returns the page of problem p, its arguments args (strings
// or Localized), with the HTTP status and the OAuth error code the
// situation corresponds to. Title and Message are its English words (logs,
// PAR's JSON answer, the error_description sent back to the wallet).
func NewPageError(status int, code string, p Problem, args ...any) *PageError {
	e := &PageError{Status: status, Code: code, Problem: p, Args: args}
	e.Title, e.Message = e.In("en")
	return e
}

// In returns the page's title and message in lang, one of
// ProblemLanguages; in English for any other.
func (e *PageError) In(lang string) (title, message string) {
	texts, ok := problemTexts[e.Problem]
	if !ok {
		return e.Title, e.Message
	}
	t, ok := texts[lang]
	if !ok {
		t = texts["en"]
	}
	if len(e.Args) == 0 {
		return t.title, t.message
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if l, ok := a.(Localized); ok {
			a = l(lang)
		}
		args[i] = a
	}
	return t.title, fmt.Sprintf(t.message, args...)
}

// ServerFailure is the page of a sign-in that failed inside credmint; the
// cause is logged, not shown.
func ServerFailure() *PageError {
	return NewPageError(http.StatusInternalServerError, CodeServerError, ProblemServerError)
}
