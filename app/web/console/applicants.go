package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/app/applicants"
	"credmint/app/credential"
	"credmint/app/staff"
	applicantview "credmint/views/applicants"
	"credmint/views/components"
)

// applicantListForm is the list's query string.
type applicantListForm struct {
	Query         string `form:"q"`
	Configuration string `form:"configuration"`
	Import        string `form:"import"`
	Flagged       bool   `form:"flagged"`
	Sort          string `form:"sort"`
	Cursor        string `form:"cursor"`
}

func (f applicantListForm) filter() applicants.Filter {
	return applicants.Filter{ConfigurationID: f.Configuration, ImportJobID: f.Import, Query: strings.TrimSpace(f.Query), Flagged: f.Flagged}
}

// url is the list with the filter and a cursor.
func (f applicantListForm) url(base, cursor string) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": strings.TrimSpace(f.Query), "configuration": f.Configuration, "import": f.Import, "sort": f.Sort, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Flagged {
		v.Set("flagged", "1")
	}
	if len(v) == 0 {
		return base + "/console/applicants"
	}
	return base + "/console/applicants?" + v.Encode()
}

// ApplicantList serves GET /console/applicants: search, filters and keyset
// pages.
func (h *Handlers) ApplicantList(c *gin.Context) error {
	var f applicantListForm
	if err := c.ShouldBindQuery(&f); err != nil {
		return h.redirect(c, "/console/applicants", "!The search was not understood.")
	}
	if f.Sort != applicants.SortName {
		f.Sort = applicants.SortNewest
	}
	l, err := h.Applicants.Browse(c.Request.Context(), f.filter(), applicants.Page{Cursor: f.Cursor, Sort: f.Sort})
	if errors.Is(err, applicants.ErrBadCursor) {
		return h.redirect(c, f.url("", ""), "!The page link is damaged; this is the first page.")
	} else if err != nil {
		return err
	}
	names := configurationNames(l.Configurations)
	p := applicantview.ListProps{
		Layout: h.Layout(c, "Applicants"), CanManage: Can(c, staff.PermManageApplicants),
		Filter: applicantview.Filter{Query: f.Query, ConfigurationID: f.Configuration, ImportJobID: f.Import, Flagged: f.Flagged, Sort: f.Sort},
	}
	p.Configurations = []components.Option{{Value: "", Label: "Any"}}
	for _, cfg := range l.Configurations {
		p.Configurations = append(p.Configurations, components.Option{Value: cfg.ID, Label: names[cfg.ID]})
	}
	p.Jobs = []components.Option{{Value: "", Label: "Any"}}
	for _, j := range l.Jobs {
		if j.State != applicants.JobDraft {
			p.Jobs = append(p.Jobs, components.Option{Value: j.ID, Label: jobLabel(&j)})
		}
	}
	for _, a := range l.Applicants {
		p.Rows = append(p.Rows, applicantview.Row{ID: a.ID, Href: h.BasePath + "/console/applicants/" + a.ID, Name: a.Name,
			ExternalID: a.ExternalID, Email: a.Email, Configuration: cmpOr(names[a.ConfigurationID], a.ConfigurationID),
			Created: a.CreatedAt.UTC().Format("2006-01-02 15:04"), Flags: a.Flags})
	}
	if l.Cursors.Next != "" {
		p.NextURL = f.url(h.BasePath, l.Cursors.Next)
	}
	if l.Cursors.Prev != "" {
		p.PrevURL = f.url(h.BasePath, l.Cursors.Prev)
	}
	if f.Cursor != "" {
		p.FirstURL = f.url(h.BasePath, "")
	}
	return render(c, http.StatusOK, applicantview.List(p))
}

func configurationNames(cfgs []credential.Configuration) map[string]string {
	out := make(map[string]string, len(cfgs))
	for i := range cfgs {
		out[cfgs[i].ID] = applicants.DisplayName(&cfgs[i])
	}
	return out
}

func jobLabel(j *applicants.ImportJob) string {
	name := j.FileName
	if name == "" {
		name = j.ID
	}
	return name + " (" + j.CreatedAt.UTC().Format("2006-01-02 15:04") + ")"
}

