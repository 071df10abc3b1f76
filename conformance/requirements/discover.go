package requirements

// Discover: its own requirements and its statements of the shared ones.
// Discover documents its OAuth 2.0 token endpoint; its Click to Pay
// operations are c2psim's inference, and so is every statement naming one.

const dsDocs = "https://developer.discover.com/api/stored-payment-tokens/documentation"

var (
	// DSSec08: OAuth 2.0 client credentials.
	DSSec08 = only(Discover, Requirement{ID: "DS-SEC-08", Area: Security, Level: Must,
		Title: "Calls carry an OAuth 2.0 client-credentials bearer token that is reused until it expires, not fetched per call"},
		Statement{Source: dsDocs, Documented: true, Operations: []string{"getToken"}})
)

// Discover's statements of the shared rules.
var (
	_ = on(Discover, C2PEnr01, Statement{Source: dsDocs, Operations: []string{"enrolConsumer"},
		Title: "enrolConsumer carries consumer consumerId, firstName, lastName, email, phone, locale and country"})
	_ = on(Discover, C2PEnr02, Statement{Source: dsDocs, Operations: []string{"enrolConsumer"},
		Title: "The encrypted card holds pan, expiry, nameOnCard and billingAddress"})
	_ = on(Discover, C2PEnr03, Statement{Source: dsDocs, Operations: []string{"enrolConsumer", "addCard"},
		Title: "The card travels only inside card.encryptedCard, a JWE RSA-OAEP-256/A256GCM"})
	_ = on(Discover, C2PEnr09, Statement{Source: dsDocs, Operations: []string{"enrolConsumer"},
		Title: "422 code 2003 (not eligible) ends the enrolment as a terminal failure"})
	_ = on(Discover, C2PLcm03, Statement{Source: dsDocs, Operations: []string{"deleteCard"},
		Title: "A closed card is removed with deleteCard and the consumer's other card stays"})
	_ = on(Discover, C2PLcm05, Statement{Source: dsDocs, Operations: []string{"cardStatus"},
		Title: "A temporary block suspends the card's token through cardStatus and unblocking resumes it"})
	_ = on(Discover, C2PLcm08, Statement{Source: dsDocs, Operations: []string{"enrolConsumer", "addCard"},
		Title: "A card opted out is not enrolled again by an automatic enrolment"})
	_ = on(Discover, C2PLcm12, Statement{Source: dsDocs, Operations: []string{"notifyTokenEvent"},
		Title: "Each token event (SUSPENDED, ACTIVE) is applied to the issuer's record of the card"})
	_ = on(Discover, C2PNtf05, Statement{Source: dsDocs, Operations: []string{"notifyTokenEvent"},
		Title: "A token event delivered again under the same eventId is acknowledged and applied once, even after a newer one"})
	_ = on(Discover, C2PNtf06, Statement{Source: dsDocs, Operations: []string{"notifyTokenEvent"},
		Title: "A token event whose delivery failed is accepted when delivered again, and applied once"})
	_ = on(Discover, C2PSec10, Statement{Source: pciDSS, Documented: true})
	_ = on(Discover, C2PSec11, Statement{Source: dsDocs, Operations: []string{"notifyTokenEvent"},
		Title: "The x-dfs-signature HMAC of a token event is verified; one that does not verify is refused with 401 and not applied"})
	_ = on(Discover, C2PErr01, Statement{Source: dsDocs, Operations: []string{"enrolConsumer"},
		Title: "The {code, message} envelope is read: 503 code 5000 is retried, 4xx codes are terminal"})
	_ = on(Discover, C2PErr02, Statement{Source: dsDocs, Operations: []string{"enrolConsumer"},
		Title: "A 4xx refusal of enrolConsumer is not sent again unchanged"})
	_ = on(Discover, C2PErr03, Statement{Source: dsDocs, Operations: []string{"enrolConsumer"},
		Title: "Retries of a refused enrolConsumer wait longer each time, up to a bound"})
	_ = on(Discover, C2PErr04, Statement{Source: dsDocs, Operations: []string{"enrolConsumer", "getConsumer"},
		Title: "Fields Discover adds to its answers are ignored, not refused"})
	_ = on(Discover, C2PIdm04, Statement{Source: dsDocs, Operations: []string{"enrolConsumer", "getConsumer"},
		Title: "An enrolConsumer retried after a lost answer meets 2009 or 2002, checks the consumer and does not enrol twice"})
)
