package certpkg

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The package's own files, at its root; neither is listed in the manifest.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
)

// Format names the manifest's shape.
const Format = "c2psim-package/1"

// Manifest lists every file of a package.
type Manifest struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	// PublicKey is the Ed25519 public key (base64) whose private key
	// signed the manifest; KeyID its short fingerprint. Empty for an
	// unsigned package.
	PublicKey string `json:"publicKey,omitempty"`
	KeyID     string `json:"keyId,omitempty"`
	// Generated is true when the key was made for this package alone and
	// its private key was not kept.
	Generated bool   `json:"generatedKey,omitempty"`
	Files     []File `json:"files"`
}

// File is one file of a package, by its slash-separated path.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Key signs packages.
type Key struct {
	Private ed25519.PrivateKey
	// Generated is true for a key made for one package and not kept.
	Generated bool
}

// GenerateKey makes a key for one package.
func GenerateKey() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating a signing key: %w", err)
	}
	return &Key{Private: priv, Generated: true}, nil
}

// LoadKey reads an Ed25519 private key: PEM "PRIVATE KEY" (PKCS#8).
func LoadKey(file string) (*Key, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the signing key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: want a PEM PRIVATE KEY block (PKCS#8 Ed25519, e.g. openssl genpkey -algorithm ed25519)", file)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: the key is a %T, want Ed25519", file, k)
	}
	return &Key{Private: priv}, nil
}

// Public is the key's public half.
func (k *Key) Public() ed25519.PublicKey { return k.Private.Public().(ed25519.PublicKey) }

// MarshalPEM writes the private key as PEM PKCS#8 and the public key as
// PEM PKIX ("PUBLIC KEY").
func (k *Key) MarshalPEM() (private, public []byte, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), nil
}

// KeyID is a public key's fingerprint: "ed25519:" and the first 16 bytes
// of its SHA-256, in hexadecimal.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:16])
}

// ParsePublicKey reads a public key: PEM "PUBLIC KEY" (PKIX), or the
// base64 form a manifest and a report print.
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("want a PEM PUBLIC KEY block, got %s", blk.Type)
		}
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the public key is a %T, want Ed25519", k)
		}
		return pub, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("want a PEM PUBLIC KEY block or a base64 Ed25519 public key (32 bytes)")
	}
	return ed25519.PublicKey(raw), nil
}

// Seal lists every file under dir in a new manifest.json and, with a key,
// signs it into manifest.sig. A manifest or signature left by an earlier
// Seal is replaced. Symbolic links and other non-regular files are refused:
// a package holds files only.
func Seal(dir string, key *Key, now time.Time) (*Manifest, error) {
	for _, f := range []string{ManifestFile, SignatureFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	m := &Manifest{Format: Format, Created: now.UTC().Truncate(time.Second), Files: []File{}}
	if key != nil {
		m.PublicKey = base64.StdEncoding.EncodeToString(key.Public())
		m.KeyID = KeyID(key.Public())
		m.Generated = key.Generated
	}
	err := walk(os.DirFS(dir), func(p string, open func() (io.ReadCloser, error)) error {
		f, err := digestOf(open)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		f.Path = p
		m.Files = append(m.Files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing the package: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
		return nil, err
	}
	if key != nil {
		sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key.Private, b)) + "\n"
		if err := os.WriteFile(filepath.Join(dir, SignatureFile), []byte(sig), 0o644); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// walk calls f for every regular file of fsys but the manifest and the
// signature, in path order; anything else that is not a directory is an
// error.
func walk(fsys fs.FS, f func(p string, open func() (io.ReadCloser, error)) error) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file (a package holds files only)", p)
		}
		if p == ManifestFile || p == SignatureFile {
			return nil
		}
		return f(p, func() (io.ReadCloser, error) { return fsys.Open(p) })
	})
}

