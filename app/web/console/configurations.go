package console

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/gin-gonic/gin"

	"credmint/app/credential"
	"credmint/app/staff"
	"credmint/views/components"
	"credmint/views/configurations"
)

// ListConfigurations serves GET /console/configurations.
func (h *Handlers) ListConfigurations(c *gin.Context) error {
	all, err := h.Configurations.List(c.Request.Context())
	if err != nil {
		return err
	}
	p := configurations.ListProps{Layout: h.Layout(c, "Configurations"), CanManage: Can(c, staff.PermManageConfigurations)}
	for _, cfg := range all {
		p.Items = append(p.Items, configurations.Item{Config: cfg, FileManaged: h.Configurations.IsFileManaged(cfg.ID)})
	}
	return render(c, http.StatusOK, configurations.List(p))
}

// ShowConfiguration serves GET /console/configurations/:id.
func (h *Handlers) ShowConfiguration(c *gin.Context) error {
	cfg, err := h.Configurations.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	meta, problem := h.preview(*cfg)
	return render(c, http.StatusOK, configurations.Show(configurations.ShowProps{Layout: h.Layout(c, cfg.ID), Config: *cfg,
		FileManaged: h.Configurations.IsFileManaged(cfg.ID), CanManage: Can(c, staff.PermManageConfigurations),
		Metadata: meta, MetadataError: problem}))
}

// NewConfiguration serves GET /console/configurations/new.
func (h *Handlers) NewConfiguration(c *gin.Context) error {
	v := configurations.Values{Format: firstOr(h.Configurations.FormatIDs(), ""), Binding: credential.BindingJWK, ReviewPolicy: credential.ReviewAuto,
		Validity: "365d", VCDM: "2.0", Displays: []configurations.DisplayRow{{Locale: "en"}}, Claims: []configurations.ClaimRow{{Names: []string{""}}}}
	return h.configurationForm(c, http.StatusOK, true, v, nil)
}

// EditConfiguration serves GET /console/configurations/:id/edit.
func (h *Handlers) EditConfiguration(c *gin.Context) error {
	id := c.Param("id")
	if h.Configurations.IsFileManaged(id) {
		return h.redirect(c, "/console/configurations/"+url.PathEscape(id), "!"+id+" is managed by the configuration file: change it there.")
	}
	cfg, err := h.Configurations.Get(c.Request.Context(), id)
	if err != nil {
		return err
	}
	return h.configurationForm(c, http.StatusOK, false, valuesOf(cfg), nil)
}

// CreateConfiguration serves POST /console/configurations: an editor
// operation (add or remove a row) re-renders the form; saving validates,
// stores and audits the configuration.
func (h *Handlers) CreateConfiguration(c *gin.Context) error {
	return h.saveConfiguration(c, true)
}

// UpdateConfiguration serves POST /console/configurations/:id.
func (h *Handlers) UpdateConfiguration(c *gin.Context) error {
	return h.saveConfiguration(c, false)
}

func (h *Handlers) saveConfiguration(c *gin.Context, isNew bool) error {
	var f configurationForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	v := f.values()
	if !isNew {
		v.ID = c.Param("id")
	}
	if applyEditorOp(&v, f.Op) {
		return h.configurationForm(c, http.StatusOK, isNew, v, nil)
	}
	ctx := c.Request.Context()
	cfg, errs := configurationOf(v, h.Configurations.FormatFields(v.Format))
	if merrs := mappingOf(v, &cfg); merrs != nil {
		if errs == nil {
			errs = components.Errors{}
		}
		maps.Copy(errs, merrs)
	}
	if !slices.Contains(h.formatOptions(ctx, isNew, v.ID), v.Format) {
		if errs == nil {
			errs = components.Errors{}
		}
		errs["format"] = "Choose a format from the list."
	}
	if errs != nil {
		errs[""] = "Not saved: correct the fields marked below."
		return h.configurationForm(c, http.StatusBadRequest, isNew, v, errs)
	}
	var err error
	if isNew {
		err = h.Configurations.Create(ctx, &cfg)
	} else {
		err = h.Configurations.Update(ctx, &cfg)
	}
	var fe *credential.FieldError
	switch {
	case errors.As(err, &fe):
		return h.configurationForm(c, http.StatusBadRequest, isNew, v, configurationErrors(v, fe))
	case errors.Is(err, credential.ErrFileManaged):
		return h.redirect(c, "/console/configurations/"+url.PathEscape(cfg.ID), "!"+cfg.ID+" is managed by the configuration file: change it there.")
	case err != nil:
		return err
	}
	return h.redirect(c, "/console/configurations/"+url.PathEscape(cfg.ID), "Saved "+cfg.ID+": new offers use it from now on.")
}

