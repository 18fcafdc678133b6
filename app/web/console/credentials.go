package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/issuance"
	"credmint/views/components"
	"credmint/views/credentials"
)

// credentialFilterForm is the credentials list's filter, from the query
// string.
type credentialFilterForm struct {
	ConfigurationID string `form:"configuration_id"`
	OfferID         string `form:"offer_id"`
	ApplicantID     string `form:"applicant_id"`
	Thumbprint      string `form:"thumbprint"`
	From            string `form:"from"`
	To              string `form:"to"`
	Before          string `form:"before"`
	After           string `form:"after"`
}

func (f credentialFilterForm) query() (issuance.CredentialQuery, components.Errors) {
	q := issuance.CredentialQuery{ConfigurationID: f.ConfigurationID, OfferID: strings.TrimSpace(f.OfferID),
		ApplicantID: strings.TrimSpace(f.ApplicantID), Thumbprint: strings.TrimSpace(f.Thumbprint)}
	errs := components.Errors{}
	var err error
	if f.From != "" {
		if q.IssuedFrom, err = time.Parse(time.DateOnly, f.From); err != nil {
			errs["from"] = "Give a date as YYYY-MM-DD."
		}
	}
	if f.To != "" {
		if q.IssuedTo, err = time.Parse(time.DateOnly, f.To); err != nil {
			errs["to"] = "Give a date as YYYY-MM-DD."
		} else {
			q.IssuedTo = q.IssuedTo.AddDate(0, 0, 1)
		}
	}
	if !q.IssuedFrom.IsZero() && !q.IssuedTo.IsZero() && !q.IssuedFrom.Before(q.IssuedTo) {
		errs["to"] = "The end must not be before the start."
	}
	if f.Before != "" {
		if q.Before, err = issuance.ParseCredentialCursor(f.Before); err != nil {
			errs[""] = "The page link is damaged; start from the newest credentials."
		}
	}
	if f.After != "" {
		if q.After, err = issuance.ParseCredentialCursor(f.After); err != nil {
			errs[""] = "The page link is damaged; start from the newest credentials."
		}
	}
	if len(errs) > 0 {
		return q, errs
	}
	return q, nil
}

func (f credentialFilterForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"configuration_id": f.ConfigurationID, "offer_id": f.OfferID, "applicant_id": f.ApplicantID,
		"thumbprint": f.Thumbprint, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// Credentials serves GET /console/credentials.
func (h *Handlers) Credentials(c *gin.Context) error {
	var f credentialFilterForm
	if err := c.ShouldBindQuery(&f); err != nil {
		return err
	}
	ctx := c.Request.Context()
	configs, err := h.Configurations.List(ctx)
	if err != nil {
		return err
	}
	base := h.BasePath + "/console/credentials"
	p := credentials.Props{Layout: h.Layout(c, "Credentials"), Now: h.Now(), FirstURL: urlWithQuery(base, f.values()),
		Filter: credentials.Filter{ConfigurationID: f.ConfigurationID, OfferID: f.OfferID, ApplicantID: f.ApplicantID,
			Thumbprint: f.Thumbprint, From: f.From, To: f.To}}
	for _, cfg := range configs {
		p.Configurations = append(p.Configurations, cfg.ID)
	}
	q, errs := f.query()
	if errs != nil {
		p.Errors = errs
		return render(c, http.StatusBadRequest, credentials.Page(p))
	}
	page, err := h.Reports.IssuedCredentialList(ctx, q)
	if err != nil {
		return err
	}
	p.Credentials = page.Credentials
	if err := h.credentialStatuses(c, &p, f); err != nil {
		return err
	}
	if page.Newer != nil {
		v := f.values()
		v.Set("after", page.Newer.String())
		p.NewerURL = urlWithQuery(base, v)
	}
	if page.Older != nil {
		v := f.values()
		v.Set("before", page.Older.String())
		p.OlderURL = urlWithQuery(base, v)
	}
	return render(c, http.StatusOK, credentials.Page(p))
}
