package mastercard_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
	"github.com/c2psim/c2psim/simulator/store"
)

const base = "/mastercard/src/api/digital/payments"

// credential returns one of the sandbox credentials by name.
func credential(t testing.TB, srv *simtest.Server, name string) string {
	t.Helper()
	for _, c := range srv.Sim.Credentials(mastercard.ID) {
		if c.Name == name {
			return c.Value
		}
	}
	t.Fatalf("no credential %s", name)
	return ""
}

// call signs and sends one request to p (relative to the Enroll API base).
func (c *issuer) call(method, p string, body []byte) answer {
	c.t.Helper()
	return c.signed(method, base+p, body)
}

// open decrypts an encryptedCardData value with the issuer's private key.
func (c *issuer) open(jwe any) map[string]any {
	c.t.Helper()
	s, _ := jwe.(string)
	if s == "" {
		c.t.Fatalf("encryptedCardData is %v", jwe)
	}
	d, err := issuerRing(c.t, c.srv).Decrypt(s)
	if err != nil {
		c.t.Fatalf("encryptedCardData does not open with the issuer's key: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(d.Plaintext, &m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

// cardData decrypts the encryptedCardData of a credential answer.
func (c *issuer) cardData(a answer) map[string]any {
	c.t.Helper()
	return c.open(a.body["encryptedCardData"])
}

// enrolIn enrols cardPAN for consumer ext as credential cred.
func (c *issuer) enrolIn(ext, cred, cardPAN string, mut ...func(map[string]any)) answer {
	c.t.Helper()
	return c.send(c.body(cardPAN, append([]func(map[string]any){func(m map[string]any) {
		m["externalCredentialId"] = cred
		m["consumer"].(map[string]any)["externalConsumerId"] = ext
	}}, mut...)...), nil)
}

func consumerBody(first, email string, mobile bool) []byte {
	cons := map[string]any{"firstName": first, "lastName": "King", "emailAddress": email, "locale": "en_GB", "countryCode": "GB"}
	if mobile {
		cons["mobileNumber"] = map[string]any{"countryCode": "44", "phoneNumber": "7700900999"}
	}
	b, _ := json.Marshal(map[string]any{"srcCorrelationId": "0f1e2d3c-4b5a-4968-8776-655443322199", "consumer": cons})
	return b
}

func TestConsumerLifecycle(t *testing.T) {
	srv, c := start(t)
	dir := credential(t, srv, "directory-id")
	for _, e := range []struct{ ext, cred, pan string }{
		{"consumer-1", "card-1", "5186001700008785"},
		{"consumer-1", "card-2", "5186001700009726"},
		{"consumer-2", "card-1", "5186001700009908"},
	} {
		if a := c.enrolIn(e.ext, e.cred, e.pan); a.status != 200 {
			t.Fatalf("enrol %s/%s: %d %s", e.ext, e.cred, a.status, a.raw)
		}
	}
	p := "/directories/" + dir + "/consumers/consumer-1"

	a := c.call(http.MethodGet, p, nil)
	if a.status != 200 {
		t.Fatalf("get: %d %s", a.status, a.raw)
	}
	creds, _ := a.body["credentials"].([]any)
	if len(creds) != 2 || a.body["externalConsumerId"] != "consumer-1" || a.body["directoryId"] != dir {
		t.Fatalf("get: %s", a.raw)
	}
	// Every card of one consumer shares its srcConsumerId.
	src := a.body["srcConsumerId"]
	last4 := map[string]bool{}
	for _, x := range creds {
		cr := x.(map[string]any)
		if cr["srcConsumerId"] != src || cr["status"] != "ACTIVE" || cr["tokenRequestorId"] != mastercard.TokenRequestorID {
			t.Fatalf("credential %v", cr)
		}
		if _, clear := cr["maskedCard"]; clear {
			t.Fatal("card data in clear in a directory answer")
		}
		last4[c.open(cr["encryptedCardData"])["panLastFour"].(string)] = true
	}
	if !last4["8785"] || !last4["9726"] {
		t.Fatalf("credentials %v", last4)
	}
	for _, p := range []string{"5186001700008785", "5186001700009726", "8785"} {
		if strings.Contains(a.raw, p) {
			t.Fatalf("the answer carries %s in clear", p)
		}
	}
	if cons := a.body["consumer"].(map[string]any); cons["firstName"] != "Ada" || cons["mobileNumber"] == nil {
		t.Fatalf("consumer %v", cons)
	}

	// Update is a full replacement: the mobile number left out is removed.
	u := c.call(http.MethodPut, p, consumerBody("Augusta", "augusta@example.com", false))
	if u.status != 200 {
		t.Fatalf("update: %d %s", u.status, u.raw)
	}
	cons := u.body["consumer"].(map[string]any)
	if cons["firstName"] != "Augusta" || cons["emailAddress"] != "augusta@example.com" || cons["mobileNumber"] != nil || u.body["srcConsumerId"] != src {
		t.Fatalf("update: %s", u.raw)
	}
	if g := c.call(http.MethodGet, p, nil); g.body["consumer"].(map[string]any)["firstName"] != "Augusta" || len(g.body["credentials"].([]any)) != 2 {
		t.Fatalf("get after update: %s", g.raw)
	}
	// A card added later to the same consumer joins it with the same srcConsumerId.
	if a := c.enrolIn("consumer-1", "card-3", "5186001700008876"); a.status != 200 || a.body["srcConsumerId"] != src {
		t.Fatalf("add card: %d %s", a.status, a.raw)
	}

	// Delete removes the consumer and every credential; the other consumer stays.
	if d := c.call(http.MethodDelete, p, nil); d.status != 204 {
		t.Fatalf("delete: %d %s", d.status, d.raw)
	}
	if g := c.call(http.MethodGet, p, nil); g.status != 404 || serviceReason(t, g) != "NOT_FOUND" {
		t.Fatalf("get after delete: %d %s", g.status, g.raw)
	}
	if g := c.call(http.MethodGet, p+"/credentials/card-2", nil); g.status != 404 {
		t.Fatalf("credential after consumer delete: %d %s", g.status, g.raw)
	}
	if g := c.call(http.MethodGet, "/directories/"+dir+"/consumers/consumer-2", nil); g.status != 200 || len(g.body["credentials"].([]any)) != 1 {
		t.Fatalf("other consumer: %d %s", g.status, g.raw)
	}
	// The deleted cards can be enrolled again.
	if a := c.enrolIn("consumer-1", "card-1", "5186001700008785"); a.status != 200 || a.body["srcConsumerId"] == src {
		t.Fatalf("re-enrol after delete: %d %s", a.status, a.raw)
	}
}

func TestConsumerRefusalsLeaveStateUntouched(t *testing.T) {
	srv, c := start(t)
	dir := credential(t, srv, "directory-id")
	if a := c.enrolIn("consumer-1", "card-1", "5186001700008785"); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	p := "/directories/" + dir + "/consumers/consumer-1"
	before := c.call(http.MethodGet, p, nil)
	if before.status != 200 {
		t.Fatalf("get: %d %s", before.status, before.raw)
	}

	cases := []struct {
		name   string
		method string
		path   string
		body   []byte
		status int
		reason string
	}{
		{"get, unknown directory", http.MethodGet, "/directories/other/consumers/consumer-1", nil, 400, "INVALID_STATE"},
		{"update, unknown directory", http.MethodPut, "/directories/other/consumers/consumer-1", consumerBody("Eve", "eve@example.com", false), 400, "INVALID_STATE"},
		{"delete, unknown directory", http.MethodDelete, "/directories/other/consumers/consumer-1", nil, 400, "INVALID_STATE"},
		{"get, unknown consumer", http.MethodGet, "/directories/" + dir + "/consumers/nobody", nil, 404, "NOT_FOUND"},
		{"update, unknown consumer", http.MethodPut, "/directories/" + dir + "/consumers/nobody", consumerBody("Eve", "eve@example.com", false), 404, "NOT_FOUND"},
		{"delete, unknown consumer", http.MethodDelete, "/directories/" + dir + "/consumers/nobody", nil, 404, "NOT_FOUND"},
		{"update, missing lastName", http.MethodPut, p, []byte(`{"srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322199","consumer":{"firstName":"Eve","emailAddress":"eve@example.com","locale":"en_GB","countryCode":"GB"}}`), 400, "INVALID_ARGUMENT"},
		{"update, unknown field", http.MethodPut, p, []byte(`{"srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322199","consumer":{"firstName":"Eve","lastName":"X","emailAddress":"eve@example.com","locale":"en_GB","countryCode":"GB","externalConsumerId":"consumer-9"}}`), 400, "INVALID_ARGUMENT"},
		{"update, bad locale", http.MethodPut, p, []byte(`{"srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322199","consumer":{"firstName":"Eve","lastName":"X","emailAddress":"eve@example.com","locale":"english","countryCode":"GB"}}`), 400, "INVALID_ARGUMENT"},
		{"update, no correlation ID", http.MethodPut, p, []byte(`{"consumer":{"firstName":"Eve","lastName":"X","emailAddress":"eve@example.com","locale":"en_GB","countryCode":"GB"}}`), 400, "INVALID_ARGUMENT"},
	}
	for _, tc := range cases {
		a := c.call(tc.method, tc.path, tc.body)
		if a.status != tc.status || serviceReason(t, a) != tc.reason {
			t.Errorf("%s: %d %s", tc.name, a.status, a.raw)
		}
	}
	// Unsigned: the gateway's 401, not the service's envelope.
	a := c.do(c.request(http.MethodDelete, base+p, nil))
	if rc, _ := gatewayReason(t, a); a.status != 401 || rc != "AUTHENTICATION_FAILED" {
		t.Fatalf("unsigned delete: %d %s", a.status, a.raw)
	}

	after := c.call(http.MethodGet, p, nil)
	if after.status != 200 {
		t.Fatalf("get after refusals: %d %s", after.status, after.raw)
	}
	// encryptedCardData differs per answer (fresh content key); compare the rest.
	strip := func(a answer) string {
		for _, x := range a.body["credentials"].([]any) {
			delete(x.(map[string]any), "encryptedCardData")
		}
		b, _ := json.Marshal(a.body)
		return string(b)
	}
	if strip(before) != strip(after) {
		t.Fatalf("state changed by refused calls:\nbefore %s\nafter  %s", strip(before), strip(after))
	}
}

func TestCardDataFollowsTheRegisteredIssuerKey(t *testing.T) {
	srv, c := start(t)
	dir := credential(t, srv, "directory-id")
	if a := c.enrolIn("consumer-1", "card-1", "5186001700008785"); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	// The issuer registers its own key: answers are encrypted to it.
	own, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&own.PublicKey)
	if err := srv.Sim.RegisterCredentials(mastercard.ID, []simulator.Credential{{Name: "issuer-fle-public-key", Kind: "rsa-public-key",
		Value: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}); err != nil {
		t.Fatal(err)
	}
	a := c.call(http.MethodGet, "/directories/"+dir+"/consumers/consumer-1/credentials/card-1", nil)
	if a.status != 200 {
		t.Fatalf("get: %d %s", a.status, a.raw)
	}
	ring := encryption.KeyRing{}
	kid, _ := ring.Add(own)
	d, err := ring.Decrypt(a.body["encryptedCardData"].(string))
	if err != nil {
		t.Fatalf("not encrypted to the registered key %s: %v", kid, err)
	}
	if !strings.Contains(string(d.Plaintext), `"panLastFour":"8785"`) || !strings.Contains(string(d.Plaintext), `"billingAddress"`) {
		t.Fatalf("plaintext %s", d.Plaintext)
	}
}

// Deleting a credential or a consumer deactivates their tokens, and the
// issuer hears of each by Notify Token Updated.
func TestDeletesNotifyTokenUpdated(t *testing.T) {
	srv, c := start(t)
	dir := credential(t, srv, "directory-id")
	var mu sync.Mutex
	deactivated := map[string]int{}
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/authorizeService":
			_ = json.NewEncoder(w).Encode(map[string]any{"responseId": "1", "decision": "APPROVED", "services": []string{"DIGITIZATION"}})
		case "/notifyServiceActivated":
			_ = json.NewEncoder(w).Encode(map[string]string{"responseId": "3"})
		case "/notifyTokenUpdated":
			// The tokens are in clear.
			var p struct {
				Tokens []struct{ TokenUniqueReference, Status string } `json:"tokens"`
			}
			raw, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(raw, &p); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			for _, tk := range p.Tokens {
				if tk.Status == "DEACTIVATED" {
					deactivated[tk.TokenUniqueReference]++
				}
			}
			mu.Unlock()
			_ = json.NewEncoder(w).Encode(map[string]string{"responseId": "2"})
		default:
			http.Error(w, "unexpected", http.StatusNotFound)
		}
	}))
	defer issuer.Close()
	if err := srv.Sim.SetCallbackTarget(mastercard.ID, simulator.CallbackTarget{URL: issuer.URL, RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]bool{}
	for _, e := range []struct{ ext, cred, pan string }{
		{"consumer-1", "card-1", "5186001700008785"},
		{"consumer-1", "card-2", "5186001700009726"},
		{"consumer-2", "card-1", "5186001700009908"},
		{"consumer-3", "card-1", "5186001700008876"},
	} {
		a := c.enrolIn(e.ext, e.cred, e.pan)
		if a.status != 200 {
			t.Fatalf("enrol: %d %s", a.status, a.raw)
		}
		if e.ext != "consumer-3" {
			tokens[a.body["maskedCard"].(map[string]any)["tokenUniqueReference"].(string)] = true
		}
	}
	if a := c.call(http.MethodDelete, "/directories/"+dir+"/consumers/consumer-2/credentials/card-1", nil); a.status != 204 {
		t.Fatalf("delete credential: %d %s", a.status, a.raw)
	}
	if a := c.call(http.MethodDelete, "/directories/"+dir+"/consumers/consumer-1", nil); a.status != 204 {
		t.Fatalf("delete consumer: %d %s", a.status, a.raw)
	}
	srv.Clock.Advance(0)
	gomega.NewWithT(t).Eventually(func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(deactivated)
	}).WithTimeout(10 * time.Second).WithPolling(time.Millisecond).Should(gomega.Equal(3))
	mu.Lock()
	defer mu.Unlock()
	for tur, n := range deactivated {
		if !tokens[tur] || n != 1 {
			t.Fatalf("notified %v, want once each of %v", deactivated, tokens)
		}
	}
}

