package discover

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/conformance"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/scenarios/steps"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
)

// networkChanges makes Discover change a card's token status and notify
// the issuer, naming the consumer and card by the identifiers the issuer
// uses at Discover.
func networkChanges(ctx context.Context, c client.Consumer, k conformance.CardJSON, status, eventID string, glitch bool) map[string]any {
	GinkgoHelper()
	p := map[string]any{"consumerId": ds.IDs(c).Consumer, "cardId": ds.CardIDs(c, k).Card, "status": status, "glitch": glitch}
	if eventID != "" {
		p["eventId"] = eventID
	}
	res, err := ds.Trigger(ctx, "tokenStatusChange", p)
	Expect(err).NotTo(HaveOccurred(), "the issuer did not accept the token event")
	return res
}

func eventsWithID(ctx context.Context, id string) []client.NetworkEvent {
	GinkgoHelper()
	return ds.Events(ctx, func(ev client.NetworkEvent) bool { return strings.Contains(ev.ID, id) })
}

var _ = Describe("Discover token lifecycle notifications", Label("discover"), func() {
	It("applies a token status the network changed to the issuer's record", ds.Case("status-change-applied", req.C2PLcm12), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		networkChanges(ctx, c, k, "SUSPENDED", "", false)
		Eventually(func() client.State { return ds.State(ctx, k) }).WithContext(ctx).WithTimeout(steps.Settle).Should(Equal(client.StateSuspended), "the notified SUSPENDED was not applied")
		networkChanges(ctx, c, k, "ACTIVE", "", false)
		Eventually(func() client.State { return ds.State(ctx, k) }).WithContext(ctx).WithTimeout(steps.Settle).Should(Equal(client.StateActive), "the notified ACTIVE was not applied")
	})

	It("does not apply a redelivered notification twice, even after a newer one", ds.Case("redelivery-applied-once", req.C2PNtf05), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		first := fmt.Sprintf("evt-%s-1", c.Ref)
		networkChanges(ctx, c, k, "SUSPENDED", first, false)
		networkChanges(ctx, c, k, "ACTIVE", "", false)
		// The first event arrives again (a network retry): the card must stay ACTIVE.
		networkChanges(ctx, c, k, "SUSPENDED", first, false)
		Expect(ds.State(ctx, k)).To(Equal(client.StateActive), "a redelivered event was applied again")
		evs := eventsWithID(ctx, first)
		Expect(evs).To(HaveLen(2), "both deliveries are recorded")
		Expect(steps.Applied(evs)).To(Equal(1), "the same event was applied twice")
	})

	It("converges after a refused first delivery", ds.Case("redelivery-converges", req.C2PNtf06), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		id := fmt.Sprintf("evt-%s-r", c.Ref)
		networkChanges(ctx, c, k, "SUSPENDED", id, true)
		Expect(steps.Applied(eventsWithID(ctx, id))).To(Equal(1), "the issuer did not converge on taking the event once")
	})

	It("refuses a token event whose signature does not verify, without applying it", ds.Case("bad-signature-refused", req.C2PSec11), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		id := fmt.Sprintf("evt-%s-s", c.Ref)
		networkChanges(ctx, c, k, "SUSPENDED", id, true)
		attempts := ds.Correlated(ctx, "notifyTokenEvent", journal.Outbound, id)
		Expect(attempts).NotTo(BeEmpty(), "the event was not delivered")
		Expect(attempts[0].Status).To(BeNumerically(">=", 400), "the issuer accepted an event whose X-DFS-C-APP-JWT does not verify (answered %d)", attempts[0].Status)
		Expect(eventsWithID(ctx, id)).To(HaveLen(len(attempts)-1), "the issuer recorded the delivery it should have refused")
	})
})

// relay stands between Discover and the issuer's token event endpoint:
// Discover's genuine, signed deliveries reach it over plain HTTP and it
// forwards each, headers and body unchanged, to the endpoint while
// presenting cert (none when nil) instead of Discover's client
// certificate. Only the missing or foreign certificate can then make the
// issuer refuse. It answers Discover with the issuer's status, or 401 when
// the issuer refused the TLS handshake.
type relay struct {
	srv      *httptest.Server
	mu       sync.Mutex
	answered []string // per forwarded delivery: the issuer's status, or the handshake refusal
	taken    int      // deliveries the issuer answered 2xx
}

