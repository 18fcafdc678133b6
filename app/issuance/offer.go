package issuance

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"credmint/app/audit"
	"credmint/app/credential"
)

// TxCodePolicy is what an offer request says about the tx_code.
type TxCodePolicy struct {
	// None: the offer carries no tx_code.
	None        bool
	InputMode   string
	Length      int
	Description string
}

// CreateOfferRequest asks for a pre-authorized offer.
type CreateOfferRequest struct {
	ConfigurationIDs []string
	// Claims is the applicant's credential dataset.
	Claims map[string]any
	// TxCode nil means the default policy.
	TxCode *TxCodePolicy
	// ExpiresIn 0 means the default offer lifetime.
	ExpiresIn time.Duration
	// ByReference nil means true: the QR carries a credential_offer_uri.
	ByReference *bool
	// Grant is GrantPreAuthorizedCode ("" too) or GrantAuthorizationCode:
	// the wallet sends the person to log in, with the offer's issuer_state
	// (OID4VCI §4.1.1); such offers have no tx_code.
	Grant string
}

// CreatedOffer is the answer to CreateOffer. TxCode is the only time the
// tx_code is seen in clear.
type CreatedOffer struct {
	Offer *Offer
	Links OfferLinks
	// TxCode is the code the holder must type, "" when none.
	TxCode string
}

// OfferLinks are the ways to hand an offer to a wallet.
type OfferLinks struct {
	// OfferURI is the openid-credential-offer:// URI for the QR code.
	OfferURI string
	// CredentialOfferURI is the by-reference URL, "" for offers by value.
	CredentialOfferURI string
	// LandingURL is the applicant's landing page ({issuer}/c/{handle}).
	LandingURL string
}

// maxOfferLifetime bounds expires_in: a pre-authorized code is meant to be
// short-lived (OID4VCI §13.6).
const maxOfferLifetime = 90 * 24 * time.Hour

