package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"credmint/app/staff"
	"credmint/views/components"
	"credmint/views/users"
)

// Users serves GET /console/users.
func (h *Handlers) Users(c *gin.Context) error {
	return h.usersPage(c, http.StatusOK, nil)
}

// usersPage renders the user list with messages per user id.
func (h *Handlers) usersPage(c *gin.Context, status int, rowErrors map[string]string) error {
	accounts, err := h.Staff.Accounts(c.Request.Context())
	if err != nil {
		return err
	}
	p := users.ListProps{Layout: h.Layout(c, "Users"), Accounts: accounts, RowErrors: rowErrors}
	if u := CurrentUser(c); u != nil {
		p.CurrentID = u.ID
	}
	return render(c, status, users.List(p))
}

// NewUser serves GET /console/users/new.
func (h *Handlers) NewUser(c *gin.Context) error {
	return render(c, http.StatusOK, users.New(users.NewProps{Layout: h.Layout(c, "Add a user"), Role: staff.RoleIssuer}))
}

type newUserForm struct {
	Email        string `form:"email"`
	Name         string `form:"name"`
	Role         string `form:"role"`
	PasswordMode string `form:"password_mode"`
	Password     string `form:"password"`
}

// CreateUser serves POST /console/users. A generated password is shown on
// the answer page, once; it is never put in a redirect or a cookie.
func (h *Handlers) CreateUser(c *gin.Context) error {
	var f newUserForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	generate := f.PasswordMode != "set"
	form := users.NewProps{Layout: h.Layout(c, "Add a user"), Email: f.Email, Name: f.Name, Role: f.Role, SetPassword: !generate}
	if !generate && f.Password == "" {
		form.Errors = components.Errors{"password": "Type a password, or choose to generate one."}
		return render(c, http.StatusBadRequest, users.New(form))
	}
	u, pw, err := h.Staff.Invite(c.Request.Context(), staff.NewUser{Email: f.Email, Name: f.Name, Role: f.Role, Password: f.Password}, generate)
	var fe *staff.FieldError
	if errors.As(err, &fe) {
		form.Errors = components.Errors{fe.Field: staffFieldMessage(fe.Field, fe.Reason)}
		return render(c, http.StatusBadRequest, users.New(form))
	} else if err != nil {
		return err
	}
	if !generate {
		return h.redirect(c, "/console/users", fmt.Sprintf("%s added as %s.", u.Email, u.Role))
	}
	return render(c, http.StatusCreated, users.Created(users.CreatedProps{Layout: form.Layout, User: *u, Password: pw}))
}

type roleForm struct {
	Role string `form:"role"`
}

// ChangeRole serves POST /console/users/:id/role.
func (h *Handlers) ChangeRole(c *gin.Context) error {
	var f roleForm
	if err := c.ShouldBind(&f); err != nil {
		return err
	}
	id := c.Param("id")
	u, err := h.Staff.ChangeRole(c.Request.Context(), id, f.Role)
	if status, msg := userActionProblem(err); status != 0 {
		return h.usersPage(c, status, map[string]string{id: msg})
	} else if err != nil {
		return err
	}
	return h.redirect(c, "/console/users", fmt.Sprintf("%s is now %s; their sessions ended, so the new role applies at once.", u.Email, u.Role))
}

// DisableUser serves POST /console/users/:id/disable.
func (h *Handlers) DisableUser(c *gin.Context) error { return h.setUserDisabled(c, true) }

// EnableUser serves POST /console/users/:id/enable.
func (h *Handlers) EnableUser(c *gin.Context) error { return h.setUserDisabled(c, false) }

func (h *Handlers) setUserDisabled(c *gin.Context, disabled bool) error {
	id := c.Param("id")
	u, err := h.Staff.SetUserDisabled(c.Request.Context(), id, disabled)
	if status, msg := userActionProblem(err); status != 0 {
		return h.usersPage(c, status, map[string]string{id: msg})
	} else if err != nil {
		return err
	}
	if disabled {
		return h.redirect(c, "/console/users", u.Email+" is disabled and signed out.")
	}
	return h.redirect(c, "/console/users", u.Email+" is enabled.")
}

// RevokeUserSessions serves POST /console/users/:id/sessions/revoke.
func (h *Handlers) RevokeUserSessions(c *gin.Context) error {
	n, err := h.Staff.RevokeSessions(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.redirect(c, "/console/users", fmt.Sprintf("%d session(s) ended.", n))
}

// userActionProblem maps the errors of a user action that the user list
// shows next to the user to a status and a message; 0 for other errors.
func userActionProblem(err error) (int, string) {
	var fe *staff.FieldError
	switch {
	case errors.Is(err, staff.ErrLastAdmin):
		return http.StatusConflict, "This is the last enabled admin account: make another user admin first."
	case errors.As(err, &fe):
		return http.StatusBadRequest, staffFieldMessage(fe.Field, fe.Reason)
	}
	return 0, ""
}

// staffFieldMessage turns a service's field error into a sentence for the form:
// "Email is not an email address.", "An account with this email exists."
func staffFieldMessage(field, reason string) string {
	if strings.HasPrefix(reason, "is ") || strings.HasPrefix(reason, "must ") {
		return sentenceCase(strings.ReplaceAll(field, "_", " ")+" "+reason) + "."
	}
	return sentenceCase(reason) + "."
}

func sentenceCase(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}
