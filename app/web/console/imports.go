package console

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"credmint/app/applicants"
	"credmint/app/audit"
	"credmint/app/staff"
	applicantview "credmint/views/applicants"
	"credmint/views/components"
)

// ImportList serves GET /console/applicants/imports.
func (h *Handlers) ImportList(c *gin.Context) error {
	ctx := c.Request.Context()
	jobs, err := h.Applicants.Jobs(ctx, 100)
	if err != nil {
		return err
	}
	by := make([]string, len(jobs))
	for i := range jobs {
		by[i] = jobs[i].CreatedBy
	}
	names, err := h.Reports.ActorNames(ctx, by)
	if err != nil {
		return err
	}
	p := applicantview.JobsProps{Layout: h.Layout(c, "Imports"), CanManage: Can(c, staff.PermManageApplicants)}
	for _, j := range jobs {
		p.Jobs = append(p.Jobs, applicantview.JobRow{ID: j.ID, Href: h.BasePath + "/console/applicants/imports/" + j.ID,
			FileName: j.FileName, Configuration: j.ConfigurationID, State: string(j.State), Total: j.Total, Imported: j.Imported,
			Skipped: j.Skipped, Created: j.CreatedAt.UTC().Format("2006-01-02 15:04"), CreatedBy: names.ByID(j.CreatedBy)})
	}
	return render(c, http.StatusOK, applicantview.Jobs(p))
}

// ImportNew serves GET /console/applicants/imports/new: the upload form.
func (h *Handlers) ImportNew(c *gin.Context) error {
	return h.renderUpload(c, http.StatusOK, c.Query("configuration"), nil)
}

func (h *Handlers) renderUpload(c *gin.Context, status int, cfgID string, errs components.Errors) error {
	cfgs, err := h.Applicants.Configurations(c.Request.Context())
	if err != nil {
		return err
	}
	p := applicantview.UploadProps{Layout: h.Layout(c, "Upload applicants"), ConfigurationID: cfgID, MaxMB: applicants.MaxFileSize >> 20, Errors: errs}
	p.Configurations = []components.Option{{Value: "", Label: "Choose…"}}
	for i := range cfgs {
		p.Configurations = append(p.Configurations, components.Option{Value: cfgs[i].ID, Label: applicants.DisplayName(&cfgs[i]) + " (" + cfgs[i].ID + ")"})
	}
	return render(c, status, applicantview.Upload(p))
}

// uploadForm is the upload form (multipart).
type uploadForm struct {
	ConfigurationID string                `form:"configuration_id"`
	File            *multipart.FileHeader `form:"file"`
}

// ImportUpload serves POST /console/applicants/imports: the file becomes a
// draft import, and the browser goes on to its mapping page.
func (h *Handlers) ImportUpload(c *gin.Context) error {
	// The whole upload is parsed in memory: personal data is not spooled
	// to temporary files.
	err := c.Request.ParseMultipartForm(applicants.MaxFileSize + 1<<20)
	var f uploadForm
	if err == nil {
		err = c.ShouldBind(&f)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return h.renderUpload(c, http.StatusRequestEntityTooLarge, "", components.Errors{"file": fmt.Sprintf("The file is larger than %d MB.", applicants.MaxFileSize>>20)})
	}
	if f.File == nil {
		return h.renderUpload(c, http.StatusBadRequest, f.ConfigurationID, components.Errors{"file": "Choose a CSV or JSON file."})
	}
	data, err := readUpload(f.File)
	if err != nil {
		return err
	}
	j, err := h.Applicants.Upload(c.Request.Context(), applicants.UploadRequest{ConfigurationID: f.ConfigurationID, FileName: f.File.Filename, Data: data})
	var ve *applicants.ValidationError
	if errors.As(err, &ve) {
		return h.renderUpload(c, http.StatusBadRequest, f.ConfigurationID, components.Errors(ve.Fields))
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/applicants/imports/"+j.ID, "")
}

// readUpload reads an uploaded file, at most one byte past the limit (the
// service refuses it then).
func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	file, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(io.LimitReader(file, applicants.MaxFileSize+1))
}

// ImportShow serves GET /console/applicants/imports/:id: the mapping and
// preview of a draft (for staff who may import), otherwise the job's
// progress and the rows it did not import.
func (h *Handlers) ImportShow(c *gin.Context) error {
	after, _ := strconv.Atoi(c.Query("after"))
	p, err := h.Applicants.JobPage(c.Request.Context(), c.Param("id"), Can(c, staff.PermManageApplicants), max(after, 0))
	if err != nil {
		return err
	}
	if p.Preview != nil {
		return render(c, http.StatusOK, applicantview.Mapping(h.mappingProps(c, p.Preview, nil)))
	}
	names, err := h.Reports.ActorNames(c.Request.Context(), []string{p.Job.CreatedBy})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, applicantview.Job(h.jobProps(c, p, names)))
}

