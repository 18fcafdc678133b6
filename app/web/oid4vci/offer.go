package oid4vci

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Offer serves a credential_offer_uri (OID4VCI §4.1.3). Every offer has its
// own URI, and responses are not cached.
func (h *Handlers) Offer(c *gin.Context) error {
	obj, err := h.svc.FetchOffer(c.Request.Context(), c.Param("handle"))
	if err != nil {
		return err
	}
	noStore(c, http.StatusOK, obj)
	return nil
}