// ApplicantShow serves GET /console/applicants/:id.
func (h *Handlers) ApplicantShow(c *gin.Context) error {
	f, err := h.Applicants.Show(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	a := f.Applicant
	p := applicantview.ShowProps{
		Layout: h.Layout(c, cmpOr(a.Name, "Applicant")), ID: a.ID, Name: a.Name, ExternalID: a.ExternalID, Email: a.Email,
		Phone: a.Phone, Address: a.Address, Configuration: a.ConfigurationID, Flags: a.Flags, ImportRow: a.ImportRow,
		Created: a.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Updated: a.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC"),
		CanManage: Can(c, staff.PermManageApplicants) && f.Configuration != nil,
	}
	if f.Configuration != nil {
		p.Configuration = applicants.DisplayName(f.Configuration)
	}
	if a.ImportJobID != "" {
		p.ImportHref = h.BasePath + "/console/applicants/imports/" + a.ImportJobID
	}
	if h.Delivery != nil { // the offers pages exist
		p.OffersHref = h.BasePath + "/console/offers?applicant=" + url.QueryEscape(a.ID)
		p.CredentialsHref = h.BasePath + "/console/credentials?applicant_id=" + url.QueryEscape(a.ID)
		if Can(c, staff.PermManageOffers) && f.Configuration != nil {
			p.NewOfferHref = h.BasePath + "/console/offers/new?applicant=" + url.QueryEscape(a.ID)
		}
	}
	for _, cl := range f.Claims {
		p.Claims = append(p.Claims, applicantview.Claim{Label: cl.Label, Key: cl.Key, Value: cl.Value})
	}
	return render(c, http.StatusOK, applicantview.Show(p))
}

// ApplicantEdit serves GET /console/applicants/:id/edit.
func (h *Handlers) ApplicantEdit(c *gin.Context) error {
	f, err := h.Applicants.Edit(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, applicantview.Edit(h.editProps(c, f, nil)))
}

func (h *Handlers) editProps(c *gin.Context, f *applicants.EditForm, errs components.Errors) applicantview.EditProps {
	a := f.Applicant
	p := applicantview.EditProps{Layout: h.Layout(c, "Edit applicant"), ID: a.ID, Configuration: applicants.DisplayName(f.Configuration),
		ExternalID: a.ExternalID, Name: a.Name, Email: a.Email, Phone: a.Phone, Address: a.Address,
		NeedsReview: a.HasFlag(applicants.FlagNeedsReview), Errors: errs}
	for _, cl := range f.Claims {
		p.Claims = append(p.Claims, applicantview.ClaimInput{Field: cl.Field, Label: cl.Label, Key: cl.Key, Type: cl.Type,
			Mandatory: cl.Mandatory, Value: cl.Value})
	}
	return p
}

// applicantForm is the edit form; the claims come as claims[…] fields.
type applicantForm struct {
	ExternalID  string `form:"external_id"`
	Name        string `form:"name"`
	Email       string `form:"email"`
	Phone       string `form:"phone"`
	Address     string `form:"address"`
	NeedsReview bool   `form:"needs_review"`
}

// ApplicantUpdate serves POST /console/applicants/:id.
func (h *Handlers) ApplicantUpdate(c *gin.Context) error {
	var f applicantForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	id := c.Param("id")
	form, err := h.Applicants.Update(c.Request.Context(), id, applicants.Changes{
		ExternalID: f.ExternalID, Name: f.Name, Email: f.Email, Phone: f.Phone, Address: f.Address, NeedsReview: f.NeedsReview,
		Claims: applicants.ClaimsFromForm(c.PostFormMap("claims")),
	})
	var ve *applicants.ValidationError
	if errors.As(err, &ve) {
		errs := components.Errors(ve.Fields)
		if _, ok := errs[""]; !ok {
			errs[""] = "The applicant was not saved: correct the fields marked below."
		}
		return render(c, http.StatusBadRequest, applicantview.Edit(h.editProps(c, form, errs)))
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/applicants/"+id, "Saved.")
}

// ApplicantDeletePage serves GET /console/applicants/:id/delete: the
// confirmation.
func (h *Handlers) ApplicantDeletePage(c *gin.Context) error {
	a, err := h.Applicants.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, applicantview.Delete(applicantview.DeleteProps{Layout: h.Layout(c, "Delete applicant"),
		ID: a.ID, Name: cmpOr(a.Name, a.ID), ExternalID: a.ExternalID}))
}

// ApplicantDelete serves POST /console/applicants/:id/delete.
func (h *Handlers) ApplicantDelete(c *gin.Context) error {
	if err := h.Applicants.Delete(c.Request.Context(), c.Param("id")); err != nil {
		return err
	}
	return h.redirect(c, "/console/applicants", "The applicant was deleted.")
}
