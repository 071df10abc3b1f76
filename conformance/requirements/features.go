package requirements

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Feature is a part of a network's Click to Pay program an issuer may or
// must implement (batch enrolment, push provisioning, an authentication
// method, a kind of notification). A team's capability declaration says,
// per network, which optional features its issuer implements: the
// requirements that apply only to a feature it does not implement are not
// applicable to it. A mandatory feature cannot be declared away; its
// requirements are judged whatever the declaration says.
type Feature struct {
	Network Network `json:"network"`
	// ID is the feature's name in a declaration: lower-case words joined
	// by '-', unique on its network.
	ID    string `json:"id"`
	Title string `json:"title"`
	// Mandatory features are part of every issuer's integration with the
	// network.
	Mandatory bool `json:"mandatory"`
	// Why says why the feature is mandatory or optional, with Source the
	// network's material it rests on; Documented is false where that is
	// c2psim's inference.
	Why        string `json:"why"`
	Source     string `json:"source,omitempty"`
	Documented bool   `json:"documented"`
	// Group names features of which an issuer implements at least one
	// (Visa's authentication methods); empty for a feature on its own.
	Group string `json:"group,omitempty"`
	// Requirements are the ones that apply only when the issuer implements
	// the feature (on Network).
	Requirements []*Requirement `json:"-"`
	// Driver are the driver operations (DriverOp values) that ask the
	// issuer for the feature: a 501 for one of them is the issuer saying it
	// does not implement the feature.
	Driver []string `json:"driver,omitempty"`
}

// Driver operations a feature can own, as the harness names the calls of
// openapi/driver.yaml.
const (
	DriverEnrol         = "enrol"          // POST /enrolments
	DriverAutoEnrol     = "enrol.auto"     // POST /enrolments, auto: true
	DriverPush          = "enrol.push"     // POST /enrolments, push: true
	DriverEnrolExisting = "enrol.existing" // POST /enrolments, existing: {...}
	DriverCardAction    = "card.action"    // suspend, resume, delete
	DriverConsumer      = "consumer"       // update, delete, profile
	// DriverActivationCode reads the activation code the issuer issued.
	DriverActivationCode = "token.activation-code" // GET /networks/{n}/tokens/{t}/activation-code
)

