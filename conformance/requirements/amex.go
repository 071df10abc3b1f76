package requirements

// American Express: its own requirements and its statements of the shared
// ones. American Express publishes its Token Service SDK, not its issuer
// Click to Pay API, so every operation c2psim serves for it is inferred and
// so is every statement about what its requests carry or its answers say.
// The SDK does document how the APIs of its developer portal are secured
// (the MAC header, the request ID, the account_data JWE): the documents mark
// that part of each operation documented (op#security), and the statements
// resting on it only are documented.

const (
	axSDK      = "https://github.com/americanexpress/amex-api-java-client-core"
	axSecurity = axSDK + "/blob/e28b3c11d832c1779c3fc289b338030dcc5bd57a/src/main/java/io/aexp/api/client/core/security/authentication/HmacAuthProvider.java"
	axJWE      = axSDK + "/blob/e28b3c11d832c1779c3fc289b338030dcc5bd57a/src/main/java/io/aexp/api/client/core/utils/EncryptionUtility.java"
)

var (
	// AXSec07: the MAC header.
	AXSec07 = only(Amex, Requirement{ID: "AX-SEC-07", Area: Security, Level: Must,
		Title: "Every call carries a MAC Authorization header whose bodyhash and mac verify over the canonical string"},
		Statement{Source: axSecurity, Documented: true, Operations: []string{"enrolCard#security", "notifyTokenLifecycle#security", "getConsumerProfile#security"}})
	// AXIdm03: x-amex-request-id.
	AXIdm03 = only(Amex, Requirement{ID: "AX-IDM-03", Area: Idempotency, Level: Must,
		Title: "Every request, a retry included, carries its own x-amex-request-id"},
		Statement{Source: axSecurity, Documented: true, Operations: []string{"enrolCard#security", "notifyTokenLifecycle#security"}})
)

// American Express's statements of the shared rules.
var (
	_ = on(Amex, C2PEnr01, Statement{Source: axSDK, Operations: []string{"enrolCard"},
		Title: "The provisioning request carries user_data email, phone and name (first|middle|last) as the SDK builds them, and c2psim's optional consumer_ref, locale and country for a complete profile"})
	_ = on(Amex, C2PEnr02, Statement{Source: axSDK, Operations: []string{"enrolCard"},
		Title: "account_data holds credit_card account_number, expiry_month and expiry_year as the SDK builds them, with c2psim's optional name_on_card and the billing_address lines"})
	_ = on(Amex, C2PEnr03, Statement{Source: axJWE, Documented: true, Operations: []string{"enrolCard#security"},
		Title: "The card travels only inside account_data, a JWE A256KW/A128GCM with the kid of the shared key"})
	_ = on(Amex, C2PEnr09, Statement{Source: axSDK, Operations: []string{"enrolCard"},
		Title: "422 CARD_INELIGIBLE or CARD_DECLINED ends the enrolment as a terminal failure"})
	_ = on(Amex, C2PLcm03, Statement{Source: axSDK, Operations: []string{"notifyTokenLifecycle"},
		Title: "A closed card's token is deleted with notification_type delete and reason CARD_CLOSED"})
	_ = on(Amex, C2PLcm04, Statement{Source: axSDK, Operations: []string{"notifyTokenLifecycle"},
		Title: "A lost card's token is suspended, a stolen one deleted, each with its reason (LOST, STOLEN)"})
	_ = on(Amex, C2PLcm05, Statement{Source: axSDK, Operations: []string{"notifyTokenLifecycle"},
		Title: "A temporary block is notification_type suspend with reason TEMPORARY_BLOCK, unblocking resume of the same token_ref_id"})
	_ = on(Amex, C2PLcm08, Statement{Source: axSDK, Operations: []string{"enrolCard"},
		Title: "A card opted out is not enrolled again by an automatic enrolment"})
	_ = on(Amex, C2PLcm12, Statement{Source: axSDK, Operations: []string{"notifyTokenStatus"},
		Title: "Each token status notification (SUSPENDED, ACTIVE, DELETED) is applied to the issuer's record of the card"})
	_ = on(Amex, C2PNtf05, Statement{Source: axSDK, Operations: []string{"notifyTokenStatus"},
		Title: "A token status notification delivered again under the same notification_id is acknowledged and applied once"})
	_ = on(Amex, C2PNtf06, Statement{Source: axSDK, Operations: []string{"notifyTokenStatus"},
		Title: "A token status notification whose delivery failed is accepted when delivered again, and applied once"})
	_ = on(Amex, C2PSec10, Statement{Source: pciDSS, Documented: true})
	_ = on(Amex, C2PSec11, Statement{Source: axSDK, Operations: []string{"notifyTokenStatus"},
		Title: "The MAC Authorization header of a token status notification is verified; one that does not verify is refused with 401 and not applied"})
	_ = on(Amex, C2PErr01, Statement{Source: axSDK, Operations: []string{"enrolCard", "notifyTokenLifecycle"},
		Title: "The error_code/error_type envelope is read: 5xx (SERVICE_UNAVAILABLE) is retried, 4xx refusals are terminal"})
	_ = on(Amex, C2PErr02, Statement{Source: axSDK, Operations: []string{"enrolCard", "notifyTokenLifecycle"},
		Title: "A 4xx refusal of an enrolment or lifecycle request is not sent again"})
	_ = on(Amex, C2PErr03, Statement{Source: axSDK, Operations: []string{"enrolCard"},
		Title: "Retries of a refused enrolment wait longer each time, up to a bound"})
	_ = on(Amex, C2PErr04, Statement{Source: axSDK, Operations: []string{"enrolCard", "getConsumerProfile"},
		Title: "Fields American Express adds to its answers are ignored, not refused"})
	_ = on(Amex, C2PIdm04, Statement{Source: axSDK, Operations: []string{"enrolCard", "getConsumerProfile"},
		Title: "An enrolment retried after a lost answer meets 409 ALREADY_ENROLLED, checks the profile and does not enrol twice"})
)