func newRelay(endpoint string, cert *tls.Certificate) *relay {
	// The issuer's server certificate is its own: the relay, a stranger,
	// does not judge it.
	tc := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 5 * time.Second}
	r := &relay{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, in *http.Request) {
		body, _ := io.ReadAll(in.Body)
		out, err := http.NewRequestWithContext(in.Context(), in.Method, endpoint+strings.TrimPrefix(in.URL.Path, "/relay"), bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		out.Header = in.Header.Clone()
		resp, err := hc.Do(out)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil {
			r.answered = append(r.answered, "refused: "+err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		defer resp.Body.Close()
		r.answered = append(r.answered, resp.Status)
		if resp.StatusCode < 300 {
			r.taken++
		}
		w.WriteHeader(resp.StatusCode)
	}))
	return r
}

// foreignCertificate is a client certificate of an authority Discover
// never gave the issuer.
func foreignCertificate() *tls.Certificate {
	GinkgoHelper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred(), "making the stranger's key")
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "not Discover"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	Expect(err).NotTo(HaveOccurred(), "making the stranger's certificate")
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

var _ = Describe("Discover's calls to the issuer over mutual TLS", Label("discover"), func() {
	// Serial: the case points Discover's calls at its relay for a while,
	// which would meet other cases' notifications.
	It("takes token events only with Discover's client certificate", ds.Case("token-events-mutual-tls", req.DSSec13), Serial, func(ctx SpecContext) {
		var endpoint *simulator.CallbackTarget
		infos, err := ds.Control().Networks(ctx)
		Expect(err).NotTo(HaveOccurred(), "reading the simulator's callback targets")
		for _, ni := range infos {
			if ni.ID == string(ds.ID) && ni.Callback != nil {
				endpoint = &simulator.CallbackTarget{URL: ni.Callback.URL, InsecureSkipVerify: ni.Callback.InsecureSkipVerify}
			}
		}
		Expect(endpoint).NotTo(BeNil(), "no token event endpoint is registered")
		Expect(endpoint.URL).To(HavePrefix("https://"), "the token event endpoint %s is plain HTTP: Discover calls it over mutual TLS with its client certificate", endpoint.URL)
		restore := simulator.CallbackTarget{URL: endpoint.URL, InsecureSkipVerify: endpoint.InsecureSkipVerify, RetrySchedule: conformance.CallbackRetries, Timeout: conformance.CallbackTimeout}
		DeferCleanup(func(ctx SpecContext) {
			Expect(ds.Control().SetCallback(ctx, string(ds.ID), restore)).To(Succeed(), "registering the issuer's token event endpoint again")
		})

		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		for i, stranger := range []struct {
			what string
			cert *tls.Certificate
		}{{"no client certificate", nil}, {"a client certificate of another authority", foreignCertificate()}} {
			r := newRelay(endpoint.URL, stranger.cert)
			DeferCleanup(r.srv.Close)
			Expect(ds.Control().SetCallback(ctx, string(ds.ID), simulator.CallbackTarget{URL: r.srv.URL + "/relay", RetrySchedule: []time.Duration{}, Timeout: conformance.CallbackTimeout})).To(Succeed(), "pointing Discover's calls at the relay")
			id := fmt.Sprintf("evt-%s-tls%d", c.Ref, i)
			_, _ = ds.Trigger(ctx, "tokenStatusChange", map[string]any{"consumerId": ds.IDs(c).Consumer, "cardId": ds.CardIDs(c, k).Card, "status": "SUSPENDED", "eventId": id})
			Expect(ds.Control().SetCallback(ctx, string(ds.ID), restore)).To(Succeed(), "registering the issuer's token event endpoint again")
			r.mu.Lock()
			answered, taken := append([]string(nil), r.answered...), r.taken
			r.mu.Unlock()
			Expect(answered).NotTo(BeEmpty(), "Discover's delivery did not reach the relay")
			Expect(taken).To(BeZero(), "the issuer took a genuine, signed token event from a connection with %s (%v)", stranger.what, answered)
			Expect(steps.Applied(eventsWithID(ctx, id))).To(BeZero(), "the issuer applied a token event that came with %s", stranger.what)
			Expect(ds.State(ctx, k)).To(Equal(client.StateActive), "the card changed on a token event that came with %s", stranger.what)
		}
		// Discover's own delivery, with its certificate, is taken (whether
		// it is applied is C2P-LCM-12's).
		id := fmt.Sprintf("evt-%s-tls", c.Ref)
		networkChanges(ctx, c, k, "SUSPENDED", id, false)
		attempts := ds.Correlated(ctx, "notifyTokenEvent", journal.Outbound, id)
		Expect(attempts).NotTo(BeEmpty(), "Discover's own token event was not delivered")
		Expect(attempts[len(attempts)-1].Status).To(BeNumerically("<", 300), "the issuer refused Discover's own token event over mutual TLS (answered %d)", attempts[len(attempts)-1].Status)
	})
})