// lookupHook is a store that runs a function right after a lookup in a
// collection, as many times as it is armed for (and not within itself): it
// puts a call between a directory operation's read of a consumer's cards
// and its atomic step.
type lookupHook struct {
	store.Store
	mu         sync.Mutex
	collection string
	times      int
	running    bool
	fn         func()
}

func (h *lookupHook) arm(collection string, times int, fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.collection, h.times, h.fn = collection, times, fn
}

func (h *lookupHook) Lookup(ctx context.Context, collection, index, value string) ([]store.Entry, error) {
	rows, err := h.Store.Lookup(ctx, collection, index, value)
	h.mu.Lock()
	fire := collection == h.collection && h.times > 0 && !h.running
	if fire {
		h.times--
		h.running = true
	}
	fn := h.fn
	h.mu.Unlock()
	if fire {
		// In a goroutine of its own, waited for: a test helper failing
		// inside it (FailNow) ends that goroutine, not the server's.
		done := make(chan struct{})
		go func() { defer close(done); fn() }()
		<-done
		h.mu.Lock()
		h.running = false
		h.mu.Unlock()
	}
	return rows, err
}

// hookedConsumer starts a simulator on a lookupHook store and enrols
// consumer-1 with one card, card-1; it returns the hook, the issuer and the
// consumer's path.
func hookedConsumer(t *testing.T) (*lookupHook, *issuer, string) {
	t.Helper()
	hook := &lookupHook{Store: store.NewMemory()}
	srv := simtest.Start(t, simtest.Options{Networks: []string{mastercard.ID}, FakeClock: true, Store: hook})
	c := newIssuer(t, srv)
	if a := c.enrolIn("consumer-1", "card-1", "5186001700008785"); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	return hook, c, "/directories/" + credential(t, srv, "directory-id") + "/consumers/consumer-1"
}

