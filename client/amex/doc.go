// Package amex is the bundled issuer client's American Express adapter, over
// the American Express Click to Pay issuer API as c2psim emulates it
// (openapi/amex/clicktopay.yaml). American Express publishes no issuer-side
// Click to Pay API; the emulation follows the public Token Service SDK
// (amex-api-java-client-core) wherever it shows something: paths under
// /payments/digital/v2/tokens/..., snake_case bodies, the headers and the
// security. The wire security lives beside the adapter, shared with the
// simulator that verifies it:
//
//   - mac: the Authorization MAC header (HMAC-SHA256 body hash and mac over
//     ts, nonce, method, path, host, port and body hash);
//   - jwe: account_data and notification_data as JWE A256KW/A128GCM with the
//     shared key's kid.
//
// Use:
//
//	key, _ := jwe.ParseKey(sharedKeyBase64)
//	a, err := amex.New(amex.Config{
//		BaseURL: "https://api.qasb.americanexpress.com/payments/digital/v2", // or c2psim's /amex/payments/digital/v2
//		APIKey: clientID, Secret: clientSecret,
//		EncryptionKeyID: keyID, EncryptionKey: key,
//		TokenRequesterID: "34900000001",
//	})
//	iss, err := client.New(client.WithAdapter(a))
//	http.Handle("/c2p/", http.StripPrefix("/c2p", iss.CallbackHandler(nil, sink))) // register https://…/c2p/amex
//
// Every call sends a fresh GUID as x-amex-request-id (IDM-03): American
// Express replays the first answer to a repeated ID with the same request
// and refuses it with another, and since account_data is encrypted afresh
// each time no two enrolment attempts are the same bytes. A retry by the
// Issuer is therefore a new request, and an enrolment whose first answer was
// lost meets ALREADY_ENROLLED, which the Issuer checks against the profile
// read-back (IDM-04).
//
// Enrolment is synchronous: the Operation is Succeeded with the token's
// token_ref_id, and its ID and CorrelationID are the call's request ID.
// Cards of one consumer_ref form one profile; adding a card reads the
// profile's user_data back and enrols the card with it. Suspend, resume and
// delete are tokens/notifications on the card's token (found in the profile
// when the Issuer does not know it), with the reason mapped to American
// Express's (ACCOUNT_CLOSED → CARD_CLOSED, BLOCKED → TEMPORARY_BLOCK, unknown
// → OTHER). There is no card update and no consumer delete: those answer
// client.ErrUnsupported.
//
// Error codes map to the client's sentinels: AUTHENTICATION_FAILED,
// FORBIDDEN and ENCRYPTION_ERROR to ErrAuth; ALREADY_ENROLLED to
// ErrAlreadyEnrolled; NOT_FOUND (the operation's unknown token or consumer)
// to ErrNotEnrolled, and any other 404 (RESOURCE_NOT_FOUND: no operation at
// the path, a wrong BaseURL) to ErrNotFound; CARD_INELIGIBLE and
// CARD_DECLINED to ErrIneligible; INVALID_STATE_TRANSITION to
// ErrIllegalTransition; VALIDATION_ERROR, CLEAR_CARD_DATA and the
// 413/415 codes to ErrValidation; all of them terminal. SERVICE_ERROR and
// SERVICE_UNAVAILABLE (ErrUnavailable) and DUPLICATE_REQUEST_ID (ErrConflict)
// are retryable. Unknown codes are classified by HTTP status; an unknown
// 409 is a conflict with the token's state (ErrIllegalTransition), not
// retried.
//
// The adapter is also the client.CallbackCodec of the token status
// notifications American Express posts to <callback URL>/tokens/status-notifications:
// MAC-verified with the client secret, notification_data decrypted, one
// event per notification_id, answered 204.
package amex