// configurationForm renders the editor for v with its preview.
func (h *Handlers) configurationForm(c *gin.Context, status int, isNew bool, v configurations.Values, errs components.Errors) error {
	p := configurations.FormProps{Layout: h.Layout(c, "Configuration"), New: isNew, Values: v, Errors: errs,
		Formats: h.formatOptions(c.Request.Context(), isNew, v.ID), Fields: h.Configurations.FormatFields(v.Format)}
	p.Metadata, p.MetadataError = h.previewValues(v)
	return render(c, status, configurations.Form(p))
}

// formatOptions are the formats the editor offers: the selectable ones
// and, when editing, the stored configuration's own format even if it is
// hidden (a vc+sd-jwt configuration keeps its format).
func (h *Handlers) formatOptions(ctx context.Context, isNew bool, id string) []string {
	ids := h.Configurations.FormatIDs()
	if isNew {
		return ids
	}
	if cfg, err := h.Configurations.Get(ctx, id); err == nil && !slices.Contains(ids, cfg.Format) {
		ids = append(slices.Clone(ids), cfg.Format)
	}
	return ids
}

// ConfigurationFormatFields serves POST /console/configurations/format-fields
// (htmx, when the editor's format changes): the fields of the chosen
// format, filled from the posted form.
func (h *Handlers) ConfigurationFormatFields(c *gin.Context) error {
	var f configurationForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	v := f.values()
	return render(c, http.StatusOK, configurations.FormatFields(configurations.FormatFieldsProps{Values: v, Fields: h.Configurations.FormatFields(v.Format)}))
}

// PreviewConfiguration serves POST /console/configurations/preview (htmx):
// the metadata entry the posted form would publish, or why it cannot.
func (h *Handlers) PreviewConfiguration(c *gin.Context) error {
	var f configurationForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	v := f.values()
	meta, problem := h.previewValues(v)
	return render(c, http.StatusOK, configurations.Preview(v.ID, meta, problem))
}

// previewValues is preview for the editor's values; an empty id is
// replaced so that the rest can be checked.
func (h *Handlers) previewValues(v configurations.Values) (string, string) {
	cfg, errs := configurationOf(v, h.Configurations.FormatFields(v.Format))
	if errs != nil {
		for _, msg := range errs {
			return "", msg
		}
	}
	if cfg.ID == "" {
		cfg.ID = "new_configuration"
	}
	return h.preview(cfg)
}

// preview returns the issuer metadata entry of cfg as indented JSON, or
// the validation problem that stops it from being published.
func (h *Handlers) preview(cfg credential.Configuration) (string, string) {
	entry, err := h.Issuance.PreviewConfiguration(cfg)
	var fe *credential.FieldError
	if errors.As(err, &fe) {
		return "", fe.Field + ": " + fe.Reason
	} else if err != nil {
		return "", "The preview failed."
	}
	b, err := json.MarshalIndent(map[string]any{cfg.ID: entry}, "", "  ")
	if err != nil {
		return "", "The preview failed."
	}
	return string(b), ""
}

// DisableConfiguration serves POST /console/configurations/:id/disable.
func (h *Handlers) DisableConfiguration(c *gin.Context) error {
	return h.setConfigurationDisabled(c, true)
}

// EnableConfiguration serves POST /console/configurations/:id/enable.
func (h *Handlers) EnableConfiguration(c *gin.Context) error {
	return h.setConfigurationDisabled(c, false)
}

func (h *Handlers) setConfigurationDisabled(c *gin.Context, disabled bool) error {
	id := c.Param("id")
	back := "/console/configurations/" + url.PathEscape(id)
	_, err := h.Configurations.SetDisabled(c.Request.Context(), id, disabled)
	switch {
	case errors.Is(err, credential.ErrFileManaged):
		return h.redirect(c, back, "!"+id+" is managed by the configuration file: change it there.")
	case err != nil:
		return err
	case disabled:
		return h.redirect(c, back, id+" is disabled: it is no longer published and new offers cannot use it.")
	}
	return h.redirect(c, back, id+" is enabled.")
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
