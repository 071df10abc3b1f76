// Package certpkg makes a folder of reports a certification package that
// shows whether anything in it changed after it was written: a manifest
// (manifest.json) listing every file with its size and SHA-256, and an
// Ed25519 signature over the manifest's exact bytes (manifest.sig). Verify
// checks the signature, then every file against the manifest, and names
// the first file (in path order) that differs, is missing or was added.
// A package can be zipped for hand-over; Verify reads the zip the same way.
//
//	key, _ := certpkg.LoadKey("team-signing.pem") // or certpkg.GenerateKey()
//	m, err := certpkg.Seal("reports", key, time.Now())
//	...
//	res, err := certpkg.Verify("reports.zip", certpkg.VerifyOptions{PublicKey: teamPub})
//	var d *certpkg.DifferenceError
//	if errors.As(err, &d) {
//		fmt.Println("changed:", d.Path)
//	}
//
// What the signature proves depends on the key. A key the team keeps (a
// PKCS#8 PEM Ed25519 key, as `openssl genpkey -algorithm ed25519` writes)
// and whose public key the reader pins (VerifyOptions.PublicKey) shows the
// package is the one the team signed. A key generated for one run and
// thrown away shows only that the files are as the run wrote them next to
// that public key: someone who edits the files can seal them again with a
// key of their own, which a reader notices only by comparing the public key
// with the one the run printed.
package certpkg