// A card enrolled into a consumer while the consumer is deleted, after the
// deletion read the consumer's cards, is deleted with it: the deletion sees
// that the consumer changed and reads its cards again. Nothing of the
// consumer is left behind, and the card can be enrolled again as a new
// consumer's.
func TestCardEnrolledWhileItsConsumerIsDeletedGoesWithIt(t *testing.T) {
	hook, c, p := hookedConsumer(t)
	var meanwhile answer
	hook.arm("mastercard/directory", 1, func() { meanwhile = c.enrolIn("consumer-1", "card-2", "5186001700009726") })
	if d := c.call(http.MethodDelete, p, nil); d.status != 204 {
		t.Fatalf("delete: %d %s", d.status, d.raw)
	}
	if meanwhile.status != 200 {
		t.Fatalf("the enrolment during the deletion: %d %s", meanwhile.status, meanwhile.raw)
	}
	for _, col := range []string{"mastercard/consumers", "mastercard/directory", "mastercard/cards"} {
		if n, err := store.Count(context.Background(), hook, col); err != nil || n != 0 {
			t.Errorf("%s holds %d records after the consumer was deleted (%v)", col, n, err)
		}
	}
	if g := c.call(http.MethodGet, p+"/credentials/card-2", nil); g.status != 404 {
		t.Fatalf("the card enrolled meanwhile outlived its consumer: %d %s", g.status, g.raw)
	}
	if a := c.enrolIn("consumer-1", "card-2", "5186001700009726"); a.status != 200 {
		t.Fatalf("re-enrol: %d %s", a.status, a.raw)
	}
}

