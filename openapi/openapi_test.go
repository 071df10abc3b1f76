package openapi

import (
	"testing"
	"testing/fstest"
)

func TestEveryEmbeddedDocumentLoadsAndValidates(t *testing.T) {
	files := Files()
	if len(files) == 0 {
		t.Fatal("no documents embedded")
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			doc, err := Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Info == nil || doc.Info.Title == "" || doc.Info.Version == "" {
				t.Errorf("%s: info.title and info.version are required", name)
			}
			for p, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					if op.OperationID == "" {
						t.Errorf("%s: %s %s has no operationId", name, method, p)
					}
				}
			}
		})
	}
}

func TestLoadReportsFileAndProblem(t *testing.T) {
	fsys := fstest.MapFS{
		"bad.yaml": {Data: []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses: {}\n")},
	}
	_, err := LoadFS(fsys, "bad.yaml")
	if err == nil {
		t.Fatal("expected an error for a document with an empty responses object")
	}
	if got := err.Error(); !contains(got, "bad.yaml") {
		t.Errorf("error %q does not name the file", got)
	}
}

func TestRefsCannotLeaveTheTree(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    X: {$ref: 'http://example.invalid/x.yaml'}\n")},
	}
	if _, err := LoadFS(fsys, "a.yaml"); err == nil {
		t.Fatal("expected a remote $ref to be refused")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
