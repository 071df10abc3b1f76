// Package visa is the bundled issuer client's Visa adapter: Visa ID &
// Credential (VICA) with product code CLICK_TO_PAY, and the calls Visa makes
// to the issuer. It also holds Visa's wire security, which an issuer library
// needs and the simulator imports to verify:
//
//   - xpaytoken: the X-Pay-Token request token (apikey + HMAC-SHA256);
//   - mle: Message Level Encryption of VICA bodies ({"encData": JWE}, RSA-OAEP-256/A128GCM);
//   - notification: the CTP_ENROLLMENT_ATTEMPT body (PS256 JWS wrapping a JWE);
//   - vtsjwe: the Visa Token Service shared-secret JWE (A256GCMKW/A256GCM).
//
// Because signer and verifier share code, each format is pinned by vectors
// produced by an independent implementation (the jose npm package, see
// testdata/interop) and by live interoperability tests against it.
//
// Use:
//
//	a, err := visa.New(visa.Config{
//		BaseURL: "https://sandbox.api.visa.com/visaIdCredential/v1", // or c2psim's /visa/visaIdCredential/v1
//		APIKey: apiKey, SharedSecret: secret,                        // or UserID + Password and an HTTPClient with the client certificate (two-way SSL)
//		KeyID: mleKeyID, ServerKey: visaMLEPublicKey, ClientKey: ourMLEPrivateKey,
//		BID: "10000001",
//	})
//	ca := a.WithCallbacks(visa.CallbackConfig{SigningKeys: visaNotificationKeys})
//	iss, err := client.New(client.WithAdapter(ca))
//	http.Handle("/c2p/", http.StripPrefix("/c2p", iss.CallbackHandler(nil, sink))) // Visa calls /c2p/visa/...
//
// Requests select Click to Pay with products[] (LegacyIntent sends the older
// intent object), carry an eX-Correlation-Id, and name the MLE Key ID in the
// keyId header. EnrolExisting and EnrolExistingByReference enrol a consumer
// Visa already knows from another Visa product.
//
// Every VICA write is asynchronous: the Operation it returns is Pending with
// the requestTraceId as its ID, and Issuer.Wait polls requestStatus (or takes
// the outcome from a status notification). A 409 VIDC-3000 is retryable: the
// Issuer waits for the prior request and tries again. VIDC codes map to the
// client's sentinels (VIDC-2000/2004 ErrAlreadyEnrolled, 2001/2005
// ErrNotEnrolled, 2002/2003/2006/2007/7000 ErrIneligible, 5000 ErrUnavailable).
package visa
