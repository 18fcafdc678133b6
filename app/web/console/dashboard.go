package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"credmint/views/dashboard"
)

// Dashboard serves GET /console/.
func (h *Handlers) Dashboard(c *gin.Context) error {
	return render(c, http.StatusOK, dashboard.Page(dashboard.Props{Layout: h.Layout(c, "Dashboard")}))
}
