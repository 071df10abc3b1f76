package requirements

// Mastercard: its own requirements and its statements of the shared ones.

const (
	mcEnrollment     = "https://developer.mastercard.com/issuer-enrollment/documentation/"
	mcPreDigitzation = "https://developer.mastercard.com/mdes-pre-digitization/documentation/"
	mcCustomerSvc    = "https://developer.mastercard.com/mdes-customer-service/documentation/"
	mcOAuth1         = "https://github.com/Mastercard/oauth1-signer-go"
	mcEncryption     = "https://github.com/Mastercard/client-encryption-go"
	// mcIssuerOutbound is the MDES Issuer Outbound API (Pre-Digitization),
	// document version 2.0.21.
	mcIssuerOutbound = "https://developer.mastercard.com/mdes-pre-digitization/documentation/api-reference/"
	// mcCustomerSvcAPI is MDES Customer Service's OpenAPI, version 2.0.7.
	mcCustomerSvcAPI = "https://developer.mastercard.com/mdes-customer-service/documentation/api-reference/"
	// mcTokenConnect is MDES Token Connect's OpenAPI, version 2.0.8.
	mcTokenConnect = "https://developer.mastercard.com/mdes-token-connect/documentation/api-reference/"
	// mcPushEnroll is the Push Provisioning Enroll API.
	mcPushEnroll = "https://developer.mastercard.com/push-provisioning-via-enroll-api/documentation/api-reference/"
)

