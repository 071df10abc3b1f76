// Package openapi embeds the OpenAPI 3 documents that are c2psim's single
// source of truth: one document per network API and direction, the admin API
// and the driver contract. Load parses a document from the embedded tree with
// kin-openapi, resolving relative $refs inside the same tree, and validates it.
//
// See README.md in this folder for the conventions every document follows.
package openapi

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// FS holds every document shipped with c2psim.
//
//go:embed *.yaml */*.yaml
var FS embed.FS

// Load reads the document at name (a slash path inside FS, such as
// "visa/vica.yaml") and validates it.
func Load(name string) (*openapi3.T, error) { return LoadFS(FS, name) }

// LoadFS reads and validates the document at name inside fsys. Relative
// $refs resolve inside fsys; nothing is read from disk or network.
func LoadFS(fsys fs.FS, name string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, uri *url.URL) ([]byte, error) {
		if uri.Scheme != "" || uri.Host != "" {
			return nil, fmt.Errorf("reference %q leaves the document tree", uri.String())
		}
		return fs.ReadFile(fsys, strings.TrimPrefix(path.Clean(uri.Path), "/"))
	}
	doc, err := loader.LoadFromFile(name)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", name, err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validating %s: %w", name, err)
	}
	return doc, nil
}

// Files lists every document in FS, sorted.
func Files() []string {
	var out []string
	_ = fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Raw returns the bytes of an embedded document as shipped.
func Raw(name string) ([]byte, error) { return fs.ReadFile(FS, name) }
