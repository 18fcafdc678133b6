package console

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/audit"
	auditview "credmint/views/audit"
	"credmint/views/components"
)

// auditFilterForm is the audit log's filter, from the query string.
type auditFilterForm struct {
	ActorKind   string `form:"actor_kind"`
	Actor       string `form:"actor"`
	Action      string `form:"action"`
	SubjectType string `form:"subject_type"`
	SubjectID   string `form:"subject_id"`
	From        string `form:"from"`
	To          string `form:"to"`
	Before      string `form:"before"`
	After       string `form:"after"`
}

// query checks the form and returns the audit query it asks for, or the
// messages of its bad fields.
func (f auditFilterForm) query() (audit.Query, components.Errors) {
	q := audit.Query{ActorKind: f.ActorKind, Actor: strings.TrimSpace(f.Actor), Action: strings.TrimSpace(f.Action),
		SubjectType: f.SubjectType, SubjectID: strings.TrimSpace(f.SubjectID)}
	errs := components.Errors{}
	if q.ActorKind != "" && !slices.Contains(auditview.ActorKinds, q.ActorKind) {
		errs["actor_kind"] = "Choose an actor kind from the list."
	}
	var err error
	if f.From != "" {
		if q.From, err = time.Parse(time.DateOnly, f.From); err != nil {
			errs["from"] = "Give a date as YYYY-MM-DD."
		}
	}
	if f.To != "" {
		if q.To, err = time.Parse(time.DateOnly, f.To); err != nil {
			errs["to"] = "Give a date as YYYY-MM-DD."
		} else {
			q.To = q.To.AddDate(0, 0, 1) // the whole day
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		errs["to"] = "The end must not be before the start."
	}
	for field, v := range map[string]*int64{f.Before: &q.Before, f.After: &q.After} {
		if field == "" {
			continue
		}
		if n, err := strconv.ParseInt(field, 10, 64); err == nil && n > 0 {
			*v = n
		} else {
			errs[""] = "The page link is damaged; start from the newest events."
		}
	}
	if len(errs) > 0 {
		return q, errs
	}
	return q, nil
}

// values is the filter as a query string, without the page cursors.
func (f auditFilterForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor_kind": f.ActorKind, "actor": f.Actor, "action": f.Action,
		"subject_type": f.SubjectType, "subject_id": f.SubjectID, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

func (f auditFilterForm) view() auditview.Filter {
	return auditview.Filter{ActorKind: f.ActorKind, Actor: f.Actor, Action: f.Action, SubjectType: f.SubjectType,
		SubjectID: f.SubjectID, From: f.From, To: f.To}
}

// AuditLog serves GET /console/audit.
func (h *Handlers) AuditLog(c *gin.Context) error {
	var f auditFilterForm
	if err := c.ShouldBindQuery(&f); err != nil {
		return err
	}
	base := h.BasePath + "/console/audit"
	p := auditview.Props{Layout: h.Layout(c, "Audit log"), Filter: f.view(), FirstURL: urlWithQuery(base, f.values()),
		ExportURL: urlWithQuery(base+"/export.csv", f.values())}
	q, errs := f.query()
	if errs != nil {
		p.Errors = errs
		return render(c, http.StatusBadRequest, auditview.Page(p))
	}
	page, err := h.Reports.AuditLog(c.Request.Context(), q)
	if err != nil {
		return err
	}
	p.Entries = page.Entries
	if page.Newer != 0 {
		v := f.values()
		v.Set("after", strconv.FormatInt(page.Newer, 10))
		p.NewerURL = urlWithQuery(base, v)
	}
	if page.Older != 0 {
		v := f.values()
		v.Set("before", strconv.FormatInt(page.Older, 10))
		p.OlderURL = urlWithQuery(base, v)
	}
	return render(c, http.StatusOK, auditview.Page(p))
}

func urlWithQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// auditCSVHeader names the columns of the export.
var auditCSVHeader = []string{"id", "time_utc", "actor_kind", "actor_id", "actor_name", "remote_addr", "request_id",
	"action", "subject_type", "subject_id", "details"}

// AuditExport serves GET /console/audit/export.csv: every event the filter
// selects, oldest first, streamed row by row as it is read. A failure after
// the first bytes went out aborts the connection, so a cut-off file cannot
// pass for a complete one.
func (h *Handlers) AuditExport(c *gin.Context) error {
	var f auditFilterForm
	if err := c.ShouldBindQuery(&f); err != nil {
		return err
	}
	q, errs := f.query()
	if errs != nil {
		p := auditview.Props{Layout: h.Layout(c, "Audit log"), Filter: f.view(), Errors: errs,
			ExportURL: urlWithQuery(h.BasePath+"/console/audit/export.csv", f.values())}
		return render(c, http.StatusBadRequest, auditview.Page(p))
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="credmint-audit-`+h.Now().UTC().Format("20060102-150405")+`.csv"`)
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write(auditCSVHeader)
	n := 0
	err := h.Reports.EachAuditEntry(c.Request.Context(), q, func(e audit.Entry) error {
		details := ""
		if len(e.Details) > 0 {
			b, _ := json.Marshal(e.Details) // map[string]string: cannot fail
			details = string(b)
		}
		row := []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), e.Actor.Kind, e.Actor.ID, e.ActorName,
			e.Actor.RemoteAddr, e.Actor.RequestID, e.Action, e.SubjectType, e.SubjectID, details}
		for i := range row {
			row[i] = csvCell(row[i])
		}
		if err := w.Write(row); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			w.Flush()
			c.Writer.Flush()
		}
		return w.Error()
	})
	if err != nil {
		if !c.Writer.Written() {
			c.Writer.Header().Del("Content-Disposition")
			c.Writer.Header().Set("Content-Type", "text/html; charset=utf-8")
			return err
		}
		panic(http.ErrAbortHandler)
	}
	w.Flush()
	return w.Error()
}

// csvCell defuses spreadsheet formula injection: a cell that starts with
// =, +, -, @, a tab or a carriage return is prefixed with a quote, so
// spreadsheet programs show it as text instead of evaluating it (OWASP
// "CSV Injection").
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