// A card enrolled into a consumer while the consumer is updated, after the
// update read the consumer's cards, gets the update's data as the others
// do.
func TestCardEnrolledWhileItsConsumerIsUpdatedGetsTheUpdate(t *testing.T) {
	hook, c, p := hookedConsumer(t)
	var meanwhile answer
	hook.arm("mastercard/directory", 1, func() { meanwhile = c.enrolIn("consumer-1", "card-2", "5186001700009726") })
	if u := c.call(http.MethodPut, p, consumerBody("Augusta", "augusta@example.com", false)); u.status != 200 {
		t.Fatalf("update: %d %s", u.status, u.raw)
	}
	if meanwhile.status != 200 {
		t.Fatalf("the enrolment during the update: %d %s", meanwhile.status, meanwhile.raw)
	}
	cardsHold(t, hook, 2, "Augusta")
}

// An update of a consumer made while an enrolment into it brings its other
// cards up to date is not undone: they get the data the consumer's record
// holds, the update's.
func TestUpdateOfAConsumerDuringAnEnrolmentIntoItStays(t *testing.T) {
	hook, c, p := hookedConsumer(t)
	var meanwhile answer
	hook.arm("mastercard/directory", 1, func() { meanwhile = c.call(http.MethodPut, p, consumerBody("Augusta", "augusta@example.com", false)) })
	if a := c.enrolIn("consumer-1", "card-2", "5186001700009726"); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	// The update ran after the enrolment's atomic step: it saw both cards.
	if creds, _ := meanwhile.body["credentials"].([]any); meanwhile.status != 200 || len(creds) != 2 {
		t.Fatalf("the update during the enrolment: %d %s, want 200 with both cards", meanwhile.status, meanwhile.raw)
	}
	consumerHolds(t, c, p, hook, 2, "Augusta")
}