var (
	features        = map[Network][]*Feature{}
	featureProblems []string
	featureSlug     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

func feature(f Feature) *Feature {
	p := &f
	if !featureSlug.MatchString(f.ID) {
		featureProblems = append(featureProblems, fmt.Sprintf("feature %s.%s: the ID must be lower-case words joined by '-'", f.Network, f.ID))
	}
	if _, dup := LookupFeature(f.Network, f.ID); dup {
		featureProblems = append(featureProblems, fmt.Sprintf("feature %s.%s is defined twice", f.Network, f.ID))
	}
	features[f.Network] = append(features[f.Network], p)
	return p
}

// Features lists a network's features, sorted by ID.
func Features(n Network) []*Feature {
	out := slices.Clone(features[n])
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupFeature finds a network's feature by ID.
func LookupFeature(n Network, id string) (*Feature, bool) {
	for _, f := range features[n] {
		if f.ID == id {
			return f, true
		}
	}
	return nil, false
}

// FeatureOfDriver is the optional or mandatory feature of network n that a
// driver operation asks for, if one does.
func FeatureOfDriver(n Network, op string) (*Feature, bool) {
	for _, f := range features[n] {
		if slices.Contains(f.Driver, op) {
			return f, true
		}
	}
	return nil, false
}

// FeatureIDs lists a network's feature IDs, for messages.
func FeatureIDs(n Network) string {
	var ids []string
	for _, f := range Features(n) {
		ids = append(ids, f.ID)
	}
	return strings.Join(ids, ", ")
}

// CheckFeatures reports the problems found while the features were
// declared, and every feature requirement that does not apply to the
// feature's network (checked once the statements are all declared).
func CheckFeatures() []string {
	out := slices.Clone(featureProblems)
	for _, n := range Networks() {
		for _, f := range Features(n) {
			for _, r := range f.Requirements {
				if !r.AppliesTo(f.Network) {
					out = append(out, fmt.Sprintf("feature %s.%s lists %s, which does not apply to %s", f.Network, f.ID, r.ID, f.Network))
				}
			}
		}
	}
	return out
}

const (
	mcTesting     = "https://developer.mastercard.com/issuer-enrollment/documentation/testing/"
	mcTokenConn   = "https://developer.mastercard.com/mdes-token-connect/documentation/"
	viVTSIssuers  = "https://developer.visa.com/capabilities/vts"
	viSRCIssuers  = "https://developer.visa.com/capabilities/visa-secure-remote-commerce/issuers"
	inferredWhyAX = "American Express's issuer Click to Pay API is not public: c2psim infers the program from its Token Service SDK"
	inferredWhyDS = "Discover publishes its Partner Product Portal transport, not its issuer Click to Pay operations: c2psim infers the program"
)

// The features of each network's program.
var (
	MCEnrolment = feature(Feature{Network: Mastercard, ID: "enrolment", Title: "Explicit enrolment through the Enroll API (putCard), with the consumer and the encrypted card",
		Mandatory: true, Why: "every issuer enrols its cardholders' cards; the Enroll API is the issuer's way in", Source: mcEnrollment, Documented: true,
		Requirements: []*Requirement{C2PEnr01, C2PEnr02, C2PEnr03, C2PEnr04, C2PEnr05, C2PEnr09, MCSec01, MCSec02, MCIdm01, MCErr05},
		Driver:       []string{DriverEnrol}})
	MCBatchEnrolment = feature(Feature{Network: Mastercard, ID: "batch-enrolment", Title: "Batch enrolment of a portfolio (batchCredentialsInDirectory, reconciled from Batch Status)",
		Why: "Mastercard offers batch enrolment for automatic portfolio runs beside single enrolment; an issuer may enrol card by card only", Source: mcTesting,
		Requirements: []*Requirement{MCEnr11, C2PEnr06, C2PLcm08}, Driver: []string{DriverAutoEnrol}})
	MCPushProvisioning = feature(Feature{Network: Mastercard, ID: "push-provisioning", Title: "Push provisioning from the issuer's app (MDES Token Connect, then the Enroll API)",
		Why: "Token Connect is an optional product an issuer adds for 'Add to Click to Pay' from its own app", Source: mcTokenConn,
		Requirements: []*Requirement{MCEnr12}, Driver: []string{DriverPush}})
	MCPreDigitization = feature(Feature{Network: Mastercard, ID: "pre-digitization", Title: "The MDES Pre-Digitization endpoints the issuer hosts (Authorize Service, Deliver Activation Code, Notify Token Updated)",
		Mandatory: true, Why: "MDES asks the issuer's Authorize Service for every token Click to Pay requests, and notifies its token changes", Source: mcPreDigitzation,
		Requirements: []*Requirement{MCNtf01, MCNtf02, MCNtf03, MCSec03, C2PEnr07, C2PLcm12, C2PNtf05}})
	MCIssuerActivationCodes = feature(Feature{Network: Mastercard, ID: "issuer-activation-codes", Title: "Activation codes the issuer issues and validates itself (Deliver Activation Code without a code, Validate Activation Code)",
		Why: "Validate Activation Code is among the Issuer Outbound operations MDES calls only for an issuer that generates its own codes; otherwise MDES issues and checks them", Source: mcIssuerOutbound, Documented: true,
		Requirements: []*Requirement{MCNtf06}, Driver: []string{DriverActivationCode}})
	MCTokenLifecycle = feature(Feature{Network: Mastercard, ID: "token-lifecycle", Title: "Token lifecycle through MDES Customer Service (suspend, unsuspend, delete)",
		Mandatory: true, Why: "a lost, stolen or closed card must reach its tokens", Source: mcCustomerSvc, Documented: true,
		Requirements: []*Requirement{C2PLcm03, C2PLcm04, C2PLcm05, C2PLcm07}, Driver: []string{DriverCardAction}})

	VIEnrolment = feature(Feature{Network: Visa, ID: "enrolment", Title: "Enrolment through Visa ID & Credential (enrollData, enrollPaymentInstruments, requestStatus)",
		Mandatory: true, Why: "the VICA enrolment APIs are the issuer's way in", Source: viSRCIssuers, Documented: true,
		Requirements: []*Requirement{C2PEnr01, C2PEnr02, C2PEnr03, C2PEnr04, C2PEnr05, C2PEnr06, C2PEnr09, VISec04, VISec05, VIIdm02},
		Driver:       []string{DriverEnrol}})
	VIAutoEnrolment = feature(Feature{Network: Visa, ID: "auto-enrolment", Title: "Automatic (portfolio) enrolment runs",
		Why: "an issuer may enrol only on the cardholder's request", Source: viHowTo,
		Requirements: []*Requirement{C2PLcm08}, Driver: []string{DriverAutoEnrol}})
	VIEnrolExisting = feature(Feature{Network: Visa, ID: "enrol-existing", Title: "Enroll Existing Issuer Data for a consumer Visa knows from another Visa product",
		Why: "only an issuer whose consumers are registered in another Visa product has such consumers", Source: viCore, Documented: true,
		Requirements: []*Requirement{VIEnr16}, Driver: []string{DriverEnrolExisting}})
	VIApproveProvisioning = feature(Feature{Network: Visa, ID: "approve-provisioning", Title: "The issuer answers Approve Provisioning for the tokens its enrolments raise",
		Why: "VTS decides on the issuer's behalf when the issuer does not take part in token approval (c2psim's approvalStandIn setting)", Source: viVTSIssuers,
		Requirements: []*Requirement{C2PEnr07, VISec06}})
	VIEnrolmentNotifications = feature(Feature{Network: Visa, ID: "enrolment-notifications", Title: "The CTP_ENROLLMENT_ATTEMPT notification endpoint the issuer hosts",
		Why: "an issuer subscribes to learn of enrolments its cardholders start at merchants", Source: viNotify,
		Requirements: []*Requirement{VINtf04, C2PNtf05, C2PNtf06, C2PSec11}})
	VIStatusNotifications = feature(Feature{Network: Visa, ID: "status-notifications", Title: "Request status pushed to the issuer (notifyRequestStatus) besides polling requestStatus",
		Why: "polling requestStatus is enough; the push is c2psim's model of an optional subscription"})
	VIXPayToken = feature(Feature{Network: Visa, ID: "x-pay-token", Title: "Authentication with X-Pay-Token (API key and shared secret)",
		Group: "authentication", Why: "Visa takes X-Pay-Token or two-way SSL: an issuer uses at least one", Source: viAuth, Documented: true})
	VITwoWaySSL = feature(Feature{Network: Visa, ID: "two-way-ssl", Title: "Authentication with two-way SSL and HTTP Basic credentials",
		Group: "authentication", Why: "Visa takes X-Pay-Token or two-way SSL: an issuer uses at least one", Source: viAuth, Documented: true,
		Requirements: []*Requirement{VISec09}})
	VILifecycle = feature(Feature{Network: Visa, ID: "lifecycle", Title: "Card and consumer lifecycle (managePaymentInstruments, deletePaymentInstruments, manageConsumerInformation, deleteConsumerInformation)",
		Mandatory: true, Why: "a renewed, closed or opted-out card and a changed consumer must reach Visa", Source: viHowTo, Documented: true,
		Requirements: []*Requirement{C2PLcm03, C2PLcm07, VILcm01, VILcm06, VILcm10}, Driver: []string{DriverCardAction, DriverConsumer}})

	AXEnrolment = feature(Feature{Network: Amex, ID: "enrolment", Title: "Enrolment of a Card Member's card (the Token Service provisioning request)",
		Mandatory: true, Why: inferredWhyAX, Source: axSDK,
		Requirements: []*Requirement{C2PEnr01, C2PEnr02, C2PEnr03, C2PEnr09, AXSec07, AXIdm03}, Driver: []string{DriverEnrol}})
	AXAutoEnrolment = feature(Feature{Network: Amex, ID: "auto-enrolment", Title: "Automatic (portfolio) enrolment runs",
		Why: "an issuer may enrol only on the Card Member's request", Source: axSDK,
		Requirements: []*Requirement{C2PLcm08}, Driver: []string{DriverAutoEnrol}})
	AXTokenNotifications = feature(Feature{Network: Amex, ID: "token-notifications", Title: "The token status notification endpoint the issuer hosts",
		Mandatory: true, Why: inferredWhyAX + "; an issuer that ignores the network's status changes keeps a wrong record of its tokens", Source: axSDK,
		Requirements: []*Requirement{C2PLcm12, C2PNtf05, C2PNtf06, C2PSec11}})
	AXTokenLifecycle = feature(Feature{Network: Amex, ID: "token-lifecycle", Title: "Token lifecycle notifications to the network (suspend, resume, delete)",
		Mandatory: true, Why: "a lost, stolen or closed card must reach its tokens", Source: axSDK,
		Requirements: []*Requirement{C2PLcm03, C2PLcm04, C2PLcm05}, Driver: []string{DriverCardAction}})

	DSEnrolment = feature(Feature{Network: Discover, ID: "enrolment", Title: "Enrolment of a consumer and card, with an OAuth 2 client-credentials token",
		Mandatory: true, Why: inferredWhyDS, Source: dsGuide,
		Requirements: []*Requirement{C2PEnr01, C2PEnr02, C2PEnr03, C2PEnr09, DSSec08}, Driver: []string{DriverEnrol}})
	DSAutoEnrolment = feature(Feature{Network: Discover, ID: "auto-enrolment", Title: "Automatic (portfolio) enrolment runs",
		Why: "an issuer may enrol only on the cardholder's request", Source: dsGuide,
		Requirements: []*Requirement{C2PLcm08}, Driver: []string{DriverAutoEnrol}})
	DSTokenEvents = feature(Feature{Network: Discover, ID: "token-events", Title: "The token event endpoint the issuer hosts",
		Mandatory: true, Why: inferredWhyDS + "; an issuer that ignores the network's status changes keeps a wrong record of its tokens", Source: dsGuide,
		Requirements: []*Requirement{C2PLcm12, C2PNtf05, C2PNtf06, C2PSec11, DSSec13}})
	DSTokenLifecycle = feature(Feature{Network: Discover, ID: "token-lifecycle", Title: "Card lifecycle at the network (suspend, resume, delete)",
		Mandatory: true, Why: "a lost, stolen or closed card must reach its tokens", Source: dsGuide,
		Requirements: []*Requirement{C2PLcm03, C2PLcm05}, Driver: []string{DriverCardAction}})
)
