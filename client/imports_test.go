package client_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/c2psim/c2psim"

// TestImportRules keeps the client a library an issuer could ship: neither it
// nor anything it pulls in from this module may depend on the simulator, the
// harness or the test frameworks. Imports are read from the source (non-test
// files, transitively within the module) so the rule holds without a go tool.
func TestImportRules(t *testing.T) {
	forbidden := []string{module + "/simulator", module + "/conformance", module + "/scenarios",
		"github.com/onsi/ginkgo", "github.com/onsi/gomega"}
	for _, root := range []string{"client", "client/driver", "client/clienttest"} {
		seen := map[string]bool{}
		var walk func(pkg string, chain []string)
		walk = func(pkg string, chain []string) {
			if seen[pkg] {
				return
			}
			seen[pkg] = true
			for _, imp := range packageImports(t, pkgDir(pkg)) {
				for _, f := range forbidden {
					if imp == f || strings.HasPrefix(imp, f+"/") {
						t.Errorf("%s imports %s (via %s)", root, imp, strings.Join(append(chain, pkg), " → "))
					}
				}
				if strings.HasPrefix(imp, module+"/") {
					walk(imp, append(chain, pkg))
				}
			}
		}
		walk(module+"/"+root, nil)
		if !seen[module+"/client/pan"] && root == "client" {
			t.Fatalf("%s: walk did not reach client/pan; imports were not read", root)
		}
	}
}

// pkgDir turns a module import path into its directory relative to the
// module root.
func pkgDir(pkg string) string {
	return filepath.FromSlash(strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/"))
}

// packageImports lists the imports of the non-test Go files in dir (relative
// to the module root, which is this package's parent).
func packageImports(t *testing.T, dir string) []string {
	t.Helper()
	dir = filepath.Join("..", dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading package %s: %v", dir, err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, s := range f.Imports {
			p, _ := strconv.Unquote(s.Path.Value)
			out = append(out, p)
		}
	}
	return out
}
