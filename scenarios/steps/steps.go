// Package steps is the scenario step layer every network's scenarios share:
// consumers and cards unique to a run, process and case; cards taken by
// outcome from the simulator's own test cards (GET /_admin/networks);
// enrolling and acting through the issuer's driver; reading the simulator's
// journal by the identifiers the issuer reported; fault rules that belong to
// one case and are removed after it, whatever its outcome.
//
//	var vi = steps.On(requirements.Visa)
//
//	It("enrols a consumer", vi.Case("enrol-complete", req.C2PEnr01), func(ctx SpecContext) {
//		c := vi.Consumer()
//		k := vi.NewCard(ctx, c, "k1")
//		vi.Enrolled(ctx, c, k)
//		sent := vi.Exchanges(ctx, c, "enrollData")
//		...
//	})
//
// A step that cannot talk to the simulator or the driver ends the case as a
// harness error (verdict "error"), never as a failure of the issuer.
package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/conformance/networks/all"
	"github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// Outcomes every network names the same way among its test cards.
const (
	Approved   = simulator.OutcomeApproved
	AnswerLost = simulator.OutcomeAnswerLost
)

// Wait is how long the issuer is given to reach an operation's outcome.
const Wait = "20s"

// Settle bounds how long a case waits (Eventually) for the issuer's record
// to show what a network call told it; beyond it the case fails.
const Settle = 10 * time.Second

// Net is the step layer for one network's cases.
type Net struct {
	ID requirements.Network
}

// On returns the step layer for network n.
func On(n requirements.Network) *Net { return &Net{ID: n} }

// Case decorates a scenario of this network (see conformance.Case).
func (n *Net) Case(slug string, rs ...*requirements.Requirement) []any {
	return conformance.Case(n.ID, slug, rs...)
}

// SimulatorCheck decorates a simulator check of this network.
func (n *Net) SimulatorCheck(slug string) []any { return conformance.SimulatorCheck(n.ID, slug) }

// Client is the network as the client package names it.
func (n *Net) Client() client.Network { return client.Network(n.ID) }

// Target is this process's target.
func (n *Net) Target() *conformance.Target { return conformance.Current() }

// Driver is the issuer's driver.
func (n *Net) Driver() *conformance.Driver { return conformance.Current().Driver }

// Control is the simulator.
func (n *Net) Control() conformance.Control { return conformance.Current().Control }

// harness ends the case as a harness error when err is not nil.
func harness(err error, what string) {
	if err != nil {
		conformance.HarnessFailure(fmt.Errorf("%s: %w", what, err))
	}
}

var seq atomic.Int64

// runToken sets this run's consumers and cards apart from an earlier run's
// against the same long-lived simulator and issuer; the bundled target
// starts afresh, so there it follows the seed and the journal of a run is
// reproducible.
func runToken() string {
	if t := conformance.Current(); t != nil && t.Name == "bundled" {
		return "b" + strconv.FormatInt(conformance.Settings().Seed, 36)
	}
	id := conformance.Run().ID
	if len(id) > 6 {
		id = id[:6]
	}
	return id
}

// person is the default cardholder of a network's cases.
func (n *Net) person() client.Consumer {
	if n.ID == requirements.Discover {
		return client.Consumer{FirstName: "Grace", LastName: "Hopper", Emails: []string{"grace@example.com"}, Phones: []string{"12025550143"},
			Locale: "en-US", Country: "USA"}
	}
	return client.Consumer{FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"}, Phones: []string{"447700900123"},
		Locale: "en-GB", Country: "GBR"}
}

func (n *Net) address() client.Address {
	if n.ID == requirements.Discover {
		return client.Address{Line1: "1 Navy Way", City: "Arlington", PostalCode: "22201", State: "VA", Country: "USA"}
	}
	return client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}
}

// Consumer returns a cardholder unique to this run, process and case; its
// ref is the harness's name for the person on the driver API (the issuer
// chooses its own identifiers at the network).
func (n *Net) Consumer(change ...func(*client.Consumer)) client.Consumer {
	c := n.person()
	c.Ref = fmt.Sprintf("%s-%s-p%d-c%d", strings.ToLower(n.ID.Prefix()), runToken(), conformance.Process(), seq.Add(1))
	for _, f := range change {
		f(&c)
	}
	return c
}

// Card is consumer c's card ref ("k1") with card number number.
func (n *Net) Card(c client.Consumer, ref, number string) conformance.CardJSON {
	return conformance.CardJSON{Ref: c.Ref + "-" + ref, PAN: number, Expiry: "2031-02", NameOnCard: c.FirstName + " " + c.LastName,
		Network: n.Client(), BillingAddress: n.address()}
}

