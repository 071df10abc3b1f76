package mastercard_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// record builds one batch record: the card and consumer as enrollmentData.
func (c *issuer) record(ext, card, cardPAN string, mut ...func(map[string]any)) map[string]any {
	c.t.Helper()
	plain := map[string]any{
		"primaryAccountNumber": cardPAN, "panExpirationMonth": "12", "panExpirationYear": "2030",
		"cardholderFullName": "Ada Lovelace",
		"billingAddress":     map[string]any{"line1": "1 Main Street", "city": "London", "countryCode": "GB"},
		"consumer": map[string]any{"firstName": "Ada", "lastName": "Lovelace", "emailAddress": ext + "@example.com",
			"mobileNumber": map[string]any{"countryCode": "44", "phoneNumber": "7700900123"}, "locale": "en_GB", "countryCode": "GB"},
	}
	for _, f := range mut {
		f(plain)
	}
	b, _ := json.Marshal(plain)
	jwe, err := encryption.Encrypt(b, c.encPub)
	if err != nil {
		c.t.Fatal(err)
	}
	return map[string]any{"externalConsumerId": ext, "externalCardId": card, "enrollmentData": jwe}
}

func (c *issuer) batchBody(externalBatchID string, records ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"srcClientId": c.srcClientID, "serviceId": c.serviceID, "externalBatchId": externalBatchID, "records": records})
	return b
}

func startBatch(t *testing.T) (*simtest.Server, *issuer, string) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Settings: map[string]string{"mastercard.batchDelay": "3s"}})
	c := newIssuer(t, srv)
	return srv, c, "/directories/" + credential(t, srv, "directory-id")
}

// waitBatch polls the batch's status until it is no longer PENDING.
func waitBatch(t *testing.T, c *issuer, p string) answer {
	t.Helper()
	var a answer
	gomega.NewWithT(t).Eventually(func() any {
		a = c.call(http.MethodGet, p, nil)
		if a.status != 200 {
			t.Fatalf("batch status: %d %s", a.status, a.raw)
		}
		return a.body["status"]
	}).WithTimeout(10 * time.Second).WithPolling(time.Millisecond).ShouldNot(gomega.Equal("PENDING"))
	return a
}

func recordsByCard(t *testing.T, a answer) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, x := range a.body["records"].([]any) {
		r := x.(map[string]any)
		out[r["externalConsumerId"].(string)+"/"+r["externalCardId"].(string)] = r
	}
	return out
}

