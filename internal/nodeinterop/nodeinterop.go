// Package nodeinterop runs the pinned npm drivers of the interoperability
// tests (the networks' published Node libraries, under each
// testdata/interop). Require finds node and the packages, failing the test
// under CI and skipping it elsewhere when they are missing (`make
// interop-deps` installs them); Run feeds a driver script a JSON request on
// stdin and decodes its JSON answer.
package nodeinterop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Require returns the node executable once node and every package are
// installed in dir; otherwise it fails the test when CI is set, and skips it
// elsewhere.
func Require(t testing.TB, dir string, packages ...string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	for _, pkg := range packages {
		if err == nil {
			_, err = os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json"))
		}
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("interoperability prerequisites missing under CI (run make interop-deps): %v", err)
		}
		t.Skipf("node or %s/node_modules missing (run make interop-deps): %v", dir, err)
	}
	return node
}

// Run runs node with args in dir, req as JSON on stdin, and decodes the JSON
// it prints into out (when out is not nil). A failing script's error output
// is in the error. It is safe off the test goroutine.
func Run(node, dir string, req, out any, args ...string) error {
	in, err := json.Marshal(req)
	if err != nil {
		return err
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("node %v: %v: %s", args, err, stderr.String())
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("node %v printed no JSON answer: %v", args, err)
	}
	return nil
}