// Of two enrolments into one consumer, the second made while the first
// brings the consumer's other cards up to date, every card ends with the
// data the consumer's record holds: the second's.
func TestTwoEnrolmentsIntoOneConsumerLeaveItsCardsAlike(t *testing.T) {
	hook, c, p := hookedConsumer(t)
	var meanwhile answer
	hook.arm("mastercard/directory", 1, func() {
		meanwhile = c.enrolIn("consumer-1", "card-3", "5186001700009908", func(m map[string]any) { m["consumer"].(map[string]any)["firstName"] = "Grace" })
	})
	if a := c.enrolIn("consumer-1", "card-2", "5186001700009726"); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	if meanwhile.status != 200 {
		t.Fatalf("the enrolment during the first: %d %s", meanwhile.status, meanwhile.raw)
	}
	consumerHolds(t, c, p, hook, 3, "Grace")
}

// A consumer deleted and enrolled again (its first card, new data) while an
// enrolment into it brings its other cards up to date: the new consumer's
// card keeps the new consumer's data and srcConsumerId, and the card of
// the enrolment went with the deleted consumer.
func TestConsumerRecreatedDuringAnEnrolmentKeepsItsOwnData(t *testing.T) {
	hook, c, p := hookedConsumer(t)
	var deleted, again answer
	hook.arm("mastercard/directory", 1, func() {
		deleted = c.call(http.MethodDelete, p, nil)
		again = c.enrolIn("consumer-1", "card-1", "5186001700008785", func(m map[string]any) { m["consumer"].(map[string]any)["firstName"] = "Grace" })
	})
	if a := c.enrolIn("consumer-1", "card-2", "5186001700009726"); a.status != 200 {
		t.Fatalf("enrol: %d %s", a.status, a.raw)
	}
	if deleted.status != 204 || again.status != 200 {
		t.Fatalf("delete %d %s, enrol again %d %s", deleted.status, deleted.raw, again.status, again.raw)
	}
	if names := firstNames(t, hook); len(names) != 1 || names["card-1"] != "Grace" {
		t.Fatalf("cards after the consumer was enrolled again: %v, want card-1 holding Grace", names)
	}
	g := c.call(http.MethodGet, p, nil)
	creds, _ := g.body["credentials"].([]any)
	if g.status != 200 || len(creds) != 1 || creds[0].(map[string]any)["srcConsumerId"] != g.body["srcConsumerId"] || g.body["srcConsumerId"] != again.body["srcConsumerId"] {
		t.Fatalf("the consumer enrolled again: %d %s", g.status, g.raw)
	}
}

