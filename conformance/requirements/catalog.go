package requirements

// The catalog: one variable per requirement, so a typo in a scenario does
// not compile. IDs are <NET>-<AREA>-<NN> (C2P for every network); titles
// and checks come from the programs' public material, and Documented says
// whether the network documents the rule or it is c2psim's inference.
var (
	// VIEnr01: Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional.
	VIEnr01 = add(Requirement{ID: "VI-ENR-01", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional",
		Check:  "schema check on captured request",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr02: Each card carries PAN, expiry, name on card and full billing address.
	VIEnr02 = add(Requirement{ID: "VI-ENR-02", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Each card carries PAN, expiry, name on card and full billing address",
		Check:  "schema check",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr03: PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE.
	VIEnr03 = add(Requirement{ID: "VI-ENR-03", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE",
		Check:  "simulator rejects clear PAN with the network's error",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr04: The issuer uses one stable consumer identifier per cardholder across all calls and cards (V externalConsumerID+externalConsumerIDOwnerBID, MC externalConsumerId, D1 consumerId).
	VIEnr04 = add(Requirement{ID: "VI-ENR-04", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "The issuer uses one stable consumer identifier per cardholder across all calls and cards (V externalConsumerID+externalConsumerIDOwnerBID, MC externalConsumerId, D1 consumerId)",
		Check:  "enrol two cards for one person; expect one profile",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr05: A second card for an enrolled consumer is added with the add-card operation, not a second create-consumer (V enrollPaymentInstruments; D1 second enrol; MC same externalConsumerId).
	VIEnr05 = add(Requirement{ID: "VI-ENR-05", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "A second card for an enrolled consumer is added with the add-card operation, not a second create-consumer (V enrollPaymentInstruments; D1 second enrol; MC same externalConsumerId)",
		Check:  "expect no VIDC-2000",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr06: A 202 is not success: the issuer reaches a terminal outcome by polling (V requestStatus, MC Batch Status, D1 Get Operation) or by notification before marking the card enrolled.
	VIEnr06 = add(Requirement{ID: "VI-ENR-06", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "A 202 is not success: the issuer reaches a terminal outcome by polling (V requestStatus, MC Batch Status, D1 Get Operation) or by notification before marking the card enrolled",
		Check:  "simulator delays completion and injects FAILED",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr07: The issuer approves the tokenisation request raised by its own Click to Pay enrolment (MC TRID 50123197928, V VTS) within the callback deadline.
	VIEnr07 = add(Requirement{ID: "VI-ENR-07", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "The issuer approves the tokenisation request raised by its own Click to Pay enrolment (MC TRID 50123197928, V VTS) within the callback deadline",
		Check:  "AS/approve callback answered APPROVED in < N s",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr09: Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure.
	VIEnr09 = add(Requirement{ID: "VI-ENR-09", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure",
		Check:  "inject each",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIEnr12: A partially successful enrolment (consumer created, card failed) is detected and the card retried without recreating the consumer.
	VIEnr12 = add(Requirement{ID: "VI-ENR-12", Network: "visa", Area: "enrolment", Level: Must, Documented: true,
		Title:  "A partially successful enrolment (consumer created, card failed) is detected and the card retried without recreating the consumer",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIDat01: Billing address respects Visa limits: lines ≤ 64, city ≤ 32, postal code ≤ 9, country alpha-3, no forbidden characters.
	VIDat01 = add(Requirement{ID: "VI-DAT-01", Network: "visa", Area: "data", Level: Should, Documented: false,
		Title:  "Billing address respects Visa limits: lines ≤ 64, city ≤ 32, postal code ≤ 9, country alpha-3, no forbidden characters",
		Check:  "validator on request",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIDat02: Phones are digits with country code (V 16504005555; MC 'mobile with country code'); emails are syntactically valid.
	VIDat02 = add(Requirement{ID: "VI-DAT-02", Network: "visa", Area: "data", Level: Must, Documented: true,
		Title:  "Phones are digits with country code (V 16504005555; MC 'mobile with country code'); emails are syntactically valid",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIDat03: Locale formats per network: V ll_CC, MC Token Connect ll_CC, D1 ll-CC; country alpha-3 for V addresses and consumer, alpha-2 in SRC masked card.
	VIDat03 = add(Requirement{ID: "VI-DAT-03", Network: "visa", Area: "data", Level: Must, Documented: true,
		Title:  "Locale formats per network: V ll_CC, MC Token Connect ll_CC, D1 ll-CC; country alpha-3 for V addresses and consumer, alpha-2 in SRC masked card",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIDat04: Expiry formats per network: V YYYY-MM; AX integer month/year; MC month + year in card object.
	VIDat04 = add(Requirement{ID: "VI-DAT-04", Network: "visa", Area: "data", Level: Must, Documented: true,
		Title:  "Expiry formats per network: V YYYY-MM; AX integer month/year; MC month + year in card object",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIDat05: Name fields within length/charset (D1 1–128; V client name 2–80 in notifications).
	VIDat05 = add(Requirement{ID: "VI-DAT-05", Network: "visa", Area: "data", Level: Must, Documented: true,
		Title:  "Name fields within length/charset (D1 1–128; V client name 2–80 in notifications)",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VILcm01: Card renewal (new expiry, same PAN) updates the enrolled card (V managePaymentInstruments, MC update credential, D1 Renew) within the SLA.
	VILcm01 = add(Requirement{ID: "VI-LCM-01", Network: "visa", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Card renewal (new expiry, same PAN) updates the enrolled card (V managePaymentInstruments, MC update credential, D1 Renew) within the SLA",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VILcm03: Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out).
	VILcm03 = add(Requirement{ID: "VI-LCM-03", Network: "visa", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out)",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VILcm06: Consumer email/phone/name/address changes are pushed to every network profile the consumer has.
	VILcm06 = add(Requirement{ID: "VI-LCM-06", Network: "visa", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Consumer email/phone/name/address changes are pushed to every network profile the consumer has",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VILcm07: Opt-out of one card leaves the consumer's other cards enrolled; consumer opt-out removes all cards.
	VILcm07 = add(Requirement{ID: "VI-LCM-07", Network: "visa", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Opt-out of one card leaves the consumer's other cards enrolled; consumer opt-out removes all cards",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VILcm09: The issuer never has two in-flight requests for one consumer; on 409 VIDC-3000 it waits for the prior request and retries.
	VILcm09 = add(Requirement{ID: "VI-LCM-09", Network: "visa", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "The issuer never has two in-flight requests for one consumer; on 409 VIDC-3000 it waits for the prior request and retries",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/errors-and-troubleshooting",
	})
	// VILcm10: Deleting a consumer deletes its cards; the issuer does not then try to update those cards.
	VILcm10 = add(Requirement{ID: "VI-LCM-10", Network: "visa", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Deleting a consumer deletes its cards; the issuer does not then try to update those cards",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VINtf04: Visa CTP_ENROLLMENT_ATTEMPT: issuer verifies the PS256 JWS (kid), decrypts the JWE, stores the attempt, answers HTTP 200 with empty body; a bad signature is refused.
	VINtf04 = add(Requirement{ID: "VI-NTF-04", Network: "visa", Area: "notifications", Level: Must, Documented: true,
		Title:  "Visa CTP_ENROLLMENT_ATTEMPT: issuer verifies the PS256 JWS (kid), decrypts the JWE, stores the attempt, answers HTTP 200 with empty body; a bad signature is refused",
		Source: "https://developer.visa.com/capabilities/visa-secure-remote-commerce/docs-how-to-enroll-notifications",
	})
	// VINtf05: Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply.
	VINtf05 = add(Requirement{ID: "VI-NTF-05", Network: "visa", Area: "notifications", Level: Must, Documented: true,
		Title:  "Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VINtf06: A non-2xx or timeout reply to a notification causes redelivery; the issuer eventually converges.
	VINtf06 = add(Requirement{ID: "VI-NTF-06", Network: "visa", Area: "notifications", Level: Must, Documented: true,
		Title:  "A non-2xx or timeout reply to a notification causes redelivery; the issuer eventually converges",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VISec04: V: two-way SSL or X-Pay-Token on every call; X-Pay-Token timestamp fresh and HMAC valid.
	VISec04 = add(Requirement{ID: "VI-SEC-04", Network: "visa", Area: "security", Level: Must, Documented: true,
		Title:  "V: two-way SSL or X-Pay-Token on every call; X-Pay-Token timestamp fresh and HMAC valid",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/authentication-and-security",
	})
	// VISec05: V: VICA payloads always MLE-encrypted, with the Key ID of the environment.
	VISec05 = add(Requirement{ID: "VI-SEC-05", Network: "visa", Area: "security", Level: Must, Documented: true,
		Title:  "V: VICA payloads always MLE-encrypted, with the Key ID of the environment",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/authentication-and-security",
	})
	// VISec06: V VTS callbacks: shared-secret JWE (A256GCMKW/A256GCM, channelSecurityContext: SHARED_SECRET) validated, iat fresh.
	VISec06 = add(Requirement{ID: "VI-SEC-06", Network: "visa", Area: "security", Level: Should, Documented: false,
		Title:  "V VTS callbacks: shared-secret JWE (A256GCMKW/A256GCM, channelSecurityContext: SHARED_SECRET) validated, iat fresh",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIErr01: The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation).
	VIErr01 = add(Requirement{ID: "VI-ERR-01", Network: "visa", Area: "errors", Level: Must, Documented: true,
		Title:  "The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation)",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/errors-and-troubleshooting",
	})
	// VIErr02: Terminal validation errors are not retried unchanged.
	VIErr02 = add(Requirement{ID: "VI-ERR-02", Network: "visa", Area: "errors", Level: Must, Documented: true,
		Title:  "Terminal validation errors are not retried unchanged",
		Check:  "count identical retries",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIErr03: Retries use bounded exponential backoff.
	VIErr03 = add(Requirement{ID: "VI-ERR-03", Network: "visa", Area: "errors", Level: Should, Documented: false,
		Title:  "Retries use bounded exponential backoff",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIErr04: Unknown response fields and unknown enum values are tolerated.
	VIErr04 = add(Requirement{ID: "VI-ERR-04", Network: "visa", Area: "errors", Level: Must, Documented: true,
		Title:  "Unknown response fields and unknown enum values are tolerated",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIIdm02: V requestTraceId is persisted and used for status polling.
	VIIdm02 = add(Requirement{ID: "VI-IDM-02", Network: "visa", Area: "idempotency", Level: Must, Documented: true,
		Title:  "V requestTraceId is persisted and used for status polling",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// VIIdm04: Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check.
	VIIdm04 = add(Requirement{ID: "VI-IDM-04", Network: "visa", Area: "idempotency", Level: Should, Documented: false,
		Title:  "Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check",
		Source: "https://developer.visa.com/capabilities/visa-id-credential/docs-how-to",
	})
	// MCEnr01: Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional.
	MCEnr01 = add(Requirement{ID: "MC-ENR-01", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional",
		Check:  "schema check on captured request",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr02: Each card carries PAN, expiry, name on card and full billing address.
	MCEnr02 = add(Requirement{ID: "MC-ENR-02", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Each card carries PAN, expiry, name on card and full billing address",
		Check:  "schema check",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr03: PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE.
	MCEnr03 = add(Requirement{ID: "MC-ENR-03", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE",
		Check:  "simulator rejects clear PAN with the network's error",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr04: The issuer uses one stable consumer identifier per cardholder across all calls and cards (V externalConsumerID+externalConsumerIDOwnerBID, MC externalConsumerId, D1 consumerId).
	MCEnr04 = add(Requirement{ID: "MC-ENR-04", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "The issuer uses one stable consumer identifier per cardholder across all calls and cards (V externalConsumerID+externalConsumerIDOwnerBID, MC externalConsumerId, D1 consumerId)",
		Check:  "enrol two cards for one person; expect one profile",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr05: A second card for an enrolled consumer is added with the add-card operation, not a second create-consumer (V enrollPaymentInstruments; D1 second enrol; MC same externalConsumerId).
	MCEnr05 = add(Requirement{ID: "MC-ENR-05", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "A second card for an enrolled consumer is added with the add-card operation, not a second create-consumer (V enrollPaymentInstruments; D1 second enrol; MC same externalConsumerId)",
		Check:  "expect no VIDC-2000",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr06: A 202 is not success: the issuer reaches a terminal outcome by polling (V requestStatus, MC Batch Status, D1 Get Operation) or by notification before marking the card enrolled.
	MCEnr06 = add(Requirement{ID: "MC-ENR-06", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "A 202 is not success: the issuer reaches a terminal outcome by polling (V requestStatus, MC Batch Status, D1 Get Operation) or by notification before marking the card enrolled",
		Check:  "simulator delays completion and injects FAILED",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr07: The issuer approves the tokenisation request raised by its own Click to Pay enrolment (MC TRID 50123197928, V VTS) within the callback deadline.
	MCEnr07 = add(Requirement{ID: "MC-ENR-07", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "The issuer approves the tokenisation request raised by its own Click to Pay enrolment (MC TRID 50123197928, V VTS) within the callback deadline",
		Check:  "AS/approve callback answered APPROVED in < N s",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr09: Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure.
	MCEnr09 = add(Requirement{ID: "MC-ENR-09", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure",
		Check:  "inject each",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCEnr11: Batch submissions carry a unique externalBatchId and per-record externalConsumerId/ externalCardId, and every record outcome is reconciled from Batch Status.
	MCEnr11 = add(Requirement{ID: "MC-ENR-11", Network: "mastercard", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Batch submissions carry a unique externalBatchId and per-record externalConsumerId/ externalCardId, and every record outcome is reconciled from Batch Status",
		Check:  "inject partial batch failure; expect per-record retry only for failed ones",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCLcm03: Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out).
	MCLcm03 = add(Requirement{ID: "MC-LCM-03", Network: "mastercard", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out)",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCLcm04: Lost/stolen/fraud suspends or deletes the Click to Pay token with a reason (LOST, STOLEN, FRAUDULENT, MDES SUSPECTED_FRAUD).
	MCLcm04 = add(Requirement{ID: "MC-LCM-04", Network: "mastercard", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Lost/stolen/fraud suspends or deletes the Click to Pay token with a reason (LOST, STOLEN, FRAUDULENT, MDES SUSPECTED_FRAUD)",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCLcm05: Temporary card block suspends, unblock resumes, the Click to Pay token; no delete.
	MCLcm05 = add(Requirement{ID: "MC-LCM-05", Network: "mastercard", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Temporary card block suspends, unblock resumes, the Click to Pay token; no delete",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCLcm07: Opt-out of one card leaves the consumer's other cards enrolled; consumer opt-out removes all cards.
	MCLcm07 = add(Requirement{ID: "MC-LCM-07", Network: "mastercard", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Opt-out of one card leaves the consumer's other cards enrolled; consumer opt-out removes all cards",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCLcm12: Token status changes notified by the network (MC NTU, V token notification, D1 notify) are applied to the issuer's record of the card's Click to Pay state.
	MCLcm12 = add(Requirement{ID: "MC-LCM-12", Network: "mastercard", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Token status changes notified by the network (MC NTU, V token notification, D1 notify) are applied to the issuer's record of the card's Click to Pay state",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCNtf01: The issuer hosts MDES Pre-Digitization endpoints: Authorize Service mandatory; RAM and DAC when using yellow path; NSA, NTU, VAC, NSE optional.
	MCNtf01 = add(Requirement{ID: "MC-NTF-01", Network: "mastercard", Area: "notifications", Level: Must, Documented: true,
		Title:  "The issuer hosts MDES Pre-Digitization endpoints: Authorize Service mandatory; RAM and DAC when using yellow path; NSA, NTU, VAC, NSE optional",
		Source: "https://developer.mastercard.com/mdes-pre-digitization/documentation/",
	})
	// MCNtf02: AS answers with a valid decision (APPROVED / DECLINED / REQUIRE_ADDITIONAL_AUTHENTICATION), methods when yellow, and (optionally) a decline reason, echoing requestId correlation.
	MCNtf02 = add(Requirement{ID: "MC-NTF-02", Network: "mastercard", Area: "notifications", Level: Must, Documented: true,
		Title:  "AS answers with a valid decision (APPROVED / DECLINED / REQUIRE_ADDITIONAL_AUTHENTICATION), methods when yellow, and (optionally) a decline reason, echoing requestId correlation",
		Source: "https://developer.mastercard.com/mdes-pre-digitization/documentation/",
	})
	// MCNtf03: NTU handling: accepts INACTIVE/ACTIVE/SUSPENDED/DEACTIVATED, answers 200 with responseHost/responseId.
	MCNtf03 = add(Requirement{ID: "MC-NTF-03", Network: "mastercard", Area: "notifications", Level: Must, Documented: true,
		Title:  "NTU handling: accepts INACTIVE/ACTIVE/SUSPENDED/DEACTIVATED, answers 200 with responseHost/responseId",
		Source: "https://developer.mastercard.com/mdes-pre-digitization/documentation/",
	})
	// MCNtf05: Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply.
	MCNtf05 = add(Requirement{ID: "MC-NTF-05", Network: "mastercard", Area: "notifications", Level: Must, Documented: true,
		Title:  "Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCSec01: MC: every request has a valid OAuth 1.0a RSA-SHA256 signature with oauth_body_hash; reused nonce or stale timestamp rejected.
	MCSec01 = add(Requirement{ID: "MC-SEC-01", Network: "mastercard", Area: "security", Level: Must, Documented: true,
		Title:  "MC: every request has a valid OAuth 1.0a RSA-SHA256 signature with oauth_body_hash; reused nonce or stale timestamp rejected",
		Source: "https://github.com/Mastercard/oauth1-signer-go",
	})
	// MCSec02: MC: enrolment card data JWE RSA-OAEP-256/A256GCM with kid equal to the current Mastercard encryption-key fingerprint; responses decrypted with the issuer's key.
	MCSec02 = add(Requirement{ID: "MC-SEC-02", Network: "mastercard", Area: "security", Level: Must, Documented: true,
		Title:  "MC: enrolment card data JWE RSA-OAEP-256/A256GCM with kid equal to the current Mastercard encryption-key fingerprint; responses decrypted with the issuer's key",
		Source: "https://github.com/Mastercard/client-encryption-go",
	})
	// MCSec03: MC callbacks: FLE envelope (publicKeyFingerprint, encryptedKey, oaepHashingAlgorithm, iv, encryptedData) decrypted with the issuer key whose fingerprint matches; unknown fingerprint → CRYPTOGRAPHY_ERROR.
	MCSec03 = add(Requirement{ID: "MC-SEC-03", Network: "mastercard", Area: "security", Level: Must, Documented: true,
		Title:  "MC callbacks: FLE envelope (publicKeyFingerprint, encryptedKey, oaepHashingAlgorithm, iv, encryptedData) decrypted with the issuer key whose fingerprint matches; unknown fingerprint → CRYPTOGRAPHY_ERROR",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCErr01: The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation).
	MCErr01 = add(Requirement{ID: "MC-ERR-01", Network: "mastercard", Area: "errors", Level: Must, Documented: true,
		Title:  "The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation)",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCErr02: Terminal validation errors are not retried unchanged.
	MCErr02 = add(Requirement{ID: "MC-ERR-02", Network: "mastercard", Area: "errors", Level: Must, Documented: true,
		Title:  "Terminal validation errors are not retried unchanged",
		Check:  "count identical retries",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCErr03: Retries use bounded exponential backoff.
	MCErr03 = add(Requirement{ID: "MC-ERR-03", Network: "mastercard", Area: "errors", Level: Should, Documented: false,
		Title:  "Retries use bounded exponential backoff",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCErr04: Unknown response fields and unknown enum values are tolerated.
	MCErr04 = add(Requirement{ID: "MC-ERR-04", Network: "mastercard", Area: "errors", Level: Must, Documented: true,
		Title:  "Unknown response fields and unknown enum values are tolerated",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCErr05: 401 AUTHENTICATION_FAILED is surfaced as a configuration error, not retried.
	MCErr05 = add(Requirement{ID: "MC-ERR-05", Network: "mastercard", Area: "errors", Level: Must, Documented: true,
		Title:  "401 AUTHENTICATION_FAILED is surfaced as a configuration error, not retried",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCIdm01: MC srcCorrelationId is a fresh UUID per logical request and srcClientId is a UUID.
	MCIdm01 = add(Requirement{ID: "MC-IDM-01", Network: "mastercard", Area: "idempotency", Level: Must, Documented: true,
		Title:  "MC srcCorrelationId is a fresh UUID per logical request and srcClientId is a UUID",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// MCIdm04: Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check.
	MCIdm04 = add(Requirement{ID: "MC-IDM-04", Network: "mastercard", Area: "idempotency", Level: Should, Documented: false,
		Title:  "Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check",
		Source: "https://developer.mastercard.com/issuer-enrollment/documentation/",
	})
	// AXEnr01: Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional.
	AXEnr01 = add(Requirement{ID: "AX-ENR-01", Network: "amex", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional",
		Check:  "schema check on captured request",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXEnr02: Each card carries PAN, expiry, name on card and full billing address.
	AXEnr02 = add(Requirement{ID: "AX-ENR-02", Network: "amex", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Each card carries PAN, expiry, name on card and full billing address",
		Check:  "schema check",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXEnr03: PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE.
	AXEnr03 = add(Requirement{ID: "AX-ENR-03", Network: "amex", Area: "enrolment", Level: Must, Documented: true,
		Title:  "PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE",
		Check:  "simulator rejects clear PAN with the network's error",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXEnr09: Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure.
	AXEnr09 = add(Requirement{ID: "AX-ENR-09", Network: "amex", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure",
		Check:  "inject each",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXLcm03: Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out).
	AXLcm03 = add(Requirement{ID: "AX-LCM-03", Network: "amex", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out)",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXLcm04: Lost/stolen/fraud suspends or deletes the Click to Pay token with a reason (LOST, STOLEN, FRAUDULENT, MDES SUSPECTED_FRAUD).
	AXLcm04 = add(Requirement{ID: "AX-LCM-04", Network: "amex", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Lost/stolen/fraud suspends or deletes the Click to Pay token with a reason (LOST, STOLEN, FRAUDULENT, MDES SUSPECTED_FRAUD)",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXLcm05: Temporary card block suspends, unblock resumes, the Click to Pay token; no delete.
	AXLcm05 = add(Requirement{ID: "AX-LCM-05", Network: "amex", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Temporary card block suspends, unblock resumes, the Click to Pay token; no delete",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXLcm12: Token status changes notified by the network (MC NTU, V token notification, D1 notify) are applied to the issuer's record of the card's Click to Pay state.
	AXLcm12 = add(Requirement{ID: "AX-LCM-12", Network: "amex", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Token status changes notified by the network (MC NTU, V token notification, D1 notify) are applied to the issuer's record of the card's Click to Pay state",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXNtf05: Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply.
	AXNtf05 = add(Requirement{ID: "AX-NTF-05", Network: "amex", Area: "notifications", Level: Must, Documented: true,
		Title:  "Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXNtf06: A non-2xx or timeout reply to a notification causes redelivery; the issuer eventually converges.
	AXNtf06 = add(Requirement{ID: "AX-NTF-06", Network: "amex", Area: "notifications", Level: Must, Documented: true,
		Title:  "A non-2xx or timeout reply to a notification causes redelivery; the issuer eventually converges",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXSec07: AX: MAC authorisation header with correct bodyhash and mac over the canonical string; unique x-amex-request-id.
	AXSec07 = add(Requirement{ID: "AX-SEC-07", Network: "amex", Area: "security", Level: Must, Documented: true,
		Title:  "AX: MAC authorisation header with correct bodyhash and mac over the canonical string; unique x-amex-request-id",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXErr01: The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation).
	AXErr01 = add(Requirement{ID: "AX-ERR-01", Network: "amex", Area: "errors", Level: Must, Documented: true,
		Title:  "The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation)",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXErr02: Terminal validation errors are not retried unchanged.
	AXErr02 = add(Requirement{ID: "AX-ERR-02", Network: "amex", Area: "errors", Level: Must, Documented: true,
		Title:  "Terminal validation errors are not retried unchanged",
		Check:  "count identical retries",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXErr04: Unknown response fields and unknown enum values are tolerated.
	AXErr04 = add(Requirement{ID: "AX-ERR-04", Network: "amex", Area: "errors", Level: Must, Documented: true,
		Title:  "Unknown response fields and unknown enum values are tolerated",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXIdm03: AX x-amex-request-id unique per request.
	AXIdm03 = add(Requirement{ID: "AX-IDM-03", Network: "amex", Area: "idempotency", Level: Must, Documented: true,
		Title:  "AX x-amex-request-id unique per request",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// AXIdm04: Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check.
	AXIdm04 = add(Requirement{ID: "AX-IDM-04", Network: "amex", Area: "idempotency", Level: Should, Documented: false,
		Title:  "Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check",
		Source: "https://github.com/americanexpress/amex-api-java-client-core",
	})
	// DSEnr01: Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional.
	DSEnr01 = add(Requirement{ID: "DS-ENR-01", Network: "discover", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment carries first name, last name, email, mobile number with country code, locale/language and country for the consumer; middle name optional",
		Check:  "schema check on captured request",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSEnr02: Each card carries PAN, expiry, name on card and full billing address.
	DSEnr02 = add(Requirement{ID: "DS-ENR-02", Network: "discover", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Each card carries PAN, expiry, name on card and full billing address",
		Check:  "schema check",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSEnr03: PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE.
	DSEnr03 = add(Requirement{ID: "DS-ENR-03", Network: "discover", Area: "enrolment", Level: Must, Documented: true,
		Title:  "PAN and card object are never sent in clear: MC encryptedCard/enrollmentData JWE, V MLE, AX account_data JWE",
		Check:  "simulator rejects clear PAN with the network's error",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSEnr09: Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure.
	DSEnr09 = add(Requirement{ID: "DS-ENR-09", Network: "discover", Area: "enrolment", Level: Must, Documented: true,
		Title:  "Enrolment is refused up front for ineligible cards: expired (VIDC-2003), non-network PAN (VIDC-2006), unsupported (VIDC-2007), not tokenisable (VIDC-7000), account range not enabled (ACCOUNT_INELIGIBLE) and the issuer surfaces a non-retryable failure",
		Check:  "inject each",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSLcm03: Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out).
	DSLcm03 = add(Requirement{ID: "DS-LCM-03", Network: "discover", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Card closure deletes the card from Click to Pay (V deletePaymentInstruments, MC delete credential, D1 delete card/opt-out)",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSLcm05: Temporary card block suspends, unblock resumes, the Click to Pay token; no delete.
	DSLcm05 = add(Requirement{ID: "DS-LCM-05", Network: "discover", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Temporary card block suspends, unblock resumes, the Click to Pay token; no delete",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSLcm12: Token status changes notified by the network (MC NTU, V token notification, D1 notify) are applied to the issuer's record of the card's Click to Pay state.
	DSLcm12 = add(Requirement{ID: "DS-LCM-12", Network: "discover", Area: "lifecycle", Level: Must, Documented: true,
		Title:  "Token status changes notified by the network (MC NTU, V token notification, D1 notify) are applied to the issuer's record of the card's Click to Pay state",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSNtf05: Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply.
	DSNtf05 = add(Requirement{ID: "DS-NTF-05", Network: "discover", Area: "notifications", Level: Must, Documented: true,
		Title:  "Notifications are idempotent on operationId / requestId / event id: duplicate deliveries do not double-apply",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSNtf06: A non-2xx or timeout reply to a notification causes redelivery; the issuer eventually converges.
	DSNtf06 = add(Requirement{ID: "DS-NTF-06", Network: "discover", Area: "notifications", Level: Must, Documented: true,
		Title:  "A non-2xx or timeout reply to a notification causes redelivery; the issuer eventually converges",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSSec08: DS: OAuth 2.0 client-credentials token, expiry honoured, no token per call.
	DSSec08 = add(Requirement{ID: "DS-SEC-08", Network: "discover", Area: "security", Level: Must, Documented: true,
		Title:  "DS: OAuth 2.0 client-credentials token, expiry honoured, no token per call",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSErr01: The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation).
	DSErr01 = add(Requirement{ID: "DS-ERR-01", Network: "discover", Area: "errors", Level: Must, Documented: true,
		Title:  "The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation)",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSErr02: Terminal validation errors are not retried unchanged.
	DSErr02 = add(Requirement{ID: "DS-ERR-02", Network: "discover", Area: "errors", Level: Must, Documented: true,
		Title:  "Terminal validation errors are not retried unchanged",
		Check:  "count identical retries",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSErr04: Unknown response fields and unknown enum values are tolerated.
	DSErr04 = add(Requirement{ID: "DS-ERR-04", Network: "discover", Area: "errors", Level: Must, Documented: true,
		Title:  "Unknown response fields and unknown enum values are tolerated",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// DSIdm04: Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check.
	DSIdm04 = add(Requirement{ID: "DS-IDM-04", Network: "discover", Area: "idempotency", Level: Should, Documented: false,
		Title:  "Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check",
		Source: "https://developer.discover.com/api/stored-payment-tokens/documentation",
	})
	// C2PSec10: No full PAN, CVC or full expiry in logs, correlation IDs or error messages; correlation IDs not derived from PII.
	C2PSec10 = add(Requirement{ID: "C2P-SEC-10", Network: "", Area: "security", Level: Must, Documented: true,
		Title: "No full PAN, CVC or full expiry in logs, correlation IDs or error messages; correlation IDs not derived from PII",
		Check: "scan issuer logs/journal",
	})
	// C2PErr01: The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation).
	C2PErr01 = add(Requirement{ID: "C2P-ERR-01", Network: "", Area: "errors", Level: Must, Documented: true,
		Title: "The issuer parses each network's error envelope (MC gateway vs service vs MDES; V VIDC; D1) and classifies retryable (5xx, VIDC-5000, MC Recoverable: true, 409) vs terminal (4xx validation)",
	})
	// C2PErr02: Terminal validation errors are not retried unchanged.
	C2PErr02 = add(Requirement{ID: "C2P-ERR-02", Network: "", Area: "errors", Level: Must, Documented: true,
		Title: "Terminal validation errors are not retried unchanged",
		Check: "count identical retries",
	})
	// C2PErr03: Retries use bounded exponential backoff.
	C2PErr03 = add(Requirement{ID: "C2P-ERR-03", Network: "", Area: "errors", Level: Should, Documented: false,
		Title: "Retries use bounded exponential backoff",
	})
	// C2PErr04: Unknown response fields and unknown enum values are tolerated.
	C2PErr04 = add(Requirement{ID: "C2P-ERR-04", Network: "", Area: "errors", Level: Must, Documented: true,
		Title: "Unknown response fields and unknown enum values are tolerated",
	})
	// C2PIdm04: Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check.
	C2PIdm04 = add(Requirement{ID: "C2P-IDM-04", Network: "", Area: "idempotency", Level: Should, Documented: false,
		Title: "Retrying an enrol after a timeout never creates a duplicate consumer or card: the issuer reuses its external IDs and treats 'already enrolled/exists' (VIDC-2000/2004, MC equivalent) as success-after-check",
	})
	// C2PLcm08: An opt-out is stored and prevents later automatic (batch/auto) re-enrolment.
	C2PLcm08 = add(Requirement{ID: "C2P-LCM-08", Network: "", Area: "lifecycle", Level: Should, Documented: false,
		Title: "An opt-out is stored and prevents later automatic (batch/auto) re-enrolment",
	})
)