// NewCard is consumer c's card ref with a fresh card number the network
// approves (FreshNumber).
func (n *Net) NewCard(ctx context.Context, c client.Consumer, ref string) conformance.CardJSON {
	GinkgoHelper()
	return n.Card(c, ref, n.FreshNumber(ctx))
}

// Info is the simulator's description of the network.
func (n *Net) Info(ctx context.Context) simulator.NetworkInfo {
	GinkgoHelper()
	infos := cachedInfo(ctx)
	for _, i := range infos {
		if i.ID == string(n.ID) {
			return i
		}
	}
	conformance.HarnessFailure(fmt.Errorf("the simulator does not mount %s", n.ID))
	return simulator.NetworkInfo{}
}

var (
	infoMu     sync.Mutex
	infoTarget *conformance.Target
	infoCache  []simulator.NetworkInfo
)

func cachedInfo(ctx context.Context) []simulator.NetworkInfo {
	GinkgoHelper()
	infoMu.Lock()
	defer infoMu.Unlock()
	t := conformance.Current()
	if infoTarget != t || infoCache == nil {
		infos, err := t.Control.Networks(ctx)
		harness(err, "reading the simulator's networks")
		infoTarget, infoCache = t, infos
	}
	return infoCache
}

// TestCard is the simulator's test card of an outcome on this network (as
// GET /_admin/networks lists it).
func (n *Net) TestCard(ctx context.Context, outcome string) string {
	GinkgoHelper()
	for _, c := range n.Info(ctx).TestCards {
		if c.Outcome == outcome {
			return c.PAN
		}
	}
	conformance.HarnessFailure(fmt.Errorf("the %s simulator lists no test card of outcome %q", n.ID, outcome))
	return ""
}

// FreshNumber is a card number no other case uses: the network's approved
// test card's BIN and length, digits unique to this run, process and case,
// Luhn-valid, and none of the simulator's outcome cards. The simulator
// approves a card it has no outcome for. Its masked form (first six, last
// four) is unique within the process and shared with no test card, so a
// fault rule can be scoped to it and no issuer can mistake it for another
// card by its last four digits.
func (n *Net) FreshNumber(ctx context.Context) string {
	GinkgoHelper()
	base := n.TestCard(ctx, Approved)
	lastFours := map[string]bool{}
	for _, c := range n.Info(ctx).TestCards {
		lastFours[c.PAN[len(c.PAN)-4:]] = true
	}
	for {
		s := cardSeq.Add(1)
		if s > 999 {
			conformance.HarnessFailure(errors.New("more than 999 fresh card numbers in one process: their last four digits would repeat"))
		}
		// BIN(6) · run digits · adjuster · process(1) · sequence(3)
		run := fmt.Sprintf("%09d", runDigits()%1_000_000_000)
		body := base[:6] + run[:len(base)-6-5]
		tail := fmt.Sprintf("%d%03d", conformance.Process()%10, s)
		if lastFours[tail] {
			continue
		}
		for d := byte('0'); d <= '9'; d++ {
			if cand := body + string(d) + tail; pan.Luhn(cand) {
				return cand
			}
		}
	}
}

// cardSeq numbers this process's fresh card numbers.
var cardSeq atomic.Int64

func runDigits() int64 {
	var h int64 = 7
	for _, r := range runToken() {
		h = h*31 + int64(r)
	}
	if h < 0 {
		h = -h
	}
	return h
}

// Enrol asks the issuer to enrol card k for consumer c.
func (n *Net) Enrol(ctx context.Context, c client.Consumer, k conformance.CardJSON) (*conformance.Operation, error) {
	op, err := n.Driver().Enrol(ctx, "", c, k, false)
	n.learn(c, k, op)
	n.releaseShared(ctx, c, k)
	return op, err
}

// AutoEnrol asks the issuer for an automatic (portfolio) enrolment.
func (n *Net) AutoEnrol(ctx context.Context, c client.Consumer, k conformance.CardJSON) (*conformance.Operation, error) {
	op, err := n.Driver().Enrol(ctx, "", c, k, true)
	n.learn(c, k, op)
	return op, err
}

// Enrolled enrols card k for c and waits for the outcome, which must be
// SUCCEEDED.
func (n *Net) Enrolled(ctx context.Context, c client.Consumer, k conformance.CardJSON) *conformance.Operation {
	GinkgoHelper()
	op, err := n.Enrol(ctx, c, k)
	Expect(err).NotTo(HaveOccurred(), "enrolling %s on %s", k.Ref, n.ID)
	done := n.Wait(ctx, op)
	Expect(done.Status).To(Equal(client.Succeeded), "the enrolment of %s did not succeed: %+v", k.Ref, done.Errors)
	n.learn(c, k, done)
	return done
}