// consumerHolds checks that the consumer at p has the first name first, and
// that the store holds n cards, each with that name.
func consumerHolds(t *testing.T, c *issuer, p string, s store.Store, n int, first string) {
	t.Helper()
	if g := c.call(http.MethodGet, p, nil); g.status != 200 || g.body["consumer"].(map[string]any)["firstName"] != first {
		t.Fatalf("the consumer: %d %s, want firstName %s", g.status, g.raw, first)
	}
	cardsHold(t, s, n, first)
}

// cardsHold checks that the store holds n cards and that each holds the
// consumer first name first.
func cardsHold(t *testing.T, s store.Store, n int, first string) {
	t.Helper()
	names := firstNames(t, s)
	if len(names) != n {
		t.Fatalf("cards %v, want %d", names, n)
	}
	for cred, got := range names {
		if got != first {
			t.Errorf("%s holds firstName %q, not the consumer's latest, %s", cred, got, first)
		}
	}
}

// firstNames reads the consumer first name each stored card holds, by
// externalCredentialId.
func firstNames(t *testing.T, s store.Store) map[string]string {
	t.Helper()
	rows, err := s.List(context.Background(), "mastercard/cards")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		var card struct {
			ExternalCredentialID string `json:"externalCredentialId"`
			Consumer             struct {
				FirstName string `json:"firstName"`
			} `json:"consumer"`
		}
		if err := json.Unmarshal(r.Value, &card); err != nil {
			t.Fatal(err)
		}
		out[card.ExternalCredentialID] = card.Consumer.FirstName
	}
	return out
}

// A consumer that changes every time its deletion reads its cards is not
// deleted: after a few fresh reads the deletion gives up as UNAVAILABLE,
// and the consumer keeps every card it has.
func TestDeletionOfAConsumerThatKeepsChangingIsUnavailable(t *testing.T) {
	hook, c, p := hookedConsumer(t)
	n := 0
	hook.arm("mastercard/directory", 100, func() {
		n++
		stem := fmt.Sprintf("520473%09d", n)
		if a := c.enrolIn("consumer-1", fmt.Sprintf("meanwhile-%d", n), stem+string(pan.LuhnCheckDigit(stem))); a.status != 200 {
			t.Errorf("enrol during the deletion: %d %s", a.status, a.raw)
		}
	})
	d := c.call(http.MethodDelete, p, nil)
	hook.arm("", 0, nil)
	if d.status != 503 || serviceReason(t, d) != "UNAVAILABLE" {
		t.Fatalf("delete: %d %s, want 503 UNAVAILABLE", d.status, d.raw)
	}
	g := c.call(http.MethodGet, p, nil)
	if g.status != 200 || len(g.body["credentials"].([]any)) != n+1 {
		t.Fatalf("after the refused deletion: %d, want the consumer with %d cards: %s", g.status, n+1, g.raw)
	}
}
