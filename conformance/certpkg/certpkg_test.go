package certpkg_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/conformance/certpkg"
)

var files = map[string]string{
	"report.json":                            `{"outcome":"passed"}`,
	"report.html":                            "<html>report</html>",
	"junit.xml":                              "<testsuites/>",
	"cases/VI.enrol-complete/case.json":      `{"verdict":"passed"}`,
	"cases/VI.enrol-complete/exchanges.json": `[{"n":1}]`,
	"cases/MC.batch-reconciled/case.json":    `{"verdict":"failed"}`,
}

func sealed(t *testing.T, key *certpkg.Key) string {
	t.Helper()
	dir := t.TempDir()
	for p, s := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := certpkg.Seal(dir, key, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != len(files) {
		t.Fatalf("the manifest lists %d files, want %d", len(m.Files), len(files))
	}
	return dir
}

func mustKey(t *testing.T) *certpkg.Key {
	t.Helper()
	k, err := certpkg.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealedPackageVerifies(t *testing.T) {
	k := mustKey(t)
	dir := sealed(t, k)
	res, err := certpkg.Verify(dir, certpkg.VerifyOptions{PublicKey: k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Signed || res.Manifest.KeyID != certpkg.KeyID(k.Public()) || !res.Manifest.Generated {
		t.Fatalf("result %+v", res.Manifest)
	}
}

// Changing one byte of any file makes Verify fail naming that file.
func TestOneChangedByteNamesItsFile(t *testing.T) {
	k := mustKey(t)
	for p := range files {
		dir := sealed(t, k)
		full := filepath.Join(dir, filepath.FromSlash(p))
		b, _ := os.ReadFile(full)
		b[len(b)/2] ^= 0x01
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := certpkg.Verify(dir, certpkg.VerifyOptions{})
		var d *certpkg.DifferenceError
		if !errors.As(err, &d) || d.Path != p || !strings.Contains(d.Error(), "differs") {
			t.Errorf("changed %s: %v", p, err)
		}
	}
	for _, f := range []string{certpkg.ManifestFile, certpkg.SignatureFile} {
		dir := sealed(t, k)
		full := filepath.Join(dir, f)
		b, _ := os.ReadFile(full)
		b[len(b)/3] ^= 0x01
		_ = os.WriteFile(full, b, 0o644)
		_, err := certpkg.Verify(dir, certpkg.VerifyOptions{})
		var s *certpkg.SignatureError
		var d *certpkg.DifferenceError
		if !errors.As(err, &s) && !errors.As(err, &d) || !strings.Contains(err.Error(), certpkg.ManifestFile) && !strings.Contains(err.Error(), certpkg.SignatureFile) {
			t.Errorf("changed %s: %v", f, err)
		}
	}
}

func TestAddedAndRemovedFilesAreNamed(t *testing.T) {
	k := mustKey(t)
	dir := sealed(t, k)
	_ = os.WriteFile(filepath.Join(dir, "cases", "extra.json"), []byte("{}"), 0o644)
	_, err := certpkg.Verify(dir, certpkg.VerifyOptions{})
	var d *certpkg.DifferenceError
	if !errors.As(err, &d) || d.Path != "cases/extra.json" || !strings.Contains(d.Problem, "not in the manifest") {
		t.Fatalf("added file: %v", err)
	}
	dir = sealed(t, k)
	_ = os.Remove(filepath.Join(dir, "junit.xml"))
	_ = os.WriteFile(filepath.Join(dir, "report.json"), []byte("{}"), 0o644)
	_, err = certpkg.Verify(dir, certpkg.VerifyOptions{})
	if !errors.As(err, &d) || d.Path != "junit.xml" || !strings.Contains(d.Problem, "missing") || d.Others != 1 {
		t.Fatalf("removed file (the first in path order is named, the other counted): %v", err)
	}
}

func TestSignatureIsChecked(t *testing.T) {
	k, other := mustKey(t), mustKey(t)
	dir := sealed(t, k)
	var s *certpkg.SignatureError
	if _, err := certpkg.Verify(dir, certpkg.VerifyOptions{PublicKey: other.Public()}); !errors.As(err, &s) || !strings.Contains(err.Error(), "expected key") {
		t.Fatalf("another pinned key: %v", err)
	}
	// Resealing with another key is noticed only against a pinned key.
	if _, err := certpkg.Seal(dir, other, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := certpkg.Verify(dir, certpkg.VerifyOptions{}); err != nil {
		t.Fatalf("a package sealed again verifies on its own: %v", err)
	}
	if _, err := certpkg.Verify(dir, certpkg.VerifyOptions{PublicKey: k.Public()}); !errors.As(err, &s) {
		t.Fatalf("resealed with another key, against the pinned one: %v", err)
	}
	unsigned := sealed(t, nil)
	if _, err := certpkg.Verify(unsigned, certpkg.VerifyOptions{}); !errors.As(err, &s) || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("an unsigned package: %v", err)
	}
	if res, err := certpkg.Verify(unsigned, certpkg.VerifyOptions{Unsigned: true}); err != nil || res.Signed {
		t.Fatalf("an unsigned package, accepted as such: %v", err)
	}
	// Taking the signature away from a signed package is not "unsigned".
	_ = os.Remove(filepath.Join(dir, certpkg.SignatureFile))
	if _, err := certpkg.Verify(dir, certpkg.VerifyOptions{Unsigned: true}); !errors.As(err, &s) {
		t.Fatalf("a signed package whose signature was removed: %v", err)
	}
}

func TestZipVerifiesAndNamesTheChangedEntry(t *testing.T) {
	k := mustKey(t)
	dir := sealed(t, k)
	z := filepath.Join(t.TempDir(), "package.zip")
	if err := certpkg.Zip(dir, z); err != nil {
		t.Fatal(err)
	}
	if _, err := certpkg.Verify(z, certpkg.VerifyOptions{PublicKey: k.Public()}); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again.zip")
	_ = certpkg.Zip(dir, again)
	a, _ := os.ReadFile(z)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("zipping one package twice made two different files")
	}
	// Rewrite the zip with one byte of one entry changed.
	zr, err := zip.OpenReader(z)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		r, _ := f.Open()
		body, _ := io.ReadAll(r)
		r.Close()
		if f.Name == "cases/MC.batch-reconciled/case.json" {
			body[2] ^= 0x20
		}
		w, _ := zw.Create(f.Name)
		_, _ = w.Write(body)
	}
	zr.Close()
	_ = zw.Close()
	bad := filepath.Join(t.TempDir(), "bad.zip")
	_ = os.WriteFile(bad, buf.Bytes(), 0o644)
	_, err = certpkg.Verify(bad, certpkg.VerifyOptions{})
	var d *certpkg.DifferenceError
	if !errors.As(err, &d) || d.Path != "cases/MC.batch-reconciled/case.json" {
		t.Fatalf("changed zip entry: %v", err)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	k := mustKey(t)
	priv, pub, err := k.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "team.pem")
	_ = os.WriteFile(p, priv, 0o600)
	back, err := certpkg.LoadKey(p)
	if err != nil || !back.Private.Equal(k.Private) || back.Generated {
		t.Fatalf("LoadKey: %v", err)
	}
	for _, form := range [][]byte{pub, []byte(" " + mustB64(k) + "\n")} {
		got, err := certpkg.ParsePublicKey(form)
		if err != nil || !got.Equal(k.Public()) {
			t.Fatalf("ParsePublicKey(%q): %v", form, err)
		}
	}
	_ = os.WriteFile(p, pub, 0o600)
	if _, err := certpkg.LoadKey(p); err == nil {
		t.Fatal("a public key loaded as a signing key")
	}
}

func mustB64(k *certpkg.Key) string { return base64.StdEncoding.EncodeToString(k.Public()) }

func TestSymlinksAreRefused(t *testing.T) {
	dir := sealed(t, mustKey(t))
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks here")
	}
	if _, err := certpkg.Seal(dir, nil, time.Now()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("Seal took a symlink: %v", err)
	}
}