func digestOf(open func() (io.ReadCloser, error)) (File, error) {
	r, err := open()
	if err != nil {
		return File{}, err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return File{}, err
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// VerifyOptions shape Verify.
type VerifyOptions struct {
	// PublicKey, when set, is the only key the package may be signed with
	// (the team's key, pinned by the reader).
	PublicKey ed25519.PublicKey
	// Unsigned accepts a package without a signature (a shard a run wrote
	// for itself); the files are still checked against the manifest.
	Unsigned bool
}

// Result is what Verify found in a package that verified.
type Result struct {
	Manifest *Manifest
	Signed   bool
}

// DifferenceError names the first file of a package (in path order) that
// is not as the manifest lists it, and counts every such file.
type DifferenceError struct {
	Path    string
	Problem string
	// Others counts the further files that differ.
	Others int
}

func (e *DifferenceError) Error() string {
	s := fmt.Sprintf("%s %s", e.Path, e.Problem)
	if e.Others > 0 {
		s += fmt.Sprintf(" (and %d more files differ)", e.Others)
	}
	return s
}

// SignatureError is a manifest whose signature does not verify, is absent,
// or was made with another key than the one pinned.
type SignatureError struct{ Problem string }

func (e *SignatureError) Error() string { return e.Problem }

// Open returns the files of a package: a directory, or a zip Zip wrote.
// Close releases the zip.
func Open(p string) (fsys fs.FS, closer func() error, err error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, err
	}
	if st.IsDir() {
		return os.DirFS(p), func() error { return nil }, nil
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is neither a package folder nor a zip: %w", p, err)
	}
	seen := map[string]bool{}
	for _, f := range zr.File {
		name := f.Name
		if strings.HasSuffix(name, "/") {
			continue
		}
		if !fs.ValidPath(name) || strings.Contains(name, `\`) {
			zr.Close()
			return nil, nil, fmt.Errorf("%s: entry %q is not a clean relative path", p, name)
		}
		if seen[name] {
			zr.Close()
			return nil, nil, fmt.Errorf("%s: entry %q appears twice", p, name)
		}
		seen[name] = true
	}
	return &zr.Reader, zr.Close, nil
}

// Verify checks a package (folder or zip): the manifest's signature, then
// every file against the manifest. The error is a *SignatureError or a
// *DifferenceError naming the first file that differs.
func Verify(p string, o VerifyOptions) (*Result, error) {
	fsys, closer, err := Open(p)
	if err != nil {
		return nil, err
	}
	defer closer()
	return VerifyFS(fsys, o)
}

// VerifyFS is Verify over the files of a package.
func VerifyFS(fsys fs.FS, o VerifyOptions) (*Result, error) {
	raw, err := fs.ReadFile(fsys, ManifestFile)
	if err != nil {
		return nil, &DifferenceError{Path: ManifestFile, Problem: "is missing: this is not a sealed package"}
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != Format {
		return nil, &DifferenceError{Path: ManifestFile, Problem: fmt.Sprintf("is not a %s manifest", Format)}
	}
	res := &Result{Manifest: &m}
	sig, sigErr := fs.ReadFile(fsys, SignatureFile)
	switch {
	case sigErr != nil && m.PublicKey == "" && o.Unsigned && o.PublicKey == nil:
	case sigErr != nil:
		return nil, &SignatureError{Problem: SignatureFile + " is missing: the package is not signed"}
	default:
		if err := checkSignature(&m, raw, sig, o.PublicKey); err != nil {
			return nil, err
		}
		res.Signed = true
	}
	listed := map[string]File{}
	for _, f := range m.Files {
		listed[f.Path] = f
	}
	var problems []DifferenceError
	found := map[string]bool{}
	err = walk(fsys, func(p string, open func() (io.ReadCloser, error)) error {
		found[p] = true
		want, ok := listed[p]
		if !ok {
			problems = append(problems, DifferenceError{Path: p, Problem: "is not in the manifest: it was added after the package was sealed"})
			return nil
		}
		got, err := digestOf(open)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if got.SHA256 != want.SHA256 || got.Size != want.Size {
			problems = append(problems, DifferenceError{Path: p, Problem: fmt.Sprintf("differs from the manifest: sha256 %s (%d bytes), the manifest lists %s (%d bytes)",
				short(got.SHA256), got.Size, short(want.SHA256), want.Size)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		if !found[f.Path] {
			problems = append(problems, DifferenceError{Path: f.Path, Problem: "is listed in the manifest but missing"})
		}
	}
	if len(problems) == 0 {
		return res, nil
	}
	slices.SortFunc(problems, func(a, b DifferenceError) int { return strings.Compare(a.Path, b.Path) })
	first := problems[0]
	first.Others = len(problems) - 1
	return nil, &first
}

func checkSignature(m *Manifest, raw, sig []byte, pinned ed25519.PublicKey) error {
	pub, err := base64.StdEncoding.DecodeString(m.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return &SignatureError{Problem: ManifestFile + " names no valid Ed25519 public key"}
	}
	if KeyID(pub) != m.KeyID {
		return &SignatureError{Problem: fmt.Sprintf("%s: keyId %s is not the fingerprint of its public key (%s)", ManifestFile, m.KeyID, KeyID(pub))}
	}
	if pinned != nil && !bytes.Equal(pinned, pub) {
		return &SignatureError{Problem: fmt.Sprintf("the package is signed with key %s, not with the expected key %s", m.KeyID, KeyID(pinned))}
	}
	s, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
	if err != nil || !ed25519.Verify(pub, raw, s) {
		return &SignatureError{Problem: fmt.Sprintf("the signature in %s does not verify over %s with key %s: the manifest or the signature was changed", SignatureFile, ManifestFile, m.KeyID)}
	}
	return nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// Zip writes the package folder dir as one zip file: every file, the
// manifest and the signature included, by its path inside the package,
// stamped with the manifest's creation time so the same package makes the
// same zip.
func Zip(dir, file string) error {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return fmt.Errorf("zipping %s: it is not sealed: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("zipping %s: %s: %w", dir, ManifestFile, err)
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	add := func(p string) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p, Method: zip.Deflate, Modified: m.Created})
		if err != nil {
			return err
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	}
	names := []string{ManifestFile}
	if _, err := os.Stat(filepath.Join(dir, SignatureFile)); err == nil {
		names = append(names, SignatureFile)
	}
	for _, f := range m.Files {
		names = append(names, path.Clean(f.Path))
	}
	for _, n := range names {
		if err = add(n); err != nil {
			break
		}
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("zipping %s: %w", dir, err)
	}
	return nil
}