// jobProps builds an import's page, naming its uploader with names.
func (h *Handlers) jobProps(c *gin.Context, p *applicants.JobPage, names audit.Names) applicantview.JobProps {
	j := p.Job
	base := h.BasePath + "/console/applicants/imports/" + j.ID
	props := applicantview.JobProps{
		Layout: h.Layout(c, "Import"), Progress: h.progressProps(j), FileName: j.FileName, Configuration: cmpOr(p.Configuration, j.ConfigurationID),
		OnError: j.OnError, CreatedBy: names.ByID(j.CreatedBy), Created: j.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
		ApplicantsHref: h.BasePath + "/console/applicants?import=" + j.ID, CSVHref: base + "/errors.csv",
		CanCancel: Can(c, staff.PermManageApplicants) && !j.State.Finished(),
	}
	if h.Delivery != nil && j.State == applicants.JobDone && j.Imported > 0 && Can(c, staff.PermManageOffers) {
		props.NewBatchHref = h.BasePath + "/console/offers/batches/new?import=" + url.QueryEscape(j.ID)
	}
	for _, e := range p.Errors {
		props.BadRows = append(props.BadRows, applicantview.RowError{Row: e.Row, Message: e.Message})
	}
	if len(p.Errors) == applicants.JobPageErrors {
		props.MoreHref = base + "?after=" + strconv.Itoa(p.Errors[len(p.Errors)-1].Row)
	}
	return props
}

func (h *Handlers) progressProps(j *applicants.ImportJob) applicantview.ProgressProps {
	return applicantview.ProgressProps{BasePath: h.BasePath, JobID: j.ID, State: string(j.State), Failure: j.Failure, Total: j.Total,
		Processed: j.Processed, Imported: j.Imported, Skipped: j.Skipped, Percent: j.Percent(),
		Poll: j.State == applicants.JobPending || j.State == applicants.JobRunning}
}

// mappingProps turns a preview into the mapping page.
func (h *Handlers) mappingProps(c *gin.Context, pv *applicants.Preview, errs components.Errors) applicantview.MappingProps {
	m := pv.Mapping
	p := applicantview.MappingProps{
		Layout: h.Layout(c, "Map columns"), JobID: pv.Job.ID, FileName: pv.Job.FileName,
		Configuration: applicants.DisplayName(pv.Configuration) + " (" + pv.Configuration.ID + ")", OnError: pv.Job.OnError,
		Total: pv.Total, Valid: pv.Valid, Bad: pv.Bad, Checked: len(pv.MappingErrors) == 0, Errors: errs,
	}
	if p.Errors == nil && len(pv.MappingErrors) > 0 {
		p.Errors = components.Errors(pv.MappingErrors)
	}
	p.Columns = []components.Option{{Value: "", Label: "— none —"}}
	for _, col := range pv.Columns {
		p.Columns = append(p.Columns, components.Option{Value: col, Label: col})
	}
	p.Fields = []applicantview.MapField{
		{Name: "external_id", Label: "External id", Value: m.ExternalID},
		{Name: "name", Label: "Name", Value: m.Name},
		{Name: "given_name", Label: "…or given name", Value: m.GivenName},
		{Name: "family_name", Label: "…and family name", Value: m.FamilyName},
		{Name: "email", Label: "Email", Value: m.Email},
		{Name: "phone", Label: "Phone", Value: m.Phone},
	}
	for i := range applicants.AddressLines {
		v := ""
		if i < len(m.Address) {
			v = m.Address[i]
		}
		p.Address = append(p.Address, applicantview.MapField{Name: "address", Label: fmt.Sprintf("Address line %d", i+1), Value: v})
	}
	p.Headers = []string{"External id", "Name", "Email", "Phone", "Address"}
	for _, t := range pv.Targets {
		p.Claims = append(p.Claims, applicantview.MapField{Name: t.Field, Label: t.Label + " (" + t.Key + ")", Value: m.Claims[t.Key], Required: t.Mandatory})
		p.Headers = append(p.Headers, t.Label)
	}
	p.Headers = append(p.Headers, "Problems")
	for _, r := range pv.Rows {
		cells := append([]string{r.ExternalID, r.Name, r.Email, r.Phone, r.Address}, r.Claims...)
		cells = append(cells, joinProblems(r.Problems))
		p.Rows = append(p.Rows, applicantview.PreviewRow{Row: r.Row, Cells: cells, Problems: r.Problems})
	}
	for _, e := range pv.Errors[:min(len(pv.Errors), shownRowErrors)] {
		p.BadRows = append(p.BadRows, applicantview.RowError{Row: e.Row, Message: e.Message})
	}
	return p
}