// Wait asks the issuer for the operation's outcome (waiting up to Wait).
func (n *Net) Wait(ctx context.Context, op *conformance.Operation) *conformance.Operation {
	GinkgoHelper()
	done, err := n.Driver().Wait(ctx, "", op, Wait)
	Expect(err).NotTo(HaveOccurred(), "waiting for %s operation %s", n.ID, op.ID)
	return done
}

// Act suspends, resumes or deletes card k and waits for the outcome.
func (n *Net) Act(ctx context.Context, action string, c client.Consumer, k conformance.CardJSON, reason string) (*conformance.Operation, error) {
	GinkgoHelper()
	op, err := n.Driver().CardAction(ctx, "", action, c.Ref, k.Ref, reason)
	if err != nil {
		return op, err
	}
	return n.Wait(ctx, op), nil
}

// Profile is what the network holds for c, as the issuer reads it back.
func (n *Net) Profile(ctx context.Context, c client.Consumer) *client.Profile {
	GinkgoHelper()
	p, err := n.Driver().Profile(ctx, "", n.Client(), c.Ref)
	Expect(err).NotTo(HaveOccurred(), "reading %s's %s profile through the issuer", c.Ref, n.ID)
	return p
}

// Enrolment is the issuer's own record of card k on this network.
func (n *Net) Enrolment(ctx context.Context, k conformance.CardJSON) (client.Enrolment, bool) {
	GinkgoHelper()
	es, err := n.Driver().Enrolments(ctx)
	Expect(err).NotTo(HaveOccurred(), "listing the issuer's enrolments")
	for _, e := range es {
		if e.Network == n.Client() && e.CardRef == k.Ref {
			return e, true
		}
	}
	return client.Enrolment{}, false
}

// State is the issuer's own record of card k's state ("" when it has none).
func (n *Net) State(ctx context.Context, k conformance.CardJSON) client.State {
	GinkgoHelper()
	e, _ := n.Enrolment(ctx, k)
	return e.State
}

// Events are the calls of this network the issuer recorded that match.
func (n *Net) Events(ctx context.Context, match func(client.NetworkEvent) bool) []client.NetworkEvent {
	GinkgoHelper()
	evs, err := n.Driver().Events(ctx)
	Expect(err).NotTo(HaveOccurred(), "listing the network calls the issuer received")
	var out []client.NetworkEvent
	for _, ev := range evs {
		if ev.Network == n.Client() && (match == nil || match(ev)) {
			out = append(out, ev)
		}
	}
	return out
}

// Applied counts the events that were applied (not duplicates).
func Applied(evs []client.NetworkEvent) int {
	k := 0
	for _, ev := range evs {
		if !ev.Duplicate {
			k++
		}
	}
	return k
}

// Refusal is err as the driver's refusal; anything else fails the case.
func Refusal(err error) *conformance.DriverError {
	GinkgoHelper()
	var de *conformance.DriverError
	Expect(errors.As(err, &de)).To(BeTrue(), "expected the issuer to report a refusal, got %v", err)
	return de
}

// ids are the network identifiers the driver's answers reported, by
// consumer and by card.
var (
	idsMu sync.Mutex
	ids   = map[string]conformance.NetworkIDs{}
)

func (n *Net) learn(c client.Consumer, k conformance.CardJSON, op *conformance.Operation) {
	if op == nil {
		return
	}
	got := op.NetworkIDs
	if got.Token == "" {
		got.Token = op.TokenRef
	}
	idsMu.Lock()
	defer idsMu.Unlock()
	if got.Consumer != "" {
		ids[string(n.ID)+"/"+c.Ref] = conformance.NetworkIDs{Consumer: got.Consumer, Owner: got.Owner}
	}
	prev := ids[string(n.ID)+"/"+c.Ref+"/"+k.Ref]
	if got.Card == "" {
		got.Card = prev.Card
	}
	if got.Token == "" {
		got.Token = prev.Token
	}
	ids[string(n.ID)+"/"+c.Ref+"/"+k.Ref] = conformance.NetworkIDs{Card: got.Card, Token: got.Token}
}

// IDs are the identifiers the issuer reported using for consumer c at the
// network; before it reported any, the harness's own ref (and the
// network's owner).
func (n *Net) IDs(c client.Consumer) conformance.NetworkIDs {
	idsMu.Lock()
	got, ok := ids[string(n.ID)+"/"+c.Ref]
	idsMu.Unlock()
	if ok {
		return got
	}
	reg, _ := conformance.LookupNetwork(string(n.ID))
	return conformance.NetworkIDs{Consumer: c.Ref, Owner: reg.Owner}
}

