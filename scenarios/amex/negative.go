package amex

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/simulator/journal"
)

// These scenarios act as a misbehaving client on purpose, straight against
// the simulator, to show what a mistaken integration gets back: each
// refusal in American Express's envelope, naming the problem.

// apiBase is the API's path on the simulator: the /amex mount and the
// servers path of openapi/amex/clicktopay.yaml.
const apiBase = "/amex/payments/digital/v2"

// wire is a hand-built client holding the sandbox credentials.
type wire struct {
	apiKey, trid string
	signer       *mac.Signer
	kid          string
	key          []byte
}

func newWire(ctx context.Context) *wire {
	cs, err := conformance.Current().Control.Credentials(ctx, "amex")
	if err != nil {
		conformance.HarnessFailure(err)
	}
	w := &wire{}
	var macID, secret string
	for _, c := range cs {
		switch c.Name {
		case "api-key":
			w.apiKey = c.Value
		case "mac-key-id":
			macID = c.Value
		case "mac-secret":
			secret = c.Value
		case "token-requester-id":
			w.trid = c.Value
		case "encryption-key":
			w.kid = c.KeyID
			w.key, err = jwe.ParseKey(c.Value)
			Expect(err).NotTo(HaveOccurred(), "the simulator's American Express encryption key")
		}
	}
	w.signer = &mac.Signer{ID: macID, Secret: secret}
	return w
}

// call is one hand-built request; zero fields take the genuine values.
type call struct {
	method, path string
	body         []byte
	signedBody   []byte // what the mac covers when it differs from body
	signedPath   string // the path the mac covers when it differs from path
	signer       *mac.Signer
	auth         *string // the Authorization header as is
	requestID    string
}

type answer struct {
	status    int
	body      map[string]any
	raw       string
	auth      string // the Authorization header sent
	requestID string
}