func TestBatchEnrolment(t *testing.T) {
	srv, c, dir := startBatch(t)
	// Enrolled beforehand for consumer-9: the batch record for the same card
	// of the same consumer fails.
	if a := c.send(c.body("5186001700009908", func(m map[string]any) {
		m["consumer"].(map[string]any)["externalConsumerId"] = "consumer-9"
		m["externalCredentialId"] = "earlier"
	}), nil); a.status != 200 {
		t.Fatalf("putCard: %d %s", a.status, a.raw)
	}
	testCard := map[string]string{}
	for _, tc := range (&mastercard.Network{}).TestCards() {
		if tc.Outcome != simulator.OutcomeApproved {
			testCard[tc.Outcome] = tc.PAN
		}
	}
	body := c.batchBody("batch-1",
		c.record("consumer-1", "card-1", "5186001700008785"),
		c.record("consumer-1", "card-2", "5186001700009726"),
		c.record("consumer-2", "card-1", "2223001850114872"),
		c.record("consumer-3", "ineligible", testCard["CARD_INELIGIBLE"]),
		c.record("consumer-3", "declined", testCard["DECLINED"]),
		c.record("consumer-3", "elsewhere", testCard["ALREADY_EXISTS"]),
		c.record("consumer-3", "service-error", testCard["INTERNAL"]),
		c.record("consumer-9", "duplicate", "5186001700009908"),
		c.record("consumer-3", "luhn", "5186001700008786"),
		c.record("consumer-3", "expired", "5186001700001434", func(m map[string]any) { m["panExpirationYear"] = "2020" }),
	)
	a := c.call(http.MethodPost, dir+"/batches", body)
	if a.status != 202 || a.body["externalBatchId"] != "batch-1" || a.body["batchId"] == "" {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	p := dir + "/batches/" + a.body["batchId"].(string)

	// 202 is not an enrolment: everything waits for the clock.
	s := c.call(http.MethodGet, p, nil)
	if s.status != 200 || s.body["status"] != "PENDING" || s.body["pendingRecords"] != 10.0 || s.body["completedAt"] != nil {
		t.Fatalf("before processing: %d %s", s.status, s.raw)
	}
	if g := c.call(http.MethodGet, dir+"/consumers/consumer-1", nil); g.status != 404 {
		t.Fatalf("consumer before processing: %d %s", g.status, g.raw)
	}
	srv.Clock.Advance(2 * time.Second)
	if s := c.call(http.MethodGet, p, nil); s.body["status"] != "PENDING" {
		t.Fatalf("before the delay: %s", s.raw)
	}
	srv.Clock.Advance(time.Second)
	s = waitBatch(t, c, p)
	if s.body["status"] != "COMPLETED_WITH_ERRORS" || s.body["totalRecords"] != 10.0 || s.body["succeededRecords"] != 3.0 || s.body["failedRecords"] != 7.0 || s.body["pendingRecords"] != 0.0 || s.body["completedAt"] == nil {
		t.Fatalf("after processing: %s", s.raw)
	}
	recs := recordsByCard(t, s)
	for card, reason := range map[string]string{"ineligible": "CARD_INELIGIBLE", "declined": "DECLINED", "elsewhere": "ALREADY_EXISTS",
		"service-error": "INTERNAL", "luhn": "INVALID_ARGUMENT", "expired": "INVALID_ARGUMENT", "consumer-9/duplicate": "ALREADY_EXISTS"} {
		key := "consumer-3/" + card
		if strings.Contains(card, "/") {
			key = card
		}
		r := recs[key]
		e, _ := r["error"].(map[string]any)
		if r["status"] != "FAILED" || e["reason"] != reason || e["message"] == "" || r["srcDigitalCardId"] != nil {
			t.Errorf("%s: %v", card, r)
		}
	}
	for _, card := range []string{"card-1", "card-2"} {
		r := recs["consumer-1/"+card]
		if r["status"] != "SUCCEEDED" || r["tokenStatus"] != "ACTIVE" || r["srcDigitalCardId"] == nil || r["externalCredentialId"] != card ||
			!strings.HasPrefix(r["tokenUniqueReference"].(string), "DM4MMC") || r["error"] != nil {
			t.Errorf("%s: %v", card, r)
		}
	}
	for _, pan := range []string{"5186001700008785", "5186001700009908", testCard["DECLINED"]} {
		if strings.Contains(s.raw, pan) {
			t.Fatal("batch status carries a PAN in clear")
		}
	}

	// Succeeded records are in the Credential Directory, one consumer per externalConsumerId.
	g := c.call(http.MethodGet, dir+"/consumers/consumer-1", nil)
	if g.status != 200 || len(g.body["credentials"].([]any)) != 2 || g.body["consumer"].(map[string]any)["emailAddress"] != "consumer-1@example.com" {
		t.Fatalf("consumer-1: %d %s", g.status, g.raw)
	}
	if g.body["srcConsumerId"] != recs["consumer-1/card-1"]["srcConsumerId"] || g.body["srcConsumerId"] != recs["consumer-1/card-2"]["srcConsumerId"] || recs["consumer-2/card-1"]["status"] != "SUCCEEDED" {
		t.Fatalf("srcConsumerId differs between the batch and the directory: %s", g.raw)
	}
	cr := c.call(http.MethodGet, dir+"/consumers/consumer-1/credentials/card-2", nil)
	if cr.status != 200 || cr.body["srcDigitalCardId"] != recs["consumer-1/card-2"]["srcDigitalCardId"] || c.cardData(cr)["panLastFour"] != "9726" {
		t.Fatalf("credential: %d %s", cr.status, cr.raw)
	}
	if g := c.call(http.MethodGet, dir+"/consumers/consumer-3", nil); g.status != 404 {
		t.Fatalf("consumer whose every record failed: %d %s", g.status, g.raw)
	}
	// Batch-enrolled cards are enrolled: putCard for one by the same consumer
	// is a conflict.
	if a := c.send(c.body("5186001700008785", func(m map[string]any) {
		m["consumer"].(map[string]any)["externalConsumerId"] = "consumer-1"
		m["externalCredentialId"] = "again"
	}), nil); a.status != 409 {
		t.Fatalf("putCard after batch: %d %s", a.status, a.raw)
	}
}

func TestBatchAllSucceed(t *testing.T) {
	srv, c, dir := startBatch(t)
	a := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-ok", c.record("consumer-1", "card-1", "5186001700008785")))
	if a.status != 202 {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	srv.Clock.Advance(3 * time.Second)
	s := waitBatch(t, c, dir+"/batches/"+a.body["batchId"].(string))
	if s.body["status"] != "COMPLETED" || s.body["succeededRecords"] != 1.0 {
		t.Fatalf("%s", s.raw)
	}
}

func TestBatchResubmission(t *testing.T) {
	srv, c, dir := startBatch(t)
	body := c.batchBody("batch-1", c.record("consumer-1", "card-1", "5186001700008785"), c.record("consumer-2", "card-1", "5186001700009726"))
	first := c.call(http.MethodPost, dir+"/batches", body)
	if first.status != 202 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	id := first.body["batchId"]
	// The same body again, and the same records encrypted again: same batch, nothing new scheduled.
	again := c.call(http.MethodPost, dir+"/batches", body)
	reencrypted := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-1", c.record("consumer-1", "card-1", "5186001700008785"), c.record("consumer-2", "card-1", "5186001700009726")))
	for _, a := range []answer{again, reencrypted} {
		if a.status != 202 || a.body["batchId"] != id {
			t.Fatalf("re-submission: %d %s (first batchId %v)", a.status, a.raw, id)
		}
	}
	if n := srv.Clock.Pending(); n != 1 {
		t.Fatalf("%d timers pending, want the first batch's only", n)
	}
	// Other content under the same externalBatchId is refused.
	for name, b := range map[string][]byte{
		"other card":      c.batchBody("batch-1", c.record("consumer-1", "card-1", "5186001700008876"), c.record("consumer-2", "card-1", "5186001700009726")),
		"fewer records":   c.batchBody("batch-1", c.record("consumer-1", "card-1", "5186001700008785")),
		"other consumer":  c.batchBody("batch-1", c.record("consumer-9", "card-1", "5186001700008785"), c.record("consumer-2", "card-1", "5186001700009726")),
		"other name data": c.batchBody("batch-1", c.record("consumer-1", "card-1", "5186001700008785", func(m map[string]any) { m["cardholderFullName"] = "A Lovelace" }), c.record("consumer-2", "card-1", "5186001700009726")),
	} {
		a := c.call(http.MethodPost, dir+"/batches", b)
		if a.status != 409 || serviceReason(t, a) != "ALREADY_EXISTS" || !strings.Contains(a.raw, id.(string)) {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	srv.Clock.Advance(3 * time.Second)
	s := waitBatch(t, c, dir+"/batches/"+id.(string))
	if s.body["status"] != "COMPLETED" || s.body["succeededRecords"] != 2.0 {
		t.Fatalf("%s", s.raw)
	}
	// After completion a re-submission still answers the same batchId and enrols nothing twice.
	if a := c.call(http.MethodPost, dir+"/batches", body); a.status != 202 || a.body["batchId"] != id || srv.Clock.Pending() != 0 {
		t.Fatalf("re-submission after completion: %d %s", a.status, a.raw)
	}
}

func TestBatchRefusals(t *testing.T) {
	srv, c, dir := startBatch(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	good := c.record("consumer-1", "card-1", "5186001700008785")
	withBody := func(mut func(map[string]any)) []byte {
		m := map[string]any{"srcClientId": c.srcClientID, "serviceId": c.serviceID, "externalBatchId": "batch-x", "records": []any{good}}
		mut(m)
		b, _ := json.Marshal(m)
		return b
	}
	unknownKid, _ := encryption.Encrypt([]byte(`{}`), &other.PublicKey)
	cases := []struct {
		name   string
		path   string
		body   []byte
		status int
		reason string
		want   string
	}{
		{"unknown directory", "/directories/other/batches", c.batchBody("batch-x", good), 400, "INVALID_STATE", "directoryId"},
		{"unknown srcClientId", dir + "/batches", withBody(func(m map[string]any) { m["srcClientId"] = "11111111-2222-4333-8444-555555555555" }), 400, "INVALID_STATE", "srcClientId"},
		{"unknown serviceId", dir + "/batches", withBody(func(m map[string]any) { m["serviceId"] = "OTHER" }), 400, "INVALID_STATE", "serviceId"},
		{"no records", dir + "/batches", withBody(func(m map[string]any) { m["records"] = []any{} }), 400, "INVALID_ARGUMENT", "records"},
		{"no externalBatchId", dir + "/batches", withBody(func(m map[string]any) { delete(m, "externalBatchId") }), 400, "INVALID_ARGUMENT", "externalBatchId"},
		{"unknown record field", dir + "/batches", withBody(func(m map[string]any) {
			r := c.record("consumer-2", "card-1", "5186001700009726")
			r["primaryAccountNumber"] = "5186001700009726"
			m["records"] = []any{good, r}
		}), 400, "INVALID_ARGUMENT", "primaryAccountNumber"},
		{"card data in clear", dir + "/batches", withBody(func(m map[string]any) {
			m["records"] = []any{good, map[string]any{"externalConsumerId": "c", "externalCardId": "k", "enrollmentData": "5186001700009726"}}
		}), 400, "INVALID_ARGUMENT", "records/1/enrollmentData carries card data in clear"},
		{"unknown kid", dir + "/batches", withBody(func(m map[string]any) {
			m["records"] = []any{good, map[string]any{"externalConsumerId": "c", "externalCardId": "k", "enrollmentData": unknownKid}}
		}), 400, "INVALID_ARGUMENT", "records/1/enrollmentData: the JWE kid is not the fingerprint"},
		{"broken JWE", dir + "/batches", withBody(func(m map[string]any) {
			m["records"] = []any{map[string]any{"externalConsumerId": "c", "externalCardId": "k", "enrollmentData": "eyJhbGciOiJub25lIn0.a.b.c.d"}}
		}), 400, "INVALID_ARGUMENT", "records/0/enrollmentData is not a compact JWE"},
		{"plaintext without consumer", dir + "/batches", withBody(func(m map[string]any) {
			m["records"] = []any{good, c.record("consumer-2", "card-1", "5186001700009726", func(p map[string]any) { delete(p, "consumer") })}
		}), 400, "INVALID_ARGUMENT", "records/1/enrollmentData"},
		{"plaintext with unknown field", dir + "/batches", withBody(func(m map[string]any) {
			m["records"] = []any{c.record("consumer-2", "card-1", "5186001700009726", func(p map[string]any) { p["cvc"] = "123" })}
		}), 400, "INVALID_ARGUMENT", "cvc"},
		{"same external IDs twice", dir + "/batches", withBody(func(m map[string]any) {
			m["records"] = []any{good, c.record("consumer-1", "card-1", "5186001700009726")}
		}), 400, "INVALID_ARGUMENT", "records 0 and 1"},
	}
	for _, tc := range cases {
		a := c.call(http.MethodPost, tc.path, tc.body)
		if a.status != tc.status || serviceReason(t, a) != tc.reason || !strings.Contains(a.raw, tc.want) {
			t.Errorf("%s: %d %s", tc.name, a.status, a.raw)
		}
		for _, pan := range []string{"5186001700008785", "5186001700009726"} {
			if strings.Contains(a.raw, pan) {
				t.Errorf("%s: the answer carries a PAN in clear", tc.name)
			}
		}
	}
	// Nothing was accepted: no timer, and batch-x is free for a good batch.
	if n := srv.Clock.Pending(); n != 0 {
		t.Fatalf("%d timers pending after refusals", n)
	}
	if a := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-x", good)); a.status != 202 {
		t.Fatalf("good batch after refusals: %d %s", a.status, a.raw)
	}

	if a := c.call(http.MethodGet, dir+"/batches/no-such-batch", nil); a.status != 404 || serviceReason(t, a) != "NOT_FOUND" {
		t.Fatalf("unknown batch: %d %s", a.status, a.raw)
	}
	if a := c.call(http.MethodGet, "/directories/other/batches/no-such-batch", nil); a.status != 400 || serviceReason(t, a) != "INVALID_STATE" {
		t.Fatalf("status in an unknown directory: %d %s", a.status, a.raw)
	}
	// Unsigned: the gateway's 401.
	resp, err := srv.Client.Post(srv.URL+base+dir+"/batches", "application/json", strings.NewReader(string(c.batchBody("batch-y", good))))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a := answer{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	if rc, _ := gatewayReason(t, a); a.status != 401 || rc != "AUTHENTICATION_FAILED" {
		t.Fatalf("unsigned: %d %s", a.status, a.raw)
	}
}

// Each record asks the issuer's Authorize Service, as putCard does.
func TestBatchAuthorizeService(t *testing.T) {
	srv, c, dir := startBatch(t)
	decisions := map[string]string{"8785": "APPROVED", "9726": "DECLINED", "4872": "REQUIRE_ADDITIONAL_AUTHENTICATION"}
	ring := issuerRing(t, srv)
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/authorizeService" {
			_ = json.NewEncoder(w).Encode(map[string]string{"responseId": "2"})
			return
		}
		raw, _ := io.ReadAll(r.Body)
		d, ok := decisions[cardLast4(ring, raw)]
		if !ok {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"responseId": "1", "decision": d, "services": []string{"DIGITIZATION"}})
	}))
	defer issuer.Close()
	if err := srv.Sim.SetCallbackTarget(mastercard.ID, simulator.CallbackTarget{URL: issuer.URL, RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	a := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-as",
		c.record("consumer-1", "approved", "5186001700008785"),
		c.record("consumer-1", "declined", "5186001700009726"),
		c.record("consumer-1", "yellow", "2223001850114872"),
		c.record("consumer-1", "no-answer", "5186001700009908"),
	))
	if a.status != 202 {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	srv.Clock.Advance(3 * time.Second)
	s := waitBatch(t, c, dir+"/batches/"+a.body["batchId"].(string))
	recs := recordsByCard(t, s)
	want := map[string][2]string{"approved": {"SUCCEEDED", "ACTIVE"}, "declined": {"FAILED", "DECLINED"}, "yellow": {"SUCCEEDED", "INACTIVE"}, "no-answer": {"FAILED", "UNAVAILABLE"}}
	for card, w := range want {
		r := recs["consumer-1/"+card]
		got := r["tokenStatus"]
		if e, ok := r["error"].(map[string]any); ok {
			got = e["reason"]
		}
		if r["status"] != w[0] || got != w[1] {
			t.Errorf("%s: %v", card, r)
		}
	}
	if s.body["status"] != "COMPLETED_WITH_ERRORS" {
		t.Fatalf("%s", s.raw)
	}
}

func TestResetForgetsBatchesAndDirectory(t *testing.T) {
	srv, c, dir := startBatch(t)
	if a := c.enrolIn("consumer-1", "card-1", "5186001700008785"); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	done := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-1", c.record("consumer-2", "card-1", "5186001700009726")))
	srv.Clock.Advance(3 * time.Second)
	waitBatch(t, c, dir+"/batches/"+done.body["batchId"].(string))
	pending := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-2", c.record("consumer-3", "card-1", "5186001700009908")))
	if pending.status != 202 || srv.Clock.Pending() != 1 {
		t.Fatalf("second batch: %d %s", pending.status, pending.raw)
	}

	srv.Reset(t)
	if n := srv.Clock.Pending(); n != 0 {
		t.Fatalf("%d timers survive the reset", n)
	}
	for _, p := range []string{
		dir + "/batches/" + done.body["batchId"].(string),
		dir + "/batches/" + pending.body["batchId"].(string),
		dir + "/consumers/consumer-1",
		dir + "/consumers/consumer-2",
		dir + "/consumers/consumer-1/credentials/card-1",
	} {
		if a := c.call(http.MethodGet, p, nil); a.status != 404 {
			t.Errorf("%s after reset: %d %s", p, a.status, a.raw)
		}
	}
	// The external batch IDs and the cards are free again.
	a := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-1", c.record("consumer-1", "card-1", "5186001700008785")))
	if a.status != 202 {
		t.Fatalf("batch-1 after reset: %d %s", a.status, a.raw)
	}
	srv.Clock.Advance(3 * time.Second)
	if s := waitBatch(t, c, dir+"/batches/"+a.body["batchId"].(string)); s.body["status"] != "COMPLETED" {
		t.Fatalf("after reset: %s", s.raw)
	}
}

func TestBatchJournalIsMasked(t *testing.T) {
	srv, c, dir := startBatch(t)
	a := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-journal", c.record("consumer-1", "card-1", "5186001700008785")))
	if a.status != 202 {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	srv.Clock.Advance(3 * time.Second)
	waitBatch(t, c, dir+"/batches/"+a.body["batchId"].(string))
	if g := c.call(http.MethodGet, dir+"/consumers/consumer-1", nil); g.status != 200 {
		t.Fatalf("consumer: %d %s", g.status, g.raw)
	}
	resp, err := srv.Client.Get(srv.URL + "/_admin/journal")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(raw), "batch-journal") {
		t.Fatalf("journal %d: %.300s", resp.StatusCode, raw)
	}
	if strings.Contains(string(raw), "5186001700008785") {
		t.Fatal("the journal carries the PAN in clear")
	}
}

// Records are processed one after the other: while a slow record waits,
// the records before it are already reported.
func TestBatchProgressRecordByRecord(t *testing.T) {
	srv, c, dir := startBatch(t)
	var slow string
	for _, tc := range (&mastercard.Network{}).TestCards() {
		if tc.Outcome == "slow" {
			slow = tc.PAN
		}
	}
	if slow == "" {
		t.Skip("no slow test card")
	}
	a := c.call(http.MethodPost, dir+"/batches", c.batchBody("batch-slow",
		c.record("consumer-1", "card-1", "5186001700008785"),
		c.record("consumer-1", "card-2", slow)))
	if a.status != 202 {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	p := dir + "/batches/" + a.body["batchId"].(string)
	srv.Clock.Advance(3 * time.Second)
	g := gomega.NewWithT(t)
	// The slow record has started waiting on the clock.
	g.Eventually(srv.Clock.Pending).WithTimeout(10 * time.Second).WithPolling(time.Millisecond).Should(gomega.Equal(1))
	s := c.call(http.MethodGet, p, nil)
	recs := recordsByCard(t, s)
	if s.body["status"] != "PENDING" || s.body["succeededRecords"] != 1.0 || s.body["pendingRecords"] != 1.0 ||
		recs["consumer-1/card-1"]["status"] != "SUCCEEDED" || recs["consumer-1/card-2"]["status"] != "PENDING" {
		t.Fatalf("mid-batch: %s", s.raw)
	}
	srv.Clock.Advance(time.Minute)
	if s := waitBatch(t, c, p); s.body["status"] != "COMPLETED" || s.body["succeededRecords"] != 2.0 {
		t.Fatalf("%s", s.raw)
	}
}
