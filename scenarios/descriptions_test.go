package scenarios_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Every assertion in a scenario says what went wrong in the issuer's terms:
// a failure reading only "Expected <bool>: true to be false" tells a
// certification team nothing. The rule is checked on the sources: an
// assertion (To, NotTo, ToNot, Should, ShouldNot) needs a description
// after its matcher.
func TestEveryAssertionHasADescription(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch sel.Sel.Name {
			case "To", "NotTo", "ToNot", "Should", "ShouldNot":
				if len(c.Args) == 1 {
					t.Errorf("%s: an assertion without a description: say what the issuer got wrong", fset.Position(c.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