func (w *wire) send(ctx context.Context, c call) answer {
	t := conformance.Current()
	r, err := http.NewRequestWithContext(ctx, c.method, t.SimURL+apiBase+c.path, bytes.NewReader(c.body))
	Expect(err).NotTo(HaveOccurred(), "building the request")
	if c.body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if c.requestID == "" {
		c.requestID = freshID()
	}
	r.Header.Set(mac.HeaderAPIKey, w.apiKey)
	r.Header.Set(mac.HeaderRequestID, c.requestID)
	r.Header.Set(mac.HeaderTokenRequesterID, w.trid)
	switch {
	case c.auth != nil:
		if *c.auth != "" {
			r.Header.Set(mac.HeaderAuthorization, *c.auth)
		}
	default:
		s := c.signer
		if s == nil {
			s = w.signer
		}
		signed := c.body
		if c.signedBody != nil {
			signed = c.signedBody
		}
		u := *r.URL
		if c.signedPath != "" {
			u.Path = apiBase + c.signedPath
		}
		h, err := s.Header(r.Method, &u, signed)
		Expect(err).NotTo(HaveOccurred(), "signing the request")
		r.Header.Set(mac.HeaderAuthorization, h)
	}
	resp, err := t.HTTP.Do(r)
	if err != nil {
		conformance.HarnessFailure(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(raw), auth: r.Header.Get(mac.HeaderAuthorization), requestID: c.requestID}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// freshID is a random GUID for x-amex-request-id.
func freshID() string { return mac.NewUUID() }

func userData() map[string]string {
	return map[string]string{"email": "ada@example.com", "phone": "+447700900123", "name": "Ada||Lovelace", "locale": "en-GB", "country": "GBR"}
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred(), "encoding the request body")
	return b
}

// refusedWith checks the American Express error envelope.
func refusedWith(a answer, status int, code string) {
	ExpectWithOffset(1, a.status).To(Equal(status), "answer: %s", a.raw)
	ExpectWithOffset(1, a.body).To(HaveKeyWithValue("error_code", code), "answer: %s", a.raw)
	ExpectWithOffset(1, a.body).To(HaveKeyWithValue("error_type", Not(BeEmpty())), "the envelope names the error_type")
	ExpectWithOffset(1, a.body).To(HaveKeyWithValue("error_description", Not(BeEmpty())), "the envelope describes the error")
	ExpectWithOffset(1, a.body).To(HaveKeyWithValue("request_id", a.requestID), "the envelope echoes x-amex-request-id")
}

var _ = Describe("American Express refusals", Label("amex"), func() {
	var w *wire
	BeforeEach(func(ctx SpecContext) {
		w = newWire(ctx)
	}, NodeTimeout(time.Minute))

	DescribeTable("refuses a MAC header that does not verify with 401 AUTHENTICATION_FAILED",
		func(ctx SpecContext, tamper func(c *call, w *wire), names string) {
			c := ax.Consumer()
			genuine := call{method: http.MethodPut, path: "/consumers/" + c.Ref, body: jsonBody(map[string]any{"user_data": userData()})}
			tamper(&genuine, w)
			a := w.send(ctx, genuine)
			refusedWith(a, http.StatusUnauthorized, "AUTHENTICATION_FAILED")
			Expect(a.body["error_description"]).To(ContainSubstring(names), "the refusal names what does not verify")
		},
		Entry("signed with another secret", ax.SimulatorCheck("mac-other-secret"), func(c *call, w *wire) {
			c.signer = &mac.Signer{ID: w.signer.ID, Secret: "not-the-client-secret-at-all"}
		}, "bodyhash does not match"),
		Entry("signed for another path (wrong mac)", ax.SimulatorCheck("mac-other-path"), func(c *call, _ *wire) {
			c.signedPath = "/consumers/someone-else"
		}, "mac does not match"),
		Entry("a body changed after signing (wrong bodyhash)", ax.SimulatorCheck("mac-changed-body"), func(c *call, _ *wire) {
			c.signedBody = jsonBody(map[string]any{"user_data": map[string]string{"email": "someone@example.com"}})
		}, "bodyhash"),
		Entry("a timestamp outside the window", ax.SimulatorCheck("mac-stale-timestamp"), func(c *call, w *wire) {
			stale := *w.signer
			stale.Now = func() time.Time { return time.Now().Add(-time.Hour) }
			c.signer = &stale
		}, "ts is outside"),
		Entry("no Authorization header", ax.SimulatorCheck("mac-missing"), func(c *call, _ *wire) {
			none := ""
			c.auth = &none
		}, "Authorization header is missing"),
	)

	It("refuses a replayed nonce", ax.SimulatorCheck("replayed-nonce"), func(ctx SpecContext) {
		c := ax.Consumer()
		first := w.send(ctx, call{method: http.MethodGet, path: "/consumers/" + c.Ref})
		refusedWith(first, http.StatusNotFound, "NOT_FOUND") // authenticated: the profile does not exist
		again := w.send(ctx, call{method: http.MethodGet, path: "/consumers/" + c.Ref, auth: &first.auth})
		refusedWith(again, http.StatusUnauthorized, "AUTHENTICATION_FAILED")
		Expect(again.body["error_description"]).To(ContainSubstring("nonce was already used"), "the refusal names the replayed nonce")
	})

	It("replays the answer to a repeated x-amex-request-id and refuses it for another request", ax.SimulatorCheck("request-id-replay"), func(ctx SpecContext) {
		c := ax.Consumer()
		enrolled(ctx, c, ax.NewCard(ctx, c, "k1"))
		ref := ax.IDs(c).Consumer // the issuer's consumer_ref
		id := freshID()
		first := w.send(ctx, call{method: http.MethodGet, path: "/consumers/" + ref, requestID: id})
		Expect(first.status).To(Equal(http.StatusOK), first.raw)
		again := w.send(ctx, call{method: http.MethodGet, path: "/consumers/" + ref, requestID: id})
		Expect(again.status).To(Equal(http.StatusOK), "the repeated request is answered from the replay")
		Expect(again.raw).To(MatchJSON(first.raw), "the same request under the same ID gets the first answer")
		es, err := conformance.Current().Control.Journal(ctx, journal.Query{Network: "amex", CorrelationID: id})
		Expect(err).NotTo(HaveOccurred(), "reading the simulator's journal")
		Expect(es).To(ContainElement(HaveField("Notes", HaveKey("idempotent-replay"))), "the journal marks the replayed answer")

		changed := userData()
		changed["email"] = "someone.else@example.com"
		other := w.send(ctx, call{method: http.MethodPut, path: "/consumers/" + ref, body: jsonBody(map[string]any{"user_data": changed}), requestID: id})
		refusedWith(other, http.StatusConflict, "DUPLICATE_REQUEST_ID")
		p, err := conformance.Current().Driver.Profile(ctx, "", "amex", c.Ref)
		Expect(err).NotTo(HaveOccurred(), "reading the profile through the issuer")
		Expect(p.Emails).To(ConsistOf("ada@example.com"), "a refused request changed the profile")
	})

	It("refuses card data sent in clear or under another key, never echoing the number", ax.SimulatorCheck("clear-card-refused"), func(ctx SpecContext) {
		c := ax.Consumer()
		number := ax.FreshNumber(ctx)
		plain := jsonBody(map[string]any{"account_type": "credit_card",
			"credit_card":     map[string]any{"account_number": number, "expiry_month": 2, "expiry_year": 2031, "name_on_card": "Ada Lovelace"},
			"billing_address": map[string]string{"address_line1": "1 Analytical Way", "city": "London", "postal_code": "N1 9GU", "country": "GBR"}})
		enrol := func(accountData string) answer {
			return w.send(ctx, call{method: http.MethodPost, path: "/tokens/provisioning", body: jsonBody(map[string]any{
				"consumer_ref": c.Ref, "user_data": userData(), "account_data": accountData,
				"risk_assessment_data": map[string]string{"account_input_method": "ON_FILE"}})})
		}
		clear := enrol(string(plain))
		refusedWith(clear, http.StatusBadRequest, "CLEAR_CARD_DATA")
		Expect(clear.raw).NotTo(ContainSubstring(number), "the refusal echoed the card number")

		otherKey := make([]byte, jwe.KeySize)
		otherKey[0] = 1
		enc, err := jwe.Encrypt(plain, "not-the-shared-key", otherKey)
		Expect(err).NotTo(HaveOccurred(), "encrypting under another key")
		foreign := enrol(enc)
		refusedWith(foreign, http.StatusBadRequest, "ENCRYPTION_ERROR")
		Expect(foreign.body["error_description"]).To(ContainSubstring("kid"), "the refusal names the unknown kid")

		Expect(calls(ctx, "enrolCard", c.Ref)).To(HaveLen(2), "both refused enrolments are journalled")
		for _, e := range calls(ctx, "enrolCard", c.Ref) { // the hand-built requests use the harness's ref
			Expect(e.RequestBody+e.ResponseBody).NotTo(ContainSubstring(number), "the journal holds the full card number")
		}
		p, err := conformance.Current().Driver.Profile(ctx, "", "amex", c.Ref)
		Expect(err).NotTo(HaveOccurred(), "reading the profile through the issuer")
		Expect(p.Enrolled).To(BeFalse(), "a refused enrolment created a profile")
	})

	It("answers a lifecycle request for an unknown token with 404 NOT_FOUND in its envelope", ax.SimulatorCheck("unknown-token"), func(ctx SpecContext) {
		c := ax.Consumer()
		a := w.send(ctx, call{method: http.MethodPost, path: "/tokens/notifications",
			body: jsonBody(map[string]string{"token_ref_id": "AXTRUNKNOWN" + c.Ref[2:], "notification_type": "suspend", "reason": "LOST"})})
		refusedWith(a, http.StatusNotFound, "NOT_FOUND")
		Expect(a.body).To(HaveKeyWithValue("error_type", "not_found_error"), "the envelope says not_found_error")
	})
})
