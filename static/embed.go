// Package static embeds credmint's browser assets (CSS, scripts, images) so
// the binary serves them itself: no CDN, nothing fetched at run time.
package static

import "embed"

// FS holds the assets under css/ (and later js/, img/).
//
//go:embed css js
var FS embed.FS
