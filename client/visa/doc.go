// Package visa is the bundled issuer client's Visa adapter and the home of
// Visa's wire security, which an issuer library needs and the simulator
// imports to verify:
//
//   - xpaytoken: the X-Pay-Token request token (apikey + HMAC-SHA256);
//   - mle: Message Level Encryption of VICA bodies ({"encData": JWE}, RSA-OAEP-256/A128GCM);
//   - notification: the CTP_ENROLLMENT_ATTEMPT body (PS256 JWS wrapping a JWE);
//   - vtsjwe: the Visa Token Service shared-secret JWE (A256GCMKW/A256GCM).
//
// Because signer and verifier share code, each format is pinned by vectors
// produced by an independent implementation (the jose npm package, see
// testdata/interop) and by live interoperability tests against it.
package visa