// shownRowErrors is how many bad rows the mapping page lists.
const shownRowErrors = 1000

func joinProblems(ps []string) string {
	out := ""
	for i, p := range ps {
		if i > 0 {
			out += "; "
		}
		out += p
	}
	return out
}

// mappingForm is the mapping form. Address lines repeat the field
// "address"; claims come as claims[…].
type mappingForm struct {
	ExternalID string   `form:"external_id"`
	Name       string   `form:"name"`
	GivenName  string   `form:"given_name"`
	FamilyName string   `form:"family_name"`
	Email      string   `form:"email"`
	Phone      string   `form:"phone"`
	Address    []string `form:"address"`
	OnError    string   `form:"on_error"`
}

func (f mappingForm) mapping(c *gin.Context) applicants.Mapping {
	return applicants.Mapping{ExternalID: f.ExternalID, Name: f.Name, GivenName: f.GivenName, FamilyName: f.FamilyName,
		Email: f.Email, Phone: f.Phone, Address: f.Address, Claims: applicants.ClaimsFromForm(c.PostFormMap("claims"))}
}

// ImportPreview serves POST /console/applicants/imports/:id/preview: the
// mapping page again, checked with the mapping as posted. Nothing is saved.
func (h *Handlers) ImportPreview(c *gin.Context) error {
	var f mappingForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	m := f.mapping(c)
	pv, err := h.Applicants.Preview(c.Request.Context(), c.Param("id"), &m)
	if err != nil {
		return err
	}
	pv.Job.OnError = f.OnError
	status := http.StatusOK
	if len(pv.MappingErrors) > 0 {
		status = http.StatusBadRequest
	}
	return render(c, status, applicantview.Mapping(h.mappingProps(c, pv, nil)))
}

// ImportStart serves POST /console/applicants/imports/:id/start.
func (h *Handlers) ImportStart(c *gin.Context) error {
	var f mappingForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	id := c.Param("id")
	pv, err := h.Applicants.Start(c.Request.Context(), id, applicants.StartRequest{Mapping: f.mapping(c), OnError: f.OnError})
	var ve *applicants.ValidationError
	if errors.As(err, &ve) {
		pv.Job.OnError = f.OnError
		errs := components.Errors(ve.Fields)
		if _, ok := errs[""]; !ok {
			errs[""] = "The import was not started: correct the fields marked below."
		}
		return render(c, http.StatusBadRequest, applicantview.Mapping(h.mappingProps(c, pv, errs)))
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/applicants/imports/"+id, "The import has started. You can leave this page and come back.")
}

// ImportCancel serves POST /console/applicants/imports/:id/cancel: a draft
// is discarded, a pending or running import stops after its current chunk.
func (h *Handlers) ImportCancel(c *gin.Context) error {
	id := c.Param("id")
	if err := h.Applicants.Cancel(c.Request.Context(), id); err != nil {
		return err
	}
	return h.redirect(c, "/console/applicants/imports/"+id, "Cancelled. Rows imported before stay.")
}

// ImportProgress serves GET /console/applicants/imports/:id/progress: the
// live part of the job page, polled by htmx. When the job has ended, an
// htmx request is told to reload the page.
func (h *Handlers) ImportProgress(c *gin.Context) error {
	j, err := h.Applicants.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if j.State.Finished() && c.GetHeader("HX-Request") == "true" {
		c.Header("HX-Refresh", "true")
	}
	return render(c, http.StatusOK, applicantview.Progress(h.progressProps(j)))
}

// ImportErrorsCSV serves GET /console/applicants/imports/:id/errors.csv:
// every stored row error of the import.
func (h *Handlers) ImportErrorsCSV(c *gin.Context) error {
	id := c.Param("id")
	ctx := c.Request.Context()
	if _, err := h.Applicants.Job(ctx, id); err != nil {
		return err
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+id+`-errors.csv"`)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"row", "error"})
	for after := 0; ; {
		errs, err := h.Applicants.JobErrors(ctx, id, after, 1000)
		if err != nil {
			return err
		}
		for _, e := range errs {
			_ = w.Write([]string{strconv.Itoa(e.Row), csvSafe(e.Message)})
		}
		if len(errs) < 1000 {
			break
		}
		after = errs[len(errs)-1].Row
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
