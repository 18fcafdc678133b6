package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"credmint/static"
	"credmint/views/home"
)

func staticFS() http.FileSystem {
	return http.FS(static.FS)
}

// home renders the public landing page of the issuer.
func (s *Server) home(c *gin.Context) {
	ctx := c.Request.Context()
	svc := s.deps.Issuance
	configs, err := svc.Catalog.Enabled(ctx)
	if err != nil {
		s.writeError(c, err)
		return
	}
	p := home.Props{
		IssuerName:  s.deps.IssuerName,
		Issuer:      svc.Issuer,
		BasePath:    s.deps.BasePath,
		MetadataURL: wellKnownURL(svc.Issuer, "openid-credential-issuer"),
	}
	for _, cfg := range configs {
		name := cfg.ID
		if len(cfg.Display) > 0 {
			name = cfg.Display[0].Name
		}
		p.Configurations = append(p.Configurations, home.Configuration{ID: cfg.ID, Name: name, Format: cfg.Format})
	}
	var buf bytes.Buffer
	if err := home.Page(p).Render(ctx, &buf); err != nil {
		s.writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// wellKnownURL inserts /.well-known/<name> between the host and the path of
// issuer (OID4VCI §12.2.2, RFC 8414 §3.1).
func wellKnownURL(issuer, name string) string {
	scheme, rest, _ := strings.Cut(issuer, "://")
	host, path, _ := strings.Cut(rest, "/")
	if path != "" {
		path = "/" + path
	}
	return scheme + "://" + host + "/.well-known/" + name + path
}
