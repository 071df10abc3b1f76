// Package josetest runs the Visa interoperability driver (testdata/interop,
// the jose npm package) and reads the shared test keys, for the Visa
// packages' interoperability tests.
package josetest

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/internal/nodeinterop"
	"github.com/c2psim/c2psim/internal/pemkey"
)

func testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Dir returns the driver's folder, or skips the test locally (fails it when
// CI is set) when node or the pinned jose package is not installed; `make
// test` installs it with npm ci.
func Dir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(testdata(), "interop")
	nodeinterop.Require(t, dir, "jose")
	return dir
}

// Run runs one command of interop.mjs; it returns the answer, or the
// driver's error output when the command failed.
func Run(t testing.TB, cmd string, req any) (map[string]any, error) {
	t.Helper()
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("node", "interop.mjs", cmd)
	c.Dir = Dir(t)
	c.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	c.Stdout, c.Stderr = &out, &stderr
	if err := c.Run(); err != nil {
		if _, exit := err.(*exec.ExitError); !exit {
			t.Fatalf("running node: %v", err)
		}
		return nil, errors.New(strings.TrimSpace(stderr.String()))
	}
	var res map[string]any
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("node %s answered %q", cmd, out.String())
	}
	return res, nil
}

// PEMFile reads a shared test key.
func PEMFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata(), "keys", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// PrivateKey reads a shared PKCS#8 RSA private key.
func PrivateKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	k, err := pemkey.ParsePrivate(PEMFile(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k
}

// PublicKey reads a shared PKIX RSA public key.
func PublicKey(t testing.TB, name string) *rsa.PublicKey {
	t.Helper()
	k, err := pemkey.ParsePublic(PEMFile(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return k
}
