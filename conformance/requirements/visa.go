package requirements

// Visa: its own requirements and its statements of the shared ones.

const (
	viHowTo  = "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to"
	viErrors = "https://developer.visa.com/capabilities/visa-id-credential/errors-and-troubleshooting"
	viAuth   = "https://developer.visa.com/capabilities/visa-id-credential/authentication-and-security"
	viNotify = "https://developer.visa.com/capabilities/visa-secure-remote-commerce/docs-how-to-enroll-notifications"
)

var (
	// VIEnr12: partial success.
	VIEnr12 = only(Visa, Requirement{ID: "VI-ENR-12", Area: Enrolment, Level: Must,
		Title: "A partially successful enrolment (consumer created, card failed) is detected and the card retried with enrollPaymentInstruments, without recreating the consumer"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments", "requestStatus#envelope"}})
	// VIDat01: address limits.
	VIDat01 = only(Visa, Requirement{ID: "VI-DAT-01", Area: Data, Level: Should,
		Title: "Billing addresses respect Visa's limits (lines up to 64, city up to 32, postal code up to 9 characters, alpha-3 country); a longer one is refused, never truncated silently"},
		Statement{Source: viHowTo, Operations: []string{"enrollData"}})
	// VIDat02: phones and emails.
	VIDat02 = only(Visa, Requirement{ID: "VI-DAT-02", Area: Data, Level: Must,
		Title: "phones are digits with the country code (16504005555) and emails are valid addresses"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData"}})
	// VIDat03: locale and country formats.
	VIDat03 = only(Visa, Requirement{ID: "VI-DAT-03", Area: Data, Level: Must,
		Title: "locale is ll_CC and countryCode is ISO 3166 alpha-3, for the consumer and in billing addresses"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData"}})
	// VIDat04: expiry format.
	VIDat04 = only(Visa, Requirement{ID: "VI-DAT-04", Area: Data, Level: Must,
		Title: "expirationDate is YYYY-MM"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData"}})
	// VIDat05: name lengths.
	VIDat05 = only(Visa, Requirement{ID: "VI-DAT-05", Area: Data, Level: Must,
		Title: "firstName, lastName and nameOnCard stay within Visa's 80 characters; a longer one is refused"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData"}})
	// VILcm01: renewal.
	VILcm01 = only(Visa, Requirement{ID: "VI-LCM-01", Area: Lifecycle, Level: Must,
		Title: "A renewed card (new expiry, same card number) is updated with managePaymentInstruments"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"managePaymentInstruments"}})
	// VILcm06: consumer changes.
	VILcm06 = only(Visa, Requirement{ID: "VI-LCM-06", Area: Lifecycle, Level: Must,
		Title: "Consumer email, phone, name and address changes are pushed with manageConsumerInformation"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"manageConsumerInformation"}})
	// VILcm09: one request in flight per consumer.
	VILcm09 = only(Visa, Requirement{ID: "VI-LCM-09", Area: Lifecycle, Level: Must,
		Title: "The issuer never has two requests in flight for one consumer; on 409 VIDC-3000 it waits for the earlier request and retries"},
		Statement{Source: viErrors, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"}})
	// VILcm10: a deleted consumer's cards are gone.
	VILcm10 = only(Visa, Requirement{ID: "VI-LCM-10", Area: Lifecycle, Level: Must,
		Title: "deleteConsumerInformation deletes the consumer's cards; the issuer does not update those cards afterwards"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"deleteConsumerInformation", "managePaymentInstruments"}})
	// VINtf04: the enrolment-attempt notification.
	VINtf04 = only(Visa, Requirement{ID: "VI-NTF-04", Area: Notifications, Level: Must,
		Title: "A CTP_ENROLLMENT_ATTEMPT notification is decrypted and stored, and answered 200 with an empty body"},
		Statement{Source: viNotify, Documented: true, Operations: []string{"notifyEnrollmentAttempt#envelope"}})
	// VISec04: X-Pay-Token.
	VISec04 = only(Visa, Requirement{ID: "VI-SEC-04", Area: Security, Level: Must,
		Title: "Every call uses two-way SSL or an X-Pay-Token whose timestamp is fresh and whose HMAC verifies"},
		Statement{Source: viAuth, Documented: true, Operations: []string{"enrollData", "requestStatus#envelope", "getData#envelope"}})
	// VISec05: MLE.
	VISec05 = only(Visa, Requirement{ID: "VI-SEC-05", Area: Security, Level: Must,
		Title: "Every VICA payload is MLE-encrypted with the Key ID of the environment"},
		Statement{Source: viAuth, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments", "managePaymentInstruments"}})
	// VISec06: the Approve Provisioning JWE.
	VISec06 = only(Visa, Requirement{ID: "VI-SEC-06", Area: Security, Level: Should,
		Title: "Approve Provisioning is answered only when its shared-secret JWE (A256GCMKW/A256GCM) is the issuer's own and its iat is fresh"},
		Statement{Source: viHowTo, Operations: []string{"approveProvisioning"}})
	// VIIdm02: requestTraceId.
	VIIdm02 = only(Visa, Requirement{ID: "VI-IDM-02", Area: Idempotency, Level: Must,
		Title: "The requestTraceId of an accepted request is kept and used to poll requestStatus"},
		Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData", "requestStatus#envelope"}})
)

// Visa's statements of the shared rules.
var (
	_ = on(Visa, C2PEnr01, Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData"},
		Title: "enrollData carries consumerInformation firstName, lastName, emails, phones, locale, countryCode and externalConsumerID"})
	_ = on(Visa, C2PEnr02, Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData"},
		Title: "Each paymentInstruments entry carries accountNumber, expirationDate, nameOnCard and billingAddress"})
	_ = on(Visa, C2PEnr03, Statement{Source: viAuth, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"},
		Title: "The card travels only inside an MLE-encrypted body ({\"encData\"} JWE)"})
	_ = on(Visa, C2PEnr04, Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"},
		Title: "Every call for one cardholder carries the same externalConsumerID with the issuer's externalConsumerIDOwnerBID"})
	_ = on(Visa, C2PEnr05, Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"},
		Title: "A second card goes through enrollPaymentInstruments, never a second enrollData (VIDC-2000)"})
	_ = on(Visa, C2PEnr06, Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData", "requestStatus#envelope"},
		Title: "enrollData's 202 is followed through requestStatus to COMPLETED before the card counts as enrolled"})
	_ = on(Visa, C2PEnr07, Statement{Source: viHowTo, Operations: []string{"approveProvisioning"},
		Title: "Approve Provisioning is answered with action code 00 or 85, within the deadline, for a card the issuer is enrolling"})
	_ = on(Visa, C2PEnr09, Statement{Source: viErrors, Documented: true, Operations: []string{"enrollData"},
		Title: "VIDC-2003 (expired), VIDC-2006 (not a Visa card) and VIDC-2007 (not supported) end the enrolment as a terminal failure"})
	_ = on(Visa, C2PLcm03, Statement{Source: viHowTo, Documented: true, Operations: []string{"deletePaymentInstruments"},
		Title: "A closed card is removed with deletePaymentInstruments"})
	_ = on(Visa, C2PLcm07, Statement{Source: viHowTo, Documented: true, Operations: []string{"deletePaymentInstruments", "deleteConsumerInformation"},
		Title: "deletePaymentInstruments removes one card and leaves the others; deleteConsumerInformation removes every card"})
	_ = on(Visa, C2PLcm08, Statement{Source: viHowTo, Operations: []string{"enrollData", "enrollPaymentInstruments"},
		Title: "A card opted out is not enrolled again by an automatic enrolment"})
	_ = on(Visa, C2PNtf05, Statement{Source: viNotify, Documented: true, Operations: []string{"notifyEnrollmentAttempt#envelope"},
		Title: "An enrolment-attempt notification delivered again under the same enrollmentID is acknowledged and stored once"})
	_ = on(Visa, C2PNtf06, Statement{Source: viNotify, Documented: true, Operations: []string{"notifyEnrollmentAttempt#envelope"},
		Title: "An enrolment-attempt notification whose delivery failed is accepted when Visa delivers it again, and stored once"})
	_ = on(Visa, C2PSec10, Statement{Source: pciDSS, Documented: true})
	_ = on(Visa, C2PSec11, Statement{Source: viNotify, Documented: true, Operations: []string{"notifyEnrollmentAttempt#envelope"},
		Title: "The enrolment-attempt notification's PS256 JWS is verified against Visa's key for its kid before it is decrypted or stored; a bad signature is refused"})
	_ = on(Visa, C2PErr01, Statement{Source: viErrors, Documented: true, Operations: []string{"enrollData"},
		Title: "Visa's VIDC envelope is read: 5xx (VIDC-5000) and 409 VIDC-3000 are retried, 4xx validation codes are terminal"})
	_ = on(Visa, C2PErr02, Statement{Source: viErrors, Documented: true, Operations: []string{"enrollData"},
		Title: "A 4xx VIDC refusal is not sent again unchanged"})
	_ = on(Visa, C2PErr03, Statement{Source: viErrors, Operations: []string{"enrollData"},
		Title: "Retries of a refused enrollData wait longer each time, up to a bound"})
	_ = on(Visa, C2PErr04, Statement{Source: viHowTo, Documented: true, Operations: []string{"enrollData"},
		Title: "Fields Visa adds to its answers are ignored, not refused"})
	_ = on(Visa, C2PIdm04, Statement{Source: viErrors, Operations: []string{"enrollData", "getData"},
		Title: "An enrollData retried after a lost answer waits out VIDC-3000, takes VIDC-2000/2004 as success after checking getData, and does not enrol twice"})
)

// Visa's current VICA rules: the product selector, the payment instrument
// types, the one-instrument release limit, Enroll Existing Issuer Data,
// two-way SSL with Basic credentials, the MLE iat and the correlation header.
const (
	viAPIRef     = "https://developer.visa.com/api-reference/visa-id-credential.md"
	viCTP        = "https://developer.visa.com/docs/visa-id-credential/click-to-pay-with-vica"
	viCore       = "https://developer.visa.com/capabilities/visa-id-credential/core-concepts"
	viGateway    = "https://developer.visa.com/pages/visa-developer-error-codes"
	viMLESamples = "https://github.com/KCorstor/Visa/tree/1243edab4204bb30a653f808e048a9308a2752c3/mle-samples"
	viEnfuce     = "https://docs.enfuce.com/payment/api/visa-click2pay-enroll-and-manage/enroll-a-customer-and-a-payment-card-to-click-to-pay"
	viTwoWaySSL  = "https://developer.visa.com/pages/working-with-visa-apis/two-way-ssl"
)

var (
	// VIEnr13: products[] selects Click to Pay.
	VIEnr13 = only(Visa, Requirement{ID: "VI-ENR-13", Area: Enrolment, Level: Should,
		Title: "Click to Pay is selected with products [{productCode: CLICK_TO_PAY}]; Visa keeps the legacy intent object only for integrations that predate products",
		Check: "every captured request names its product with products[], never with intent"},
		Statement{Source: viCTP, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"}})
	// VIEnr14: CARD instruments only.
	VIEnr14 = only(Visa, Requirement{ID: "VI-ENR-14", Area: Enrolment, Level: Must,
		Title: "Only CARD payment instruments are enrolled in Visa Click to Pay: the issuer never sends a NON-VISA-CARD instrument (refused with VIDC-2007)",
		Check: "every captured payment instrument has type CARD"},
		Statement{Source: viAPIRef, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"}})
	// VIEnr15: one payment instrument per request.
	VIEnr15 = only(Visa, Requirement{ID: "VI-ENR-15", Area: Enrolment, Level: Must,
		Title: "At most one payment instrument per request: VICA's initial release refuses more (VIDC-1003) without forwarding the request to Click to Pay",
		Check: "a consumer with two cards: every captured request carries one payment instrument"},
		Statement{Source: viEnfuce, Operations: []string{"enrollData", "enrollPaymentInstruments"}})
	// VIEnr16: Enroll Existing Issuer Data.
	VIEnr16 = only(Visa, Requirement{ID: "VI-ENR-16", Area: Enrolment, Level: Should,
		Title: "A consumer Visa already knows from another Visa product is enrolled into Click to Pay with Enroll Existing Issuer Data (with a payment instrument, or by reference to a registered one without card data), not created again with Enroll Data",
		Check: "the consumer is registered in another product; the captured requests are Enroll Existing ones (no Enroll Data), the reference variant carries no card number, and the enrolment completes"},
		Statement{Source: viCore, Documented: true, Operations: []string{"enrollExistingDataWithPaymentInstrument#envelope"}})
	// VISec07: two-way SSL is the certificate AND Basic credentials.
	VISec07 = only(Visa, Requirement{ID: "VI-SEC-07", Area: Security, Level: Must,
		Title: "Two-way SSL sends the project's client certificate together with its HTTP Basic user ID and password, never the certificate alone; a request never carries X-Pay-Token and Basic credentials together",
		Check: "every captured call is authenticated, and none carries both an Authorization and an x-pay-token header"},
		Statement{Source: viGateway, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"}})
	// VISec09: an issuer on two-way SSL uses it for every call.
	VISec09 = only(Visa, Requirement{ID: "VI-SEC-09", Area: Security, Level: Must,
		Title: "An issuer that authenticates with two-way SSL makes every VICA call over a TLS connection presenting the project's registered client certificate, with the project's user ID and password as HTTP Basic; Visa refuses the certificate alone and the credentials alone",
		Check: "every captured call of the consumer arrived with the registered client certificate and Basic credentials that verified (principal mtls:) and no X-Pay-Token; applies when the issuer implements two-way-ssl"},
		Statement{Source: viTwoWaySSL, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments", "getData#envelope"}})
	// VISec08: MLE iat in milliseconds.
	VISec08 = only(Visa, Requirement{ID: "VI-SEC-08", Area: Security, Level: Must,
		Title: "Every MLE-encrypted request states its issue time iat in milliseconds (not seconds), fresh when sent",
		Check: "the JWE protected header of every captured request body: iat a number of milliseconds within a minute of the exchange"},
		Statement{Source: viMLESamples, Documented: true, Operations: []string{"enrollData", "enrollPaymentInstruments"}})
	// VIIdm05: eX-Correlation-Id.
	VIIdm05 = only(Visa, Requirement{ID: "VI-IDM-05", Area: Idempotency, Level: Should,
		Title: "Every VICA call carries an eX-Correlation-Id, unique per request, for end-to-end tracing",
		Check: "every captured call has the header, and no two calls share a value"},
		Statement{Source: viAPIRef, Documented: true, Operations: []string{"enrollPaymentInstruments"}})
)
