package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"credmint/app/applicants"
	"credmint/app/credential"
	"credmint/app/issuance"
)

// datasets builds the credential dataset of every configuration of r for
// the person who logged in: the upstream claims mapped by the
// configuration, merged with the uploaded data (the offer's claims for
// issuer_state, else the matched applicant's) by its applicant_match.data
// policy, then checked against the configuration. It returns the datasets
// by configuration id and the matched applicant. A refusal is a *PageError
// for the person (no matching record, an offer made for someone else,
// incomplete data); other failures are server errors.
//
// When no applicant matches and the configuration says no_match: review,
// the dataset is the mapped upstream claims only and is not checked: the
// credential request goes to a reviewer, who fills what is missing. An
// issuer_state offer made for an applicant stays that applicant's: anybody
// else, matched to another record or to none, is refused. The datasets
// also carry
// the upstream identity (issuance.UpstreamDatasetKey) for that reviewer.
func (s *Service) datasets(ctx context.Context, r *Request, id *Identity) (map[string]map[string]any, string, *PageError) {
	var offer *issuance.Offer
	var uploaded map[string]any
	if r.OfferID != "" {
		o, err := s.Store.Offer(ctx, r.OfferID)
		if err == nil {
			uploaded, err = issuance.OpenOfferClaims(s.Sealer, o)
		}
		if err != nil {
			return nil, "", s.serverFailure("reading the offer of issuer_state", err)
		}
		offer = o
	}
	out := map[string]map[string]any{}
	applicantID := ""
	if offer != nil {
		applicantID = offer.ApplicantID
	}
	upstream := &issuance.UpstreamIdentity{Issuer: s.upstreamIssuer(), Subject: id.Subject, Mapped: map[string]map[string]any{}}
	if email, ok := id.Claims["email"].(string); ok {
		upstream.Email = email
	}
	for _, cid := range r.ConfigurationIDs {
		cfg, err := s.Catalog.Configuration(ctx, cid)
		if err != nil {
			return nil, "", s.serverFailure("reading configuration "+cid, err)
		}
		data := uploaded
		review := false // no applicant matched, no_match: review
		if cfg.ApplicantMatch != nil {
			a, perr := s.match(ctx, cfg, id)
			if perr != nil {
				return nil, "", perr
			}
			if offer != nil && offer.ApplicantID != "" && (a == nil || a.ID != offer.ApplicantID) {
				return nil, "", NewPageError(http.StatusForbidden, CodeAccessDenied, ProblemOfferForSomeoneElse)
			}
			if a == nil {
				// The mapped upstream claims only, never the offer's
				// data: it was uploaded for somebody, who may not be
				// this person.
				review, data = true, nil
				upstream.NoMatch = append(upstream.NoMatch, cid)
			} else {
				if data == nil {
					data = a.Claims
				}
				applicantID = a.ID
			}
		}
		mapped := MapUpstream(cfg.UpstreamClaims, id.Claims)
		upstream.Mapped[cid] = mapped
		merged := mapped
		if data != nil {
			if cfg.ApplicantMatch.MergePolicy() == credential.DataFillGaps {
				merged = merge(data, merged)
			} else {
				merged = merge(merged, data)
			}
		}
		if errs := cfg.CheckDataset(merged); len(errs) > 0 && !review {
			return nil, "", NewPageError(http.StatusConflict, CodeAccessDenied, ProblemIncompleteData, credentialName(cfg), errs[0].Field, errs[0].Reason)
		}
		out[cid] = merged
	}
	u, err := upstream.Dataset()
	if err != nil {
		return nil, "", s.serverFailure("keeping the upstream identity", err)
	}
	out[issuance.UpstreamDatasetKey] = u
	return out, applicantID, nil
}

// upstreamIssuer is the upstream provider's issuer identifier.
func (s *Service) upstreamIssuer() string {
	if s.Upstream == nil {
		return ""
	}
	return s.Upstream.Issuer()
}

// match finds the uploaded applicant record of the person by the
// configuration's applicant_match; nil, nil when there is none and the
// configuration sends such requests to review (no_match: review).
func (s *Service) match(ctx context.Context, cfg *credential.Configuration, id *Identity) (*applicants.Applicant, *PageError) {
	m := cfg.ApplicantMatch
	value := ""
	if v, ok := lookup(id.Claims, m.UpstreamClaim); ok {
		value = text(v)
	}
	var a *applicants.Applicant
	err := applicants.ErrNotFound
	if s.Applicants != nil && value != "" {
		a, err = s.Applicants.Match(ctx, cfg.ID, m.By, value)
	}
	switch {
	case err == nil:
		return a, nil
	case errors.Is(err, applicants.ErrConflict):
		return nil, NewPageError(http.StatusConflict, CodeAccessDenied, ProblemSeveralRecords, credentialName(cfg))
	case !errors.Is(err, applicants.ErrNotFound):
		return nil, s.serverFailure("matching an applicant", err)
	case cfg.NoMatchPolicy() == credential.NoMatchReview:
		// No record, no refusal: the credential request goes to a reviewer
		// (deferred issuance), see datasets.
		return nil, nil
	}
	return nil, NewPageError(http.StatusForbidden, CodeAccessDenied, ProblemNoRecord, credentialName(cfg))
}

// serverFailure logs cause and returns the page of an unexpected failure.
func (s *Service) serverFailure(what string, cause error) *PageError {
	s.Log.Error("authorization failed: "+what, "error", cause.Error())
	return ServerFailure()
}

// sealDatasets seals the datasets of request id for storage.
func (s *Service) sealDatasets(requestID string, datasets map[string]map[string]any) ([]byte, error) {
	raw, err := json.Marshal(datasets)
	if err != nil {
		return nil, fmt.Errorf("authz: encoding datasets: %w", err)
	}
	return s.Sealer.Seal(raw, datasetsAAD(requestID))
}

// openDatasets opens datasets sealed by sealDatasets.
func (s *Service) openDatasets(requestID string, sealed []byte) (map[string]map[string]any, error) {
	raw, err := s.Sealer.Open(sealed, datasetsAAD(requestID))
	if err != nil {
		return nil, fmt.Errorf("authz: opening datasets of %s: %w", requestID, err)
	}
	var out map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("authz: decoding datasets of %s: %w", requestID, err)
	}
	return out, nil
}

func datasetsAAD(requestID string) []byte { return []byte("authz datasets\x00" + requestID) }
