// Package console is the developer console the simulator serves at
// /_admin/: one HTML page, its script and its styles, embedded, with no
// build step. The page reads and steers the simulator through the admin API
// alone (openapi/admin.yaml): the journal of exchanges and their timelines,
// the networks' state, fault rules, network-side triggers, undelivered
// callbacks, and conformance reports loaded from a file.
//
// Everything the page shows is written as text (never as markup), and the
// admin API masks card numbers before they reach it; the end-to-end test
// drives the page in headless Chromium and scans its DOM for a full card
// number at every step.
package console

import (
	"embed"
	"path"
	"sort"
	"strings"
)

//go:embed index.html console.js console.css
var files embed.FS

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// Asset returns the named file of the console ("index.html", "console.js",
// "console.css") and its content type.
func Asset(name string) (b []byte, contentType string, ok bool) {
	if strings.Contains(name, "/") {
		return nil, "", false
	}
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, "", false
	}
	return b, types[path.Ext(name)], true
}

// AssetList names the files Asset serves besides the page, for messages.
func AssetList() string {
	entries, _ := files.ReadDir(".")
	var names []string
	for _, e := range entries {
		if e.Name() != "index.html" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
