// Package mastercard is the bundled issuer client's Mastercard adapter, over
// Mastercard's issuer-facing Click to Pay APIs as c2psim emulates them
// (openapi/mastercard): the synchronous Enroll API, the Credential Directory
// by the issuer's own consumer and card IDs, and MDES Customer Service for
// token suspend, resume and delete. It also decodes the calls Mastercard makes
// to the issuer (Pre-Digitization: Authorize Service and the rest) for the
// unified callback handler.
//
// Its wire security lives beside it: oauth1 (one-legged OAuth 1.0a with
// oauth_body_hash, as Mastercard's signer builds it) and encryption (the
// card JWE RSA-OAEP-256/A256GCM with kid = key fingerprint, and the legacy
// field-level encryption envelope of callbacks).
package mastercard