// CreateOffer validates req, creates the offer and its secrets and stores
// them (hashed, or sealed with the master key).
func (s *Service) CreateOffer(ctx context.Context, req CreateOfferRequest) (*CreatedOffer, error) {
	p, err := s.PrepareOffer(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateOffer(ctx, p.Offer, p.Event); err != nil {
		return nil, fmt.Errorf("issuance: storing offer: %w", err)
	}
	return &p.CreatedOffer, nil
}

// PreparedOffer is an offer built and checked but not stored yet, with the
// audit event its creation writes.
type PreparedOffer struct {
	CreatedOffer
	Event audit.Event
}

// PrepareOffer is CreateOffer without the store: it validates req and draws
// the offer's secrets. The caller stores Offer and Event in one transaction
// (with whatever else it creates alongside, such as queued deliveries).
func (s *Service) PrepareOffer(ctx context.Context, req CreateOfferRequest) (*PreparedOffer, error) {
	configs, err := s.checkOfferRequest(ctx, &req)
	if err != nil {
		return nil, err
	}
	now := s.now()
	o := &Offer{
		ConfigurationIDs:  req.ConfigurationIDs,
		State:             OfferCreated,
		MaxTxCodeAttempts: s.Policy.MaxTxCodeAttempts,
		ByReference:       req.ByReference == nil || *req.ByReference,
		DeliveryChannel:   DeliveryNone,
		TxCodeChannel:     DeliveryNone,
		CreatedBy:         audit.ActorFrom(ctx).ID,
		CreatedAt:         now,
		ExpiresAt:         now.Add(req.ExpiresIn),
	}
	if o.ID, err = randomID(s.Rand, "off_"); err != nil {
		return nil, err
	}
	handle, err := randomToken(s.Rand, 32)
	if err != nil {
		return nil, err
	}
	o.HandleHash = hashSecret(handle)
	o.CodeHash = hashSecret(preAuthorizedCode(handle))
	if req.Grant == GrantAuthorizationCode {
		o.Grant, o.CodeHash = GrantAuthorizationCode, hashSecret(IssuerState(handle))
	}
	if o.HandleSealed, err = s.Sealer.Seal([]byte(handle), []byte(o.ID)); err != nil {
		return nil, fmt.Errorf("issuance: sealing offer handle: %w", err)
	}
	claims, err := json.Marshal(req.Claims)
	if err != nil {
		return nil, fmt.Errorf("issuance: encoding claims: %w", err)
	}
	if o.ClaimsSealed, err = s.Sealer.Seal(claims, []byte(o.ID)); err != nil {
		return nil, fmt.Errorf("issuance: sealing claims: %w", err)
	}
	txCode, err := s.newTxCode(o, req.TxCode, configs)
	if err != nil {
		return nil, err
	}
	ev := audit.New(ctx, now, "offer.created", "offer", o.ID, map[string]string{
		"credential_configuration_ids": strings.Join(configIDs(configs), " "),
		"tx_code":                      fmt.Sprint(o.TxCode != nil),
	})
	return &PreparedOffer{CreatedOffer: CreatedOffer{Offer: o, Links: s.links(o, handle), TxCode: txCode}, Event: ev}, nil
}

func (s *Service) checkOfferRequest(ctx context.Context, req *CreateOfferRequest) ([]*credential.Configuration, error) {
	if len(req.ConfigurationIDs) == 0 {
		return nil, fieldError("credential_configuration_ids", "must name at least one credential configuration")
	}
	seen := map[string]bool{}
	var configs []*credential.Configuration
	for i, id := range req.ConfigurationIDs {
		field := fmt.Sprintf("credential_configuration_ids[%d]", i)
		if seen[id] {
			return nil, fieldError(field, fmt.Sprintf("%q appears twice", id))
		}
		seen[id] = true
		c, err := s.Catalog.Configuration(ctx, id)
		if errors.Is(err, credential.ErrUnknownConfiguration) {
			return nil, fieldError(field, fmt.Sprintf("unknown credential configuration %q", id))
		} else if err != nil {
			return nil, err
		}
		configs = append(configs, c)
	}
	if req.Claims == nil {
		req.Claims = map[string]any{}
	}
	if err := checkClaims(configs, req.Claims); err != nil {
		return nil, err
	}
	if req.ExpiresIn == 0 {
		req.ExpiresIn = s.Policy.OfferLifetime
	}
	if req.ExpiresIn < time.Minute || req.ExpiresIn > maxOfferLifetime {
		return nil, fieldError("expires_in", fmt.Sprintf("must be between 60 and %d seconds", int(maxOfferLifetime.Seconds())))
	}
	if err := checkTxCodePolicy(req.TxCode); err != nil {
		return nil, err
	}
	switch req.Grant {
	case "", GrantPreAuthorizedCode:
		req.Grant = ""
	case GrantAuthorizationCode:
		if s.CodeGrant == nil {
			return nil, fieldError("grant", "this issuer has no authorization endpoint (configure upstream_oidc)")
		}
		if req.TxCode != nil && !req.TxCode.None {
			return nil, fieldError("tx_code", "an authorization_code offer has no tx_code: the person logs in instead")
		}
		req.TxCode = &TxCodePolicy{None: true}
	default:
		return nil, fieldError("grant", fmt.Sprintf("must be %q or %q", GrantPreAuthorizedCode, GrantAuthorizationCode))
	}
	return configs, nil
}

// checkClaims checks the dataset against every offered configuration and
// refuses claims none of them declares, so a typo is not silently dropped.
func checkClaims(configs []*credential.Configuration, claims map[string]any) error {
	fields := map[string]string{}
	// A member is refused when no offered configuration declares it.
	undeclared := map[string]int{}
	open := false
	for _, c := range configs {
		for _, fe := range c.CheckDataset(claims) {
			fields["claims."+fe.Field] = fe.Reason
		}
		for _, name := range c.UndeclaredClaims(claims) {
			undeclared[name]++
		}
		open = open || len(c.Claims) == 0
	}
	for name, n := range undeclared {
		if !open && n == len(configs) {
			fields["claims."+name] = "is not a claim of the offered credential configurations"
		}
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

func checkTxCodePolicy(p *TxCodePolicy) error {
	if p == nil || p.None {
		return nil
	}
	if p.InputMode != "" && p.InputMode != "numeric" && p.InputMode != "text" {
		return fieldError("tx_code.input_mode", "must be numeric or text")
	}
	if p.Length != 0 && (p.Length < 4 || p.Length > 12) {
		return fieldError("tx_code.length", "must be between 4 and 12")
	}
	if len(p.Description) > 300 {
		return fieldError("tx_code.description", "must be at most 300 characters")
	}
	return nil
}

// newTxCode sets o.TxCode and o.TxCodeHash by policy and returns the code:
// what the request says, then the offered configurations' defaults, then the
// issuer's (see txCodeDefaults).
func (s *Service) newTxCode(o *Offer, p *TxCodePolicy, configs []*credential.Configuration) (string, error) {
	required, def := s.txCodeDefaults(configs)
	if p == nil {
		if !required {
			return "", nil
		}
		p = &TxCodePolicy{}
	}
	if p.None {
		return "", nil
	}
	tc := TxCode{
		InputMode:   cmpOr(p.InputMode, def.InputMode, "numeric"),
		Length:      cmp.Or(p.Length, def.Length, 6),
		Description: cmpOr(p.Description, def.Description),
	}
	alphabet := numericAlphabet
	if tc.InputMode == "text" {
		alphabet = textAlphabet
	}
	code, err := randomCode(s.Rand, alphabet, tc.Length)
	if err != nil {
		return "", err
	}
	o.TxCode = &tc
	o.TxCodeHash = s.hashTxCode(o.ID, code)
	return code, nil
}

func cmpOr(vals ...string) string { return cmp.Or(vals...) }

func configIDs(cs []*credential.Configuration) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// OfferObject is the credential offer JSON (OID4VCI §4.1.1).
type OfferObject struct {
	CredentialIssuer           string         `json:"credential_issuer"`
	CredentialConfigurationIDs []string       `json:"credential_configuration_ids"`
	Grants                     map[string]any `json:"grants"`
}

type preAuthorizedGrant struct {
	PreAuthorizedCode string  `json:"pre-authorized_code"`
	TxCode            *TxCode `json:"tx_code,omitempty"`
}

type authorizationCodeGrant struct {
	IssuerState string `json:"issuer_state"`
}

func (s *Service) offerObject(o *Offer, handle string) OfferObject {
	if o.Grant == GrantAuthorizationCode {
		return OfferObject{
			CredentialIssuer:           s.Issuer,
			CredentialConfigurationIDs: o.ConfigurationIDs,
			Grants:                     map[string]any{GrantAuthorizationCode: authorizationCodeGrant{IssuerState: IssuerState(handle)}},
		}
	}
	return OfferObject{
		CredentialIssuer:           s.Issuer,
		CredentialConfigurationIDs: o.ConfigurationIDs,
		Grants: map[string]any{GrantPreAuthorizedCode: preAuthorizedGrant{
			PreAuthorizedCode: preAuthorizedCode(handle),
			TxCode:            o.TxCode,
		}},
	}
}

func (s *Service) links(o *Offer, handle string) OfferLinks {
	if o.ByReference {
		ref := s.offerURL(handle)
		return OfferLinks{
			OfferURI:           OfferURIScheme + "?credential_offer_uri=" + url.QueryEscape(ref),
			CredentialOfferURI: ref,
			LandingURL:         s.landingURL(handle),
		}
	}
	raw, _ := json.Marshal(s.offerObject(o, handle)) // plain structs: cannot fail
	return OfferLinks{OfferURI: OfferURIScheme + "?credential_offer=" + url.QueryEscape(string(raw)), LandingURL: s.landingURL(handle)}
}

// Links rebuilds the links of an existing offer from its sealed handle, so
// staff can show or print the QR code again.
func (s *Service) Links(o *Offer) (OfferLinks, error) {
	handle, err := s.Sealer.Open(o.HandleSealed, []byte(o.ID))
	if err != nil {
		return OfferLinks{}, fmt.Errorf("issuance: opening offer handle: %w", err)
	}
	return s.links(o, string(handle)), nil
}

// FetchOffer answers a wallet's GET of a credential_offer_uri (§4.1.3): the
// offer JSON while it can still be redeemed; 404 for an unknown handle and
// 410 once it is expired, revoked, locked or used.
func (s *Service) FetchOffer(ctx context.Context, handle string) (*OfferObject, error) {
	o, err := s.Store.OfferByHandle(ctx, hashSecret(handle))
	if errors.Is(err, ErrNotFound) {
		return nil, newError(http.StatusNotFound, "not_found", "no such credential offer")
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	switch st := o.EffectiveState(now); st {
	case OfferCreated:
		ev := audit.New(ctx, now, "offer.fetched", "offer", o.ID, nil)
		if err := s.Store.MarkOfferFetched(ctx, o.ID, now, ev); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	case OfferFetched:
	default:
		return nil, newError(http.StatusGone, "offer_unavailable", "this credential offer is %s", describeState(st))
	}
	obj := s.offerObject(o, handle)
	return &obj, nil
}

func describeState(st OfferState) string {
	switch st {
	case OfferRedeemed, OfferIssued, OfferAccepted:
		return "already used"
	default:
		return string(st)
	}
}

// Offer returns the offer with id for the admin API and console.
func (s *Service) Offer(ctx context.Context, id string) (*Offer, error) {
	return s.Store.Offer(ctx, id)
}

// RevokeOffer revokes an offer and the access tokens issued for it.
// Credentials already issued are not affected.
func (s *Service) RevokeOffer(ctx context.Context, id string) (*Offer, error) {
	now := s.now()
	ev := audit.New(ctx, now, "offer.revoked", "offer", id, nil)
	if err := s.Store.RevokeOffer(ctx, id, now, ev); err != nil {
		return nil, err
	}
	return s.Store.Offer(ctx, id)
}

// offerClaims opens the credential dataset sealed in o.
func (s *Service) offerClaims(o *Offer) (map[string]any, error) {
	return OpenOfferClaims(s.Sealer, o)
}

// OpenOfferClaims opens the credential dataset sealed in o.
func OpenOfferClaims(sealer Sealer, o *Offer) (map[string]any, error) {
	raw, err := sealer.Open(o.ClaimsSealed, []byte(o.ID))
	if err != nil {
		return nil, fmt.Errorf("issuance: opening claims of offer %s: %w", o.ID, err)
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers exactly as the issuer sent them
	if err := dec.Decode(&claims); err != nil {
		return nil, fmt.Errorf("issuance: decoding claims of offer %s: %w", o.ID, err)
	}
	return claims, nil
}

// sortedUnique returns the distinct values of ss, sorted.
func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return slices.Compact(out)
}