// CardIDs are the identifiers the issuer reported for c's card k (Card,
// Token); before it reported one, the card's identifier is the harness's
// ref.
func (n *Net) CardIDs(c client.Consumer, k conformance.CardJSON) conformance.NetworkIDs {
	idsMu.Lock()
	got := ids[string(n.ID)+"/"+c.Ref+"/"+k.Ref]
	idsMu.Unlock()
	if got.Card == "" {
		got.Card = k.Ref
	}
	return got
}

// Key is the correlation ID the simulator journals c's calls under.
func (n *Net) Key(c client.Consumer) string {
	reg, _ := conformance.LookupNetwork(string(n.ID))
	return reg.Key(n.IDs(c))
}

// Exchanges are the simulator's journal entries of consumer c's calls (of
// operation op, every one when empty), oldest first.
func (n *Net) Exchanges(ctx context.Context, c client.Consumer, op string) []journal.Entry {
	GinkgoHelper()
	return n.Correlated(ctx, op, "", n.Key(c))
}

// Correlated are the journal entries of operation op (every one when
// empty) in direction dir (both when empty) correlated with any of ids,
// oldest first, each once.
func (n *Net) Correlated(ctx context.Context, op string, dir journal.Direction, ids ...string) []journal.Entry {
	GinkgoHelper()
	seen := map[uint64]bool{}
	var out []journal.Entry
	for _, id := range ids {
		es, err := n.Control().Journal(ctx, journal.Query{Network: string(n.ID), OperationID: op, CorrelationID: id, Direction: dir})
		harness(err, "reading the simulator's journal")
		for _, e := range es {
			if !seen[e.Seq] {
				seen[e.Seq] = true
				out = append(out, e)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// CardExchanges are this case's requests to the network (of operation op,
// every one when empty) that carried card number number, oldest first:
// found by the card itself, so also for a request the issuer reported no
// identifiers for (one the network refused).
func (n *Net) CardExchanges(ctx context.Context, number, op string) []journal.Entry {
	GinkgoHelper()
	all := n.Since(ctx, conformance.CaseMark(), journal.Inbound)
	// A request sent again byte for byte is the same request even where
	// the network refused the copy before reading the card (a replayed
	// nonce or request ID): the journal keeps bodies, ciphertext included,
	// as they were sent.
	bodies := map[string]bool{}
	for _, e := range WithCard(all, number) {
		if e.RequestBody != "" {
			bodies[e.RequestBody] = true
		}
	}
	var out []journal.Entry
	m := pan.Mask(number)
	for _, e := range all {
		if (op == "" || e.OperationID == op) && (slices.Contains(e.Cards, m) || bodies[e.RequestBody]) {
			out = append(out, e)
		}
	}
	return out
}

// Valid fails the case unless the simulator found e's request, decrypted
// card data included, valid against the network's document: what the
// journal no longer shows in clear (an expiry) is held to the document's
// format there.
func Valid(e journal.Entry) {
	GinkgoHelper()
	Expect(e.RequestCheck).NotTo(BeNil(), "the %s request was not checked against the document", e.OperationID)
	Expect(e.RequestCheck.OK).To(BeTrue(), "the %s request breaks the document: %v", e.OperationID, e.RequestCheck.Issues)
}

// Object is v as a JSON object, failing the case when it is not one; what
// names v in the failure.
func Object(v any, what string) map[string]any {
	GinkgoHelper()
	m, ok := v.(map[string]any)
	Expect(ok).To(BeTrue(), "%s is not an object: %v", what, v)
	return m
}

// WithCard are the entries that concern card number number.
func WithCard(es []journal.Entry, number string) []journal.Entry {
	var out []journal.Entry
	m := pan.Mask(number)
	for _, e := range es {
		if slices.Contains(e.Cards, m) {
			out = append(out, e)
		}
	}
	return out
}

// Since are the network's journal entries after the mark, oldest first.
func (n *Net) Since(ctx context.Context, mark uint64, dir journal.Direction) []journal.Entry {
	GinkgoHelper()
	es, err := n.Control().Journal(ctx, journal.Query{Network: string(n.ID), AfterSeq: mark, Direction: dir})
	harness(err, "reading the simulator's journal")
	slices.Reverse(es)
	return es
}

// Mark is the sequence number of the newest journal entry.
func (n *Net) Mark(ctx context.Context) uint64 {
	GinkgoHelper()
	es, err := n.Control().Journal(ctx, journal.Query{Limit: 1})
	harness(err, "reading the simulator's journal")
	if len(es) == 0 {
		return 0
	}
	return es[0].Seq
}

// Findings are what the simulator saw the issuer do on this network during
// this case that no network accepts (a card number in clear outside the
// fields that may carry one), masked.
func (n *Net) Findings(ctx context.Context) []simulator.IssuerFinding {
	GinkgoHelper()
	fs, err := n.Control().Findings(ctx, string(n.ID), conformance.CaseMark())
	harness(err, "reading the simulator's findings")
	return fs
}

// LogsMark is where the issuer's log lines stand now; ok is false when the
// issuer does not serve them (GET /info says logs: false, or GET /logs
// answers 501).
func (n *Net) LogsMark(ctx context.Context) (mark uint64, ok bool) {
	GinkgoHelper()
	if info := n.Target().Info; info == nil || !info.Logs {
		return 0, false // the issuer does not offer its log lines (GET /info logs: false)
	}
	_, next, ok, err := n.Driver().Logs(ctx, 1<<62)
	if err != nil {
		conformance.HarnessFailure(fmt.Errorf("reading the issuer's log lines: %w", err))
	}
	return next, ok
}

// LogsSince are the issuer's log lines after mark.
func (n *Net) LogsSince(ctx context.Context, mark uint64) []conformance.LogLine {
	GinkgoHelper()
	lines, _, _, err := n.Driver().Logs(ctx, mark)
	if err != nil {
		conformance.HarnessFailure(fmt.Errorf("reading the issuer's log lines: %w", err))
	}
	return lines
}

// Fault arms a fault rule on this network for this case only: it is
// deleted when the case ends, whatever its outcome. Scope it to the case's
// card where the operation carries one, so no other case meets it; a rule
// that cannot be scoped so is only for a Serial case, which runs alone.
func (n *Net) Fault(ctx context.Context, r fault.Rule) fault.Rule {
	GinkgoHelper()
	if r.Card == "" && !CurrentSpecReport().IsSerial {
		conformance.HarnessFailure(errors.New("a fault rule without a card scope would meet other cases: scope it to the case's card, or make the case Serial"))
	}
	r.Network = string(n.ID)
	stored, err := n.Control().AddFault(ctx, r)
	harness(err, "arming a fault rule")
	DeferCleanup(func(ctx context.Context) {
		// A rule with Times is gone once used up: not finding it is fine.
		_ = conformance.Current().Control.DeleteFault(ctx, stored.ID)
	}, NodeTimeout(10*time.Second))
	return stored
}

// Trigger makes the network call the issuer (see the network's triggers).
func (n *Net) Trigger(ctx context.Context, name string, params map[string]any) (map[string]any, error) {
	return n.Control().Trigger(ctx, string(n.ID), name, params)
}

// Credentials are the simulator's sandbox credentials for the network, by
// name; a credential's key ID is under "<name>#kid".
func (n *Net) Credentials(ctx context.Context) map[string]string {
	GinkgoHelper()
	cs, err := n.Control().Credentials(ctx, string(n.ID))
	harness(err, "reading the simulator's credentials")
	out := map[string]string{}
	for _, c := range cs {
		out[c.Name] = c.Value
		if c.KeyID != "" {
			out[c.Name+"#kid"] = c.KeyID
		}
	}
	return out
}

// Setting is the simulator's current value of one of the network's
// settings ("" when it has no such setting).
func (n *Net) Setting(ctx context.Context, key string) string {
	GinkgoHelper()
	for _, s := range n.Info(ctx).Settings {
		if s.Key == key {
			if s.Value != "" {
				return s.Value
			}
			return s.Default
		}
	}
	return ""
}

// releaseShared deletes, once the case is over, an enrolment of one of the
// simulator's shared test cards: a network that allows one live
// enrolment per card number would refuse the next case's enrolment of it.
func (n *Net) releaseShared(ctx context.Context, c client.Consumer, k conformance.CardJSON) {
	shared := false
	for _, tc := range n.Info(ctx).TestCards {
		shared = shared || tc.PAN == k.PAN
	}
	if !shared {
		return
	}
	d := *n.Driver()
	d.OnBroken = nil // a cleanup that cannot reach the issuer changes no verdict
	DeferCleanup(func(ctx context.Context) {
		if del, err := d.CardAction(ctx, "", "delete", c.Ref, k.Ref, "CARDHOLDER_REQUEST"); err == nil {
			_, _ = d.Wait(ctx, "", del, Wait)
		}
	}, NodeTimeout(30*time.Second))
}