var (
	// MCEnr11: batch submissions and their reconciliation.
	MCEnr11 = only(Mastercard, Requirement{ID: "MC-ENR-11", Area: Enrolment, Level: Must,
		Title: "Batch submissions carry a unique externalBatchId and per-record externalConsumerId and externalCardId, and every record's outcome is reconciled from Batch Status",
		Check: "a failing record is reconciled as failed, a second batch has a new externalBatchId"},
		Statement{Source: mcEnrollment, Operations: []string{"batchCredentialsInDirectory", "getBatchStatus"}})
	// MCNtf01: the Pre-Digitization endpoints.
	MCNtf01 = only(Mastercard, Requirement{ID: "MC-NTF-01", Area: Notifications, Level: Must,
		Title: "The issuer hosts the MDES Pre-Digitization endpoints: Authorize Service always; Deliver Activation Code on the yellow path; Notify Token Updated"},
		Statement{Source: mcIssuerOutbound, Documented: true, Operations: []string{"authorizeService", "deliverActivationCode", "notifyTokenUpdated"}})
	// MCNtf02: the Authorize Service decision.
	MCNtf02 = only(Mastercard, Requirement{ID: "MC-NTF-02", Area: Notifications, Level: Must,
		Title: "Authorize Service answers a valid decision (APPROVED, DECLINED or REQUIRE_ADDITIONAL_AUTHENTICATION), declining a card the issuer never asked to enrol"},
		Statement{Source: mcIssuerOutbound, Documented: true, Operations: []string{"authorizeService"}})
	// MCNtf03: Notify Token Updated handling.
	MCNtf03 = only(Mastercard, Requirement{ID: "MC-NTF-03", Area: Notifications, Level: Must,
		Title: "Notify Token Updated is read with its tokens in clear (status INACTIVE, ACTIVE, SUSPENDED or DEACTIVATED, suspendedBy) and answered 200 with responseId"},
		Statement{Source: mcIssuerOutbound, Documented: true, Operations: []string{"notifyTokenUpdated"}})
	// MCNtf06: the issuer validates the activation codes it issues.
	MCNtf06 = only(Mastercard, Requirement{ID: "MC-NTF-06", Area: Notifications, Level: Should,
		Title: "When Mastercard leaves the activation code to the issuer, Deliver Activation Code is accepted without a code and Validate Activation Code answers SUCCESS only for the code the issuer issued: a wrong code is INCORRECT_CODE and activates nothing",
		Check: "enrol the yellow-path card whose code the issuer issues; read the code the issuer sent the cardholder (driver getActivationCode); enter another code: INCORRECT_CODE and the token stays INACTIVE; enter the issued code: SUCCESS, the token is ACTIVE and the enrolment succeeds"},
		Statement{Source: mcIssuerOutbound, Documented: true, Operations: []string{"deliverActivationCode", "validateActivationCode"}})
	// MCEnr12: Add to Click to Pay by push provisioning.
	MCEnr12 = only(Mastercard, Requirement{ID: "MC-ENR-12", Area: Enrolment, Level: Should,
		Title: "Add to Click to Pay pushes the card through MDES Token Connect to the Click to Pay token requestor (50123197928), after checking it takes the card's account range, and enrols it with the push receipt (enrolmentReferenceData PUSH_ACCOUNT_RECEIPT), never with the card in clear",
		Check: "push a card: getEligibleTokenRequestors, then pushMultipleAccounts for token requestor 50123197928, then putCard with the receipt and no encryptedCard; the card ends enrolled"},
		Statement{Source: mcTokenConnect, Documented: true, Operations: []string{"getEligibleTokenRequestors", "pushMultipleAccounts", "putCard"}})
	// MCLcm13: several suspenders per token.
	MCLcm13 = only(Mastercard, Requirement{ID: "MC-LCM-13", Area: Lifecycle, Level: Must,
		Title: "A token can have several suspenders: the issuer may suspend a token the token requestor suspended, and its resume lifts only its own suspension, the card staying suspended until the token requestor lifts its own",
		Check: "the token requestor suspends; the issuer suspends and resumes; the issuer's record stays SUSPENDED until the token requestor's notification says ACTIVE"},
		Statement{Source: mcCustomerSvcAPI, Documented: true, Operations: []string{"suspendToken", "unsuspendToken", "notifyTokenUpdated"}})
	// MCSec01: OAuth 1.0a on every call.
	MCSec01 = only(Mastercard, Requirement{ID: "MC-SEC-01", Area: Security, Level: Must,
		Title: "Every request carries a valid OAuth 1.0a RSA-SHA256 signature with oauth_body_hash"},
		Statement{Source: mcOAuth1, Documented: true, Operations: []string{"putCard"}})
	// MCSec02: the enrolment JWE and its kid.
	MCSec02 = only(Mastercard, Requirement{ID: "MC-SEC-02", Area: Security, Level: Must,
		Title: "encryptedCard is a JWE RSA-OAEP-256/A256GCM whose kid is the fingerprint of Mastercard's current encryption key"},
		Statement{Source: mcEncryption, Documented: true, Operations: []string{"putCard"}})
	// MCSec03: Pre-Digitization envelopes decrypted with the matching key.
	MCSec03 = only(Mastercard, Requirement{ID: "MC-SEC-03", Area: Security, Level: Must,
		Title: "Pre-Digitization calls are decrypted from their field-level encryption envelope with the issuer key whose publicKeyFingerprint matches; an unknown fingerprint is refused with CRYPTOGRAPHY_ERROR and not applied"},
		Statement{Source: mcPreDigitzation, Operations: []string{"authorizeService", "notifyTokenUpdated"}})
	// MCErr05: a 401 is a configuration error.
	MCErr05 = only(Mastercard, Requirement{ID: "MC-ERR-05", Area: Errors, Level: Must,
		Title: "401 AUTHENTICATION_FAILED is surfaced as a configuration error and not retried"},
		Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"}})
	// MCIdm01: srcCorrelationId and srcClientId.
	MCIdm01 = only(Mastercard, Requirement{ID: "MC-IDM-01", Area: Idempotency, Level: Must,
		Title: "srcCorrelationId is a fresh UUID per logical request and srcClientId is the issuer's UUID"},
		Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"}})
)

// Mastercard's statements of the shared rules.
var (
	_ = on(Mastercard, C2PEnr01, Statement{Source: mcPushEnroll, Documented: true, Operations: []string{"putCard"},
		Title: "putCard identifies the consumer by consumerIdentity (EMAIL_ADDRESS) and carries firstName, lastName, mobileNumber (countryCode and phoneNumber), languageCode and countryCode"})
	_ = on(Mastercard, C2PEnr02, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"},
		Title: "encryptedCard holds primaryAccountNumber, panExpirationMonth, panExpirationYear, cardholderFullName and billingAddress"})
	_ = on(Mastercard, C2PEnr03, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"},
		Title: "The card travels only inside encryptedCard, a JWE to Mastercard's encryption key"})
	_ = on(Mastercard, C2PEnr04, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"},
		Title: "Every putCard for one cardholder carries the same externalConsumerId"})
	_ = on(Mastercard, C2PEnr05, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"},
		Title: "A second card is a putCard under the consumer's existing externalConsumerId, and Mastercard holds one profile with both cards"})
	_ = on(Mastercard, C2PEnr06, Statement{Source: mcEnrollment, Operations: []string{"batchCredentialsInDirectory", "getBatchStatus"},
		Title: "A batch enrolment answered 202 counts as enrolled only once Batch Status reports the record"})
	_ = on(Mastercard, C2PEnr07, Statement{Source: mcPreDigitzation, Operations: []string{"authorizeService"},
		Title: "Authorize Service answers APPROVED, within the deadline, for a card the issuer is enrolling (token requestor 50123197928)"})
	_ = on(Mastercard, C2PEnr09, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"},
		Title: "422 CARD_INELIGIBLE from putCard ends the enrolment as a terminal failure"})
	_ = on(Mastercard, C2PLcm03, Statement{Source: mcEnrollment, Operations: []string{"deleteCredential"},
		Title: "A closed card's credential is deleted from the Credential Directory"})
	_ = on(Mastercard, C2PLcm04, Statement{Source: mcCustomerSvc, Documented: true, Operations: []string{"suspendToken"},
		Title: "A lost or stolen card's token is suspended through MDES Customer Service with its one-letter ReasonCode"})
	_ = on(Mastercard, C2PLcm05, Statement{Source: mcCustomerSvc, Documented: true, Operations: []string{"suspendToken", "unsuspendToken"},
		Title: "A temporary block is suspendToken and unblocking unsuspendToken; deleteToken is never called for it"})
	_ = on(Mastercard, C2PLcm07, Statement{Source: mcEnrollment, Operations: []string{"deleteCredential", "deleteConsumer"},
		Title: "deleteCredential removes one card and leaves the consumer's other cards; deleteConsumer removes every card"})
	_ = on(Mastercard, C2PLcm08, Statement{Source: mcEnrollment, Operations: []string{"putCard", "batchCredentialsInDirectory"},
		Title: "A card opted out is never sent again through batch enrolment"})
	_ = on(Mastercard, C2PLcm12, Statement{Source: mcPreDigitzation, Operations: []string{"notifyTokenUpdated"},
		Title: "Each token status Notify Token Updated carries is applied to the issuer's record of the card"})
	_ = on(Mastercard, C2PNtf05, Statement{Source: mcPreDigitzation, Operations: []string{"notifyTokenUpdated"},
		Title: "A Notify Token Updated delivered again under the same requestId is acknowledged and not applied again"})
	_ = on(Mastercard, C2PSec10, Statement{Source: pciDSS, Documented: true})
	_ = on(Mastercard, C2PErr01, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard", "suspendToken"},
		Title: "The gateway envelope (Errors.Error[].ReasonCode, Recoverable), the enrolment service's {reason, message} and MDES's errorCode are read: 5xx and 429 are retried, 4xx validation refusals are terminal"})
	_ = on(Mastercard, C2PErr02, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard", "unsuspendToken"},
		Title: "A 4xx refusal of putCard or of an MDES token operation is not sent again unchanged"})
	_ = on(Mastercard, C2PErr03, Statement{Source: mcEnrollment, Operations: []string{"putCard"},
		Title: "Retries of a refused putCard wait longer each time, up to a bound"})
	_ = on(Mastercard, C2PErr04, Statement{Source: mcEnrollment, Documented: true, Operations: []string{"putCard"},
		Title: "Fields Mastercard adds to its answers are ignored, not refused"})
	_ = on(Mastercard, C2PIdm04, Statement{Source: mcEnrollment, Operations: []string{"putCard", "getConsumer"},
		Title: "A putCard retried after a lost answer meets the card already enrolled, checks the consumer and does not enrol it twice"})
)
