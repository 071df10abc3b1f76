package requirements

// Discover: its own requirements and its statements of the shared ones.
// Discover publishes the transport every API of its Partner Product Portal
// shares (the developer guide: the token call, the mandatory headers, the
// second factor, JWE and JWS, the error codes) and the Stored Token Services
// token-state operation; its issuer Click to Pay operations are c2psim's
// inference. The documents mark the transport part of every operation
// documented (op#transport), and the statements resting on it only are
// documented; a statement about what a Click to Pay body carries is
// inferred.

const (
	dsGuide = "https://partner.discoverglobalnetwork.com/going-live-with-discover?tab=developer-guide"
	dsDSTS  = "https://partner.discoverglobalnetwork.com/products/discover-stored-token-services?tab=api-specs"
)

var (
	// DSSec08: OAuth 2.0 client credentials.
	DSSec08 = only(Discover, Requirement{ID: "DS-SEC-08", Area: Security, Level: Must,
		Title: "Calls carry a bearer token from the client-credentials token call (scope and X-DFS-API-PLAN on it) that is reused until it expires, not fetched per call"},
		Statement{Source: dsGuide, Documented: true, Operations: []string{"getToken"}})
	// DSSec12: the second factor of each operation family.
	DSSec12 = only(Discover, Requirement{ID: "DS-SEC-12", Area: Security, Level: Must,
		Title: "Every call carries its family's second factor: X-DFS-C-APP-JWT, an RS256 JWS whose content_hash is the SHA-256 of the body, on enrolment and token-state calls; the consumer application certificate in X-DFS-C-APP-CERT on reads"},
		Statement{Source: dsGuide, Documented: true, Operations: []string{"enrolConsumer#transport", "updateTokenState#transport", "getConsumer#transport"}})
	// DSSec13: the token event endpoint is mutual TLS.
	DSSec13 = only(Discover, Requirement{ID: "DS-SEC-13", Area: Security, Level: Must,
		Title: "The token event endpoint takes Discover's calls over mutual TLS only: it requires a client certificate chained to the notification-client-ca Discover gives the partner, and refuses a connection without one or with another authority's",
		Check: "the registered callback URL is https; a connection presenting no client certificate, and one presenting a certificate of another authority, are refused (handshake or 4xx) and nothing is applied; the network's own deliveries, with its certificate, are taken"},
		Statement{Source: dsGuide, Documented: true, Operations: []string{"notifyTokenEvent#transport"}})
	// DSIdm05: a fresh X-Request-ID on every call.
	DSIdm05 = only(Discover, Requirement{ID: "DS-IDM-05", Area: Idempotency, Level: Must,
		Title: "Every call, a retry included, carries a freshly generated X-Request-ID, with X-DFS-API-PLAN and Cache-Control: no-store"},
		Statement{Source: dsGuide, Documented: true, Operations: []string{"enrolConsumer#transport", "getConsumer#transport"}})
)

// Discover's statements of the shared rules.
var (
	_ = on(Discover, C2PEnr01, Statement{Source: dsGuide, Operations: []string{"enrolConsumer"},
		Title: "enrolConsumer carries consumer consumerId, firstName, lastName, email, phone, locale and country"})
	_ = on(Discover, C2PEnr02, Statement{Source: dsGuide, Operations: []string{"enrolConsumer"},
		Title: "The encrypted card holds pan, expiry, nameOnCard and billingAddress"})
	_ = on(Discover, C2PEnr03, Statement{Source: dsGuide, Documented: true, Operations: []string{"enrolConsumer#transport", "addCard#transport"},
		Title: "The card travels only inside card.encryptedCard, the partner's RS256 JWS inside a JWE (RSA-OAEP-256/A256GCM, cty JWT) to the encryption key of Discover's JWKS"})
	_ = on(Discover, C2PEnr09, Statement{Source: dsGuide, Operations: []string{"enrolConsumer"},
		Title: "400 code 10002 (PAN ineligible) ends the enrolment as a terminal failure"})
	_ = on(Discover, C2PLcm03, Statement{Source: dsDSTS, Operations: []string{"updateTokenState"},
		Title: "A closed card's token is unlinked (operationType Unlink) and the consumer's other card stays"})
	_ = on(Discover, C2PLcm05, Statement{Source: dsDSTS, Operations: []string{"updateTokenState"},
		Title: "A temporary block suspends the card's token (operationType Suspend) and unblocking resumes it (Resume)"})
	_ = on(Discover, C2PLcm08, Statement{Source: dsGuide, Operations: []string{"enrolConsumer", "addCard"},
		Title: "A card opted out is not enrolled again by an automatic enrolment"})
	_ = on(Discover, C2PLcm12, Statement{Source: dsGuide, Operations: []string{"notifyTokenEvent"},
		Title: "Each token event (SUSPENDED, ACTIVE) is applied to the issuer's record of the card"})
	_ = on(Discover, C2PNtf05, Statement{Source: dsGuide, Operations: []string{"notifyTokenEvent"},
		Title: "A token event delivered again under the same eventId is acknowledged and applied once, even after a newer one"})
	_ = on(Discover, C2PNtf06, Statement{Source: dsGuide, Operations: []string{"notifyTokenEvent"},
		Title: "A token event whose delivery failed is accepted when delivered again, and applied once"})
	_ = on(Discover, C2PSec10, Statement{Source: pciDSS, Documented: true})
	// The developer guide's transport is mutual TLS (DS-SEC-13) and the
	// signed JWT, judged here.
	_ = on(Discover, C2PSec11, Statement{Source: dsGuide, Documented: true, Operations: []string{"notifyTokenEvent#transport"},
		Title: "The Discover-signed X-DFS-C-APP-JWT of a token event is verified with the signing key of Discover's JWKS; one that does not verify is refused with 401 and not applied"})
	_ = on(Discover, C2PErr01, Statement{Source: dsGuide, Operations: []string{"enrolConsumer"},
		Title: "The {code, message} envelope is read: 500 code 30002 (downstream unavailable) is retried, 400 codes are terminal"})
	_ = on(Discover, C2PErr02, Statement{Source: dsGuide, Operations: []string{"enrolConsumer"},
		Title: "A 400 refusal of enrolConsumer is not sent again unchanged"})
	_ = on(Discover, C2PErr03, Statement{Source: dsGuide, Operations: []string{"enrolConsumer"},
		Title: "Retries of a refused enrolConsumer wait longer each time, up to a bound"})
	_ = on(Discover, C2PErr04, Statement{Source: dsGuide, Operations: []string{"enrolConsumer", "getConsumer"},
		Title: "Fields Discover adds to its answers are ignored, not refused"})
	_ = on(Discover, C2PIdm04, Statement{Source: dsGuide, Operations: []string{"enrolConsumer", "getConsumer"},
		Title: "An enrolConsumer retried after a lost answer meets 2009 (in progress) or 10009 (already provisioned), checks the consumer and does not enrol twice"})
)
