package requirements

// The rules several networks share, in network-neutral words. Each
// network's file adds its statement of the ones that apply to it.

// pciDSS is the card industry's data security standard: what may be stored,
// shown and logged of a card number.
const pciDSS = "https://www.pcisecuritystandards.org/document_library/?document=pci_dss"

var (
	// C2PEnr01: the consumer's identity travels complete.
	C2PEnr01 = rule(Requirement{ID: "C2P-ENR-01", Area: Enrolment, Level: Must,
		Title: "Enrolment carries the consumer's first name, last name, email, mobile number with country code, locale and country, each as the issuer holds it; middle name optional",
		Check: "the values that reached the network equal the ones the harness asked the issuer to enrol"})
	// C2PEnr02: the card travels complete.
	C2PEnr02 = rule(Requirement{ID: "C2P-ENR-02", Area: Enrolment, Level: Must,
		Title: "Each enrolled card carries its number, expiry, name on card and full billing address, each as the issuer holds it",
		Check: "the decrypted card equals the card the harness asked the issuer to enrol"})
	// C2PEnr03: card data is encrypted on the wire.
	C2PEnr03 = rule(Requirement{ID: "C2P-ENR-03", Area: Enrolment, Level: Must,
		Title: "Card data is never sent in clear: the card travels encrypted as the network requires"})
	// C2PEnr04: one consumer identifier per person.
	C2PEnr04 = rule(Requirement{ID: "C2P-ENR-04", Area: Enrolment, Level: Must,
		Title: "The issuer uses one stable consumer identifier per cardholder across all calls and cards",
		Check: "enrol two cards for one person; both calls carry the identifier the issuer reported, and the network holds one profile"})
	// C2PEnr05: a second card joins the existing consumer.
	C2PEnr05 = rule(Requirement{ID: "C2P-ENR-05", Area: Enrolment, Level: Must,
		Title: "A second card for an enrolled consumer is added to that consumer, not by enrolling the consumer again"})
	// C2PEnr06: accepted is not enrolled.
	C2PEnr06 = rule(Requirement{ID: "C2P-ENR-06", Area: Enrolment, Level: Must,
		Title: "An accepted (202) request is not success: the issuer reaches the terminal outcome, by polling or notification, before it marks the card enrolled"})
	// C2PEnr07: the issuer approves its own enrolment's token.
	C2PEnr07 = rule(Requirement{ID: "C2P-ENR-07", Area: Enrolment, Level: Must,
		Title: "The issuer approves the tokenisation request its own Click to Pay enrolment raised, within the network's deadline"})
	// C2PEnr09: ineligible cards end at once.
	C2PEnr09 = rule(Requirement{ID: "C2P-ENR-09", Area: Enrolment, Level: Must,
		Title: "An enrolment the network refuses because the card is ineligible ends at once, surfaced as a terminal (not retryable) failure"})

	// C2PLcm03: a closed card leaves Click to Pay.
	C2PLcm03 = rule(Requirement{ID: "C2P-LCM-03", Area: Lifecycle, Level: Must,
		Title: "Closing a card removes it from Click to Pay"})
	// C2PLcm04: lost, stolen, fraud.
	C2PLcm04 = rule(Requirement{ID: "C2P-LCM-04", Area: Lifecycle, Level: Must,
		Title: "A lost, stolen or fraudulent card's token is suspended or deleted, with the reason"})
	// C2PLcm05: a temporary block suspends, never deletes.
	C2PLcm05 = rule(Requirement{ID: "C2P-LCM-05", Area: Lifecycle, Level: Must,
		Title: "A temporary card block suspends the token and unblocking resumes the same token; nothing is deleted"})
	// C2PLcm07: one card's opt-out keeps the others.
	C2PLcm07 = rule(Requirement{ID: "C2P-LCM-07", Area: Lifecycle, Level: Must,
		Title: "Opting one card out leaves the consumer's other cards enrolled; opting the consumer out removes every card"})
	// C2PLcm08: an opt-out is remembered.
	C2PLcm08 = rule(Requirement{ID: "C2P-LCM-08", Area: Lifecycle, Level: Should,
		Title: "An opt-out is remembered and prevents a later automatic (portfolio) re-enrolment of the card"})
	// C2PLcm12: notified status changes are applied.
	C2PLcm12 = rule(Requirement{ID: "C2P-LCM-12", Area: Lifecycle, Level: Must,
		Title: "Token status changes the network notifies are applied to the issuer's record of the card",
		Check: "after each notification the issuer's own record (driver GET /enrolments) shows the notified state"})

	// C2PNtf05: a redelivered notification is applied once.
	C2PNtf05 = rule(Requirement{ID: "C2P-NTF-05", Area: Notifications, Level: Must,
		Title: "A notification delivered again (same event identifier) is acknowledged and not applied twice, even after a newer one"})
	// C2PNtf06: refused or lost deliveries converge.
	C2PNtf06 = rule(Requirement{ID: "C2P-NTF-06", Area: Notifications, Level: Must,
		Title: "A notification whose delivery failed is delivered again, and the issuer converges on applying it once"})

	// C2PSec10: no card numbers where they do not belong.
	C2PSec10 = rule(Requirement{ID: "C2P-SEC-10", Area: Security, Level: Must,
		Title: "No full card number in the issuer's answers, logs, headers, correlation IDs or error messages; correlation IDs are not derived from card data",
		Check: "scan the driver's answers and log lines, the simulator's journal and its findings (a clear card number outside the encrypted fields)"})
	// C2PSec11: network notifications are authenticated.
	C2PSec11 = rule(Requirement{ID: "C2P-SEC-11", Area: Security, Level: Must,
		Title: "The issuer verifies the network's signature on every notification, and refuses one that does not verify without applying or storing it"})

	// C2PErr01: refusals are classified.
	C2PErr01 = rule(Requirement{ID: "C2P-ERR-01", Area: Errors, Level: Must,
		Title: "The issuer reads the network's error envelope and classifies a refusal: server errors and throttling are retried, validation refusals are terminal",
		Check: "a 503 once is retried and the enrolment succeeds; a 400 is surfaced with the network's code and marked not retryable"})
	// C2PErr02: terminal refusals are not repeated.
	C2PErr02 = rule(Requirement{ID: "C2P-ERR-02", Area: Errors, Level: Must,
		Title: "A terminal refusal is not retried unchanged",
		Check: "count the identical requests that reached the network after the refusal"})
	// C2PErr03: backoff grows.
	C2PErr03 = rule(Requirement{ID: "C2P-ERR-03", Area: Errors, Level: Should,
		Title: "Retries back off: each wait is longer than the one before, up to a bound",
		Check: "three refusals in a row: each of the issuer's three waits is longer than the one before, the third at least twice the first, none above 30 s"})
	// C2PErr04: unknown fields are tolerated.
	C2PErr04 = rule(Requirement{ID: "C2P-ERR-04", Area: Errors, Level: Must,
		Title: "Answers carrying fields or enum values the issuer does not know are tolerated"})

	// C2PIdm04: a lost answer never enrols twice.
	C2PIdm04 = rule(Requirement{ID: "C2P-IDM-04", Area: Idempotency, Level: Should,
		Title: "Retrying an enrolment whose answer was lost never enrols twice: the issuer reuses its identifiers and treats 'already enrolled' as success once it has checked"})
)
