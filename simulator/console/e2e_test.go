package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/conformance"
	_ "github.com/c2psim/c2psim/conformance/networks/all"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

var (
	updateScreenshot = flag.Bool("update-screenshot", false, "write the README's screenshot of the console to testdata/console.png")
	viewShots        = flag.String("screenshots", "", "write a screenshot of each view, as the test leaves it, into this directory")
)

// shot writes the page as it is to the -screenshots directory, if any.
func (b *browser) shot(name string) {
	b.t.Helper()
	if *viewShots != "" {
		b.screenshot(filepath.Join(*viewShots, name+".png"), true)
	}
}

// chromium finds the browser; under CI its absence fails the test.
func chromium(t *testing.T) string {
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (.ci/run installs it: apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium to run the console's end-to-end test")
	return ""
}

// browser is one headless Chromium tab on the console, with the checks the
// test makes at every step.
type browser struct {
	t     *testing.T
	ctx   context.Context
	cards []string // every card number the simulator knows in full: none may show
	amex  simulator.CallbackTarget
}

func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// until polls a JavaScript expression in the page until it is truthy.
func (b *browser) until(what, expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		dom, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText.slice(0, 3000) + "\n" + document.getElementById("problem").textContent`))
		b.t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, dom)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %.80s: %v", expr, err)
	}
	return v
}

// choose picks a value in a select, as a person would (the change event
// fires).
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	if !eval[bool](b, fmt.Sprintf(`(() => { const s = document.querySelector(%q); if (![...s.options].some(o => o.value === %q)) return false;
		s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, value, value)) {
		b.t.Fatalf("%s has no option %q", sel, value)
	}
}

var digitRun = regexp.MustCompile(`[0-9]{12,19}`)

// leaks lists the full card numbers the page holds: any card the
// simulator knows, or any Luhn-valid run of 13 to 19 digits, in the DOM
// (hidden parts included) or in a form field's value; masked.
func (b *browser) leaks() []string {
	b.t.Helper()
	dom := eval[string](b, `document.documentElement.outerHTML + "\n" + [...document.querySelectorAll("input, select, textarea")].map(e => e.value).join("\n")`)
	var out []string
	for _, c := range b.cards {
		if strings.Contains(dom, c) {
			out = append(out, pan.Mask(c))
		}
	}
	for _, run := range digitRun.FindAllString(dom, -1) {
		if len(run) >= 13 && pan.Luhn(run) {
			out = append(out, pan.Mask(run))
		}
	}
	return out
}

// scan fails the test when the page holds a full card number.
func (b *browser) scan(step string) {
	b.t.Helper()
	if l := b.leaks(); len(l) > 0 {
		b.t.Errorf("%s: the page holds full card numbers: %v", step, l)
	}
}

// open starts headless Chromium with a fresh profile and one tab.
func open(t *testing.T, ctx context.Context, bin string) *browser {
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(bin),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1360, 820))
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	return &browser{t: t, ctx: tab}
}

// With an admin token the console says it needs it; opened once with the
// token in the fragment, it keeps it for the tab (a reload still works) and
// takes it out of the address.
func TestConsoleWithAdminToken(t *testing.T) {
	bin := chromium(t)
	srv := simtest.Start(t, simtest.Options{Admin: simulator.AdminOptions{Token: "s3cret-token"}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	b := open(t, ctx, bin)
	b.run("opening without the token", chromedp.Navigate(srv.URL+"/_admin/#journal"))
	b.until("the page asking for its token", `document.getElementById("problem").textContent.includes("needs its token") && document.getElementById("problem").textContent.includes("#token=")`)
	b.run("opening with the token", chromedp.Navigate(srv.URL+"/_admin/#token=s3cret-token"))
	b.until("the journal read with the token", `document.getElementById("j-count").textContent.includes("shown") && document.getElementById("problem").hidden`)
	if addr := eval[string](b, `location.href`); strings.Contains(addr, "s3cret") {
		t.Errorf("the token stays in the address: %s", addr)
	}
	b.run("reloading", chromedp.Navigate(srv.URL+"/_admin/#state"), chromedp.Reload())
	b.until("the state read with the kept token", `document.querySelector("#networks tbody tr") !== null && document.getElementById("problem").hidden`)
}

func ada(ref string) client.Consumer {
	return client.Consumer{Ref: ref, FirstName: "Ada", LastName: "Lovelace", Emails: []string{ref + "@example.com"},
		Phones: []string{"16504005555"}, Locale: "en-US", Country: "USA"}
}

func cardOf(ref, number string) conformance.CardJSON {
	return conformance.CardJSON{Ref: ref, PAN: number, Expiry: "2029-12", NameOnCard: "Ada Lovelace",
		BillingAddress: client.Address{Line1: "1 Main St", City: "London", PostalCode: "N1", Country: "GBR"}}
}

// The console, driven in headless Chromium against a simulator and the
// bundled issuer: an enrolment through the bundled client appears in the
// journal, opens into its timeline with the decrypted card masked, a fault
// rule made in the form fails the next call (and an undeclared status is
// refused with the declared ones), a trigger's callback shows, the state,
// callbacks and conformance views work, and no full card number is in the
// page at any step.
func TestConsoleInChromium(t *testing.T) {
	bin := chromium(t)
	target, err := conformance.Bundled(conformance.BundledOptions{Networks: []string{"amex", "discover", "mastercard", "visa"}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	b := open(t, ctx, bin)
	b.cards = []string{"5186001700008785", "5186001700009726"}
	sim := target.Control.(conformance.InProcess).Sim
	for _, n := range sim.Info() {
		for _, c := range n.TestCards {
			b.cards = append(b.cards, c.PAN)
		}
	}

	// 1. The console opens and reads the simulator.
	b.run("opening the console", chromedp.Navigate(target.SimURL+"/_admin/#journal"))
	b.until("the health line", `document.getElementById("health").textContent.includes("4 networks")`)
	b.scan("opened")
	// The scan sees a card number wherever the page holds one.
	eval[bool](b, `(() => { const p = document.createElement("p"); p.id = "planted"; p.hidden = true; p.textContent = "card 5186001700008785 and 4000000000070005"; document.body.append(p); return true; })()`)
	if l := strings.Join(b.leaks(), " "); !strings.Contains(l, "518600******8785") || !strings.Contains(l, "400000******0005") {
		t.Fatalf("the scan found %q in a page holding two card numbers", l)
	}
	eval[bool](b, `(() => { document.getElementById("planted").remove(); return true; })()`)
	b.scan("scan checked")

	// 2. An enrolment through the bundled client appears in the journal.
	dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
	defer dcancel()
	op, err := target.Driver.Enrol(dctx, "console-e2e", ada("console-ada"), cardOf("card-a", "5186001700008785"), false)
	if err != nil || op.Status != client.Succeeded {
		t.Fatalf("enrolling through the bundled client: %+v %v", op, err)
	}
	putCard := `[...document.querySelectorAll("#journal tbody tr")].find(r => r.dataset.operation === "putCard" && r.dataset.status === "200")`
	b.until("the enrolment in the journal", putCard)
	b.scan("enrolled")

	// 3. It opens into its timeline: the decrypted card, masked; the
	// verdicts; the callbacks Mastercard made; copy as curl.
	seq := eval[string](b, putCard+`.dataset.seq`)
	b.run("opening the exchange", chromedp.Click(chromedp.CSS(`#journal tbody tr[data-seq="`+seq+`"]`)))
	b.until("the decrypted card, masked", `[...document.querySelectorAll("#exchange pre.plaintext")].some(p => p.textContent.includes("primaryAccountNumber") && p.textContent.includes("518600******8785"))`)
	b.until("the verdicts", `document.querySelector("#exchange .verdicts").textContent.includes("✓ authentication")`)
	b.until("the callbacks in the timeline", `[...document.querySelectorAll("#exchange table.timeline tr")].some(r => r.dataset.operation === "authorizeService" && r.dataset.status === "200" && r.textContent.includes("attempt 1"))`)
	b.run("copying as curl", chromedp.Click(chromedp.CSS(`#exchange button.copy-curl`)))
	b.until("the curl command", `(() => { const p = document.querySelector("#exchange pre.curl"); return p && !p.hidden && p.textContent.startsWith("curl -X POST '`+target.SimURL+`/mastercard/") && p.textContent.includes("--data-binary"); })()`)
	b.scan("exchange opened")

	// 4. A fault rule from the form: an undeclared status is refused with
	// the statuses the operation declares; a declared one fails the next
	// call.
	b.run("opening faults", chromedp.Navigate(target.SimURL+"/_admin/#faults"))
	b.until("the fault form", `document.getElementById("f-network").options.length > 1`)
	b.choose("#f-network", "mastercard")
	b.choose("#f-operation", "putCard")
	b.run("an undeclared status", chromedp.SendKeys(chromedp.ID("f-status"), "418"), chromedp.Click(chromedp.ID("f-add")))
	b.until("the refusal naming the declared statuses", `(() => { const r = document.getElementById("f-result"); return r.className === "bad" && r.textContent.includes("418") && r.textContent.includes("503"); })()`)
	b.run("a declared status", chromedp.SetValue(chromedp.ID("f-status"), ""), chromedp.SendKeys(chromedp.ID("f-status"), "503"),
		chromedp.SendKeys(chromedp.ID("f-code"), "UNAVAILABLE"), chromedp.SendKeys(chromedp.ID("f-times"), "1"), chromedp.Click(chromedp.ID("f-add")))
	b.until("the rule in force", `[...document.querySelectorAll("#faults tbody tr")].some(r => r.textContent.includes("mastercard / putCard") && r.textContent.includes("status 503"))`)
	b.scan("fault added")
	b.shot("faults")
	// The bundled client retries a 503, so the enrolment succeeds on its
	// second call; the first one failed with the rule.
	if op, err := target.Driver.Enrol(dctx, "console-e2e-2", ada("console-bob"), cardOf("card-b", "5186001700009726"), false); err != nil {
		t.Fatalf("enrolling after the fault: %+v %v", op, err)
	}
	b.run("back to the journal", chromedp.Navigate(target.SimURL+"/_admin/#journal"))
	b.choose("#j-status", "5xx")
	b.until("the call the rule failed", `[...document.querySelectorAll("#journal tbody tr")].some(r => r.dataset.operation === "putCard" && r.dataset.status === "503" && r.textContent.includes("fault"))`)
	b.choose("#j-status", "")
	b.scan("fault hit")
	// The other filters: direction, network, operation, each alone.
	rows := `[...document.querySelectorAll("#journal tbody tr")]`
	b.choose("#j-direction", "outbound")
	b.until("the callbacks alone", rows+`.length > 0 && `+rows+`.every(r => r.dataset.direction === "outbound")`)
	b.choose("#j-direction", "inbound")
	b.until("the issuer's calls alone", rows+`.some(r => r.dataset.operation === "putCard") && `+rows+`.every(r => r.dataset.direction === "inbound")`)
	b.choose("#j-direction", "")
	b.choose("#j-network", "amex")
	b.until("American Express's exchanges alone", rows+`.every(r => r.dataset.network === "amex") && document.getElementById("j-count").textContent === `+rows+`.length + " shown"`)
	b.choose("#j-network", "mastercard")
	b.until("Mastercard's exchanges alone", rows+`.length > 0 && `+rows+`.every(r => r.dataset.network === "mastercard")`)
	b.until("Mastercard's operations to choose from", `[...document.getElementById("j-operation").options].some(o => o.value === "putCard")`)
	b.choose("#j-operation", "putCard")
	b.until("putCard alone", rows+`.length >= 3 && `+rows+`.every(r => r.dataset.operation === "putCard")`)
	b.choose("#j-operation", "")
	b.choose("#j-network", "")

	// 5. State: the enrolled card, found by its last four digits.
	b.run("opening state", chromedp.Navigate(target.SimURL+"/_admin/#state"), chromedp.SendKeys(chromedp.ID("s-q"), "518600******8785"))
	b.until("the card in state", `(() => { const rows = [...document.querySelectorAll("#state tbody tr")]; return rows.length === 1 && rows[0].textContent.includes("518600******8785") && rows[0].textContent.includes("ACTIVE"); })()`)
	b.scan("state")
	b.shot("state")

	// 6. A trigger for that card: the token requestor suspends it; the
	// callback goes out and the issuer's answer shows.
	b.run("choosing the card's triggers", chromedp.Click(chromedp.CSS(`#state tbody tr button:nth-of-type(2)`)))
	b.until("the trigger form with the card chosen", `document.getElementById("t-network").value === "mastercard" && document.getElementById("t-card").selectedOptions[0].textContent.includes("518600******8785")`)
	b.choose("#t-trigger", "tokenStatusChange")
	b.choose("#t-example", "0")
	b.until("the token filled from the card", `document.querySelector('#t-params input[name="tokenUniqueReference"]').value.startsWith("DM4MMC")`)
	b.run("firing", chromedp.Click(chromedp.ID("t-fire")))
	b.until("the trigger's answer", `document.getElementById("t-answer").textContent.includes('"SUSPENDED"')`)
	b.until("the callback it sent", `[...document.querySelectorAll("#t-callbacks tbody tr")].some(r => r.dataset.operation === "notifyTokenUpdated" && r.dataset.status === "200")`)
	b.scan("trigger fired")
	b.shot("triggers")
	requestID := eval[string](b, `JSON.parse(document.getElementById("t-answer").textContent).requestId`)
	// A redelivery of that notification: the variant's requestId comes
	// from the answer.
	b.choose("#t-example", "3")
	b.until("the requestId from the answer", `document.querySelector('#t-params input[name="requestId"]').value === "`+requestID+`" && document.querySelector('#t-params select[name="redeliver"]').value === "true"`)
	b.run("redelivering", chromedp.Click(chromedp.ID("t-fire")))
	b.until("the redelivery's answer", `(() => { const a = document.getElementById("t-answer"); return a.classList.contains("ok") && a.textContent.includes('"requestId": "`+requestID+`"'); })()`)
	b.until("the notification sent again", `[...document.querySelectorAll("#t-callbacks tbody tr")].some(r => r.dataset.operation === "notifyTokenUpdated" && r.dataset.status === "200")`)
	// A misrouted notification: encrypted to another key, the issuer
	// refuses it.
	b.choose("#t-example", "4")
	b.run("misrouting", chromedp.Click(chromedp.ID("t-fire")))
	b.until("the refusal reported", `document.getElementById("t-answer").textContent.includes("encrypted to another key")`)
	b.until("the misrouted notification", `document.querySelectorAll("#t-callbacks tbody tr").length > 0 && [...document.querySelectorAll("#t-callbacks tbody tr")].every(r => r.textContent.includes("notifyTokenUpdated"))`)
	b.scan("redelivered and misrouted")

	// The activation code of a token enrolled on the yellow path.
	if op, err := target.Driver.Enrol(dctx, "console-e2e-y", ada("console-dee"), cardOf("card-y", "5186001700003000"), false); err != nil {
		t.Fatalf("enrolling on the yellow path: %+v %v", op, err)
	}
	b.run("the yellow card's triggers", chromedp.Navigate(target.SimURL+"/_admin/#state"))
	eval[bool](b, `(() => { const i = document.getElementById("s-q"); i.value = "518600******3000"; i.dispatchEvent(new Event("input")); return true; })()`)
	b.until("the inactive token", `(() => { const r = [...document.querySelectorAll("#state tbody tr")]; return r.length === 1 && r[0].textContent.includes("518600******3000") && r[0].textContent.includes("INACTIVE"); })()`)
	b.run("its triggers", chromedp.Click(chromedp.CSS(`#state tbody tr button:nth-of-type(2)`)))
	b.until("the card chosen", `document.getElementById("t-card").selectedOptions[0].textContent.includes("518600******3000")`)
	b.choose("#t-trigger", "enterActivationCode")
	b.run("entering the code", chromedp.Click(chromedp.ID("t-fire")))
	b.until("the token activated", `document.getElementById("t-answer").textContent.includes('"ACTIVE"')`)
	b.until("the activation's callbacks", `[...document.querySelectorAll("#t-callbacks tbody tr")].some(r => r.dataset.operation === "notifyTokenUpdated" && r.dataset.status === "200")`)
	b.scan("activated")
	b.run("state again", chromedp.Navigate(target.SimURL+"/_admin/#state"))
	eval[bool](b, `(() => { const i = document.getElementById("s-q"); i.value = "518600******8785"; i.dispatchEvent(new Event("input")); return true; })()`)
	b.until("the card suspended", `[...document.querySelectorAll("#state tbody tr")].some(r => r.textContent.includes("518600******8785") && r.textContent.includes("SUSPENDED"))`)
	b.run("the card's exchanges", chromedp.Click(chromedp.CSS(`#state tbody tr button:nth-of-type(1)`)))
	b.until("the journal filtered by the card's token", `document.getElementById("j-correlation").value.startsWith("DM4MMC") &&
		[...document.querySelectorAll("#journal tbody tr")].some(r => r.textContent.includes("notifyTokenUpdated")) &&
		[...document.querySelectorAll("#journal tbody tr")].every(r => r.textContent.includes(document.getElementById("j-correlation").value.slice(0, 12)))`)
	eval[bool](b, `(() => { const i = document.getElementById("j-correlation"); i.value = ""; i.dispatchEvent(new Event("input")); return true; })()`)
	b.choose("#j-network", "")

	// The README's picture, which the test takes every time: the journal
	// with the enrolment open, its timeline holding the trigger's
	// notification too (it carries the token the enrolment created).
	b.run("the enrolment again", chromedp.Navigate(target.SimURL+"/_admin/#journal/"+seq))
	b.until("its timeline with the notification", `[...document.querySelectorAll("#exchange table.timeline tr")].some(r => r.textContent.includes("notifyTokenUpdated"))`)
	b.scan("timeline")
	// Beside the open exchange, the journal's list shows every column
	// without a scroll bar at the common widths.
	for _, w := range []int64{1280, 1366, 1440, 1920} {
		b.run("resizing", chromedp.EmulateViewport(w, 820))
		b.until(fmt.Sprintf("every column of the journal at %d px", w), `(() => { const l = document.querySelector("#view-journal .list"), t = document.getElementById("journal");
			const x = document.getElementById("exchange");
			return t.tBodies[0].rows.length > 0 && l.clientWidth > 0 && l.scrollWidth <= l.clientWidth && t.getBoundingClientRect().right <= l.getBoundingClientRect().right + 1 &&
				x.scrollWidth <= x.clientWidth; })()`)
	}
	b.run("resizing", chromedp.EmulateViewport(1360, 820))
	b.screenshot(filepath.Join("testdata", "console.png"), *updateScreenshot)

	// 7. Callbacks: an American Express notification the issuer could not
	// take becomes a dead letter; redelivered once the issuer is back, it
	// arrives.
	b.run("opening callbacks", chromedp.Navigate(target.SimURL+"/_admin/#callbacks"))
	b.until("the empty outbox", `document.querySelector("#outbox tbody").textContent.includes("no callback is waiting")`)
	b.deadLetter(dctx, target)
	b.until("the dead letter", `document.querySelector('#outbox tr[data-state="dead"]') && document.querySelector('#outbox tr[data-state="dead"]').textContent.includes("notifyTokenStatus")`)
	b.scan("dead letter")
	b.shot("callbacks")
	b.restoreAmexCallbacks(target)
	b.run("redelivering", chromedp.Click(chromedp.CSS(`#outbox tr[data-state="dead"] button.redeliver`)))
	b.until("the redelivery queued", `document.getElementById("c-result").textContent.includes("queued again")`)
	b.until("the outbox empty again", `document.querySelector("#outbox tbody").textContent.includes("no callback is waiting")`)
	b.run("its attempts in the journal", chromedp.Navigate(target.SimURL+"/_admin/#journal"))
	b.choose("#j-network", "amex")
	b.choose("#j-direction", "outbound")
	// The bundled issuer acknowledges an American Express notification with 204.
	b.until("the delivered notification", `[...document.querySelectorAll("#journal tbody tr")].some(r => r.dataset.operation === "notifyTokenStatus" && r.dataset.status === "204")`)
	b.choose("#j-network", "")
	b.choose("#j-direction", "")
	b.scan("redelivered")

	// 8. Conformance: a report whose failed case links to its exchanges in
	// this journal.
	run := b.reportOf(target, seq)
	b.run("opening conformance", chromedp.Navigate(target.SimURL+"/_admin/#conformance"),
		chromedp.SetUploadFiles(chromedp.ID("report-dir"), []string{run}))
	b.until("the matrix", `document.querySelector('#matrix tr[data-req="C2P-ENR-01"]') !== null`)
	b.run("opening the failed case", chromedp.Click(chromedp.CSS(`#matrix a.case[data-verdict="failed"]`)))
	b.until("its exchanges, the driver call and the journal entry", `document.querySelector('#case-detail tr.evidence[data-seq="`+seq+`"]') !== null &&
		document.querySelector('#case-detail tr.evidence[data-flow="harness → issuer"]') !== null`)
	if txt := eval[string](b, `document.getElementById("report").innerText`); strings.Contains(txt, "null") || strings.Contains(txt, "undefined") {
		t.Errorf("the report view shows a missing value as text:\n%s", txt)
	}
	b.scan("report loaded")
	b.shot("conformance")
	b.run("following the evidence", chromedp.Click(chromedp.CSS(`#case-detail tr.evidence[data-seq="`+seq+`"]`)))
	b.until("the exchange in the journal", `location.hash === "#journal/`+seq+`" && document.querySelector("#exchange h2") && document.querySelector("#exchange h2").textContent.startsWith("#`+seq+` ")`)
	b.scan("evidence followed")
	// report.json alone: the case says where its exchanges are.
	b.run("report.json alone", chromedp.Navigate(target.SimURL+"/_admin/#conformance"),
		chromedp.SetUploadFiles(chromedp.ID("report-file"), []string{filepath.Join(run, "report.json")}))
	b.until("the report loaded alone", `document.getElementById("report").textContent.includes("report.json alone")`)
	b.run("its failed case", chromedp.Click(chromedp.CSS(`#matrix a.case[data-verdict="failed"]`)))
	b.until("where its exchanges are", `document.querySelector("#case-detail .exchanges-title").textContent.includes("cases/MC.enrol/exchanges.json")`)
}

// deadLetter makes an American Express token status notification a dead
// letter: the issuer suspends a card while its callback URL leads nowhere
// and its notifications are given up after 300 ms.
func (b *browser) deadLetter(ctx context.Context, target *conformance.Target) {
	b.t.Helper()
	if op, err := target.Driver.Enrol(ctx, "console-e2e-ax", ada("console-cy"), cardOf("card-x", "378282246310005"), false); err != nil || op.Status != client.Succeeded {
		b.t.Fatalf("enrolling an American Express card: %+v %v", op, err)
	}
	sim := target.Control.(conformance.InProcess).Sim
	b.amex = sim.CallbackTarget("amex")
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	t := b.amex
	t.URL = gone.URL
	t.Retry = simulator.RetryPolicy{Initial: 10 * time.Millisecond, Max: 20 * time.Millisecond, Deadline: 300 * time.Millisecond}
	if err := sim.SetCallbackTarget("amex", t); err != nil {
		b.t.Fatal(err)
	}
	if op, err := target.Driver.CardAction(ctx, "console-e2e-ax", "suspend", "console-cy", "card-x", "LOST"); err != nil {
		b.t.Fatalf("suspending the card: %+v %v", op, err)
	}
}

// restoreAmexCallbacks points American Express's callbacks at the issuer
// again.
func (b *browser) restoreAmexCallbacks(target *conformance.Target) {
	b.t.Helper()
	if err := target.Control.(conformance.InProcess).Sim.SetCallbackTarget("amex", b.amex); err != nil {
		b.t.Fatal(err)
	}
}

// reportOf writes the package of a run against this simulator (as
// c2pconform run --out writes it) with one failed case whose evidence is a
// driver call and the journal entry seq, and returns its folder.
func (b *browser) reportOf(target *conformance.Target, seq string) string {
	b.t.Helper()
	var h struct {
		Version   string `json:"version"`
		Seed      int64  `json:"seed"`
		StartedAt string `json:"startedAt"`
	}
	resp, err := target.HTTP.Get(target.SimURL + "/_admin/health")
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		b.t.Fatal(err)
	}
	exchanges := []conformance.Exchange{{N: 1, Flow: conformance.FlowHarnessIssuer, Operation: "enrol", Method: "POST", URL: "/driver/enrolments", Status: 200,
		Time: time.Now().Add(-time.Second)}}
	for _, e := range target.Control.(conformance.InProcess).Sim.Journal().Find(journal.Query{Network: "mastercard"}) {
		if fmt.Sprint(e.Seq) == seq {
			exchanges = append(exchanges, conformance.Exchange{N: 2, Flow: conformance.FlowIssuerSimulator, Time: e.Time, LatencyMs: e.LatencyMillis,
				Network: e.Network, Operation: e.OperationID, Method: e.Method, URL: e.URL, Status: e.Status, Seq: e.Seq,
				CorrelationIDs: e.CorrelationIDs, Auth: e.Auth, RequestCheck: e.RequestCheck, ResponseCheck: e.ResponseCheck, Cards: e.Cards,
				RequestHeader: e.RequestHeader, RequestBody: e.RequestBody, RequestPlain: e.RequestPlain,
				ResponseHeader: e.ResponseHeader, ResponseBody: e.ResponseBody, ResponsePlain: e.ResponsePlain})
		}
	}
	if len(exchanges) != 2 {
		b.t.Fatalf("journal entry %s not found", seq)
	}
	r := &conformance.Report{Format: conformance.ReportFormat, Outcome: "failed", ExitCode: 1, MustFailed: 1,
		Run: conformance.RunInfo{ID: "console-e2e", Target: "external", Version: h.Version, Started: time.Now().Add(-time.Minute), Finished: time.Now(),
			Simulator: conformance.SimulatorInfo{URL: target.SimURL, Version: h.Version, Seed: h.Seed, StartedAt: h.StartedAt}},
		Summary: map[string]conformance.Counts{"mastercard": {Failed: 1}, "total": {Failed: 1}},
		Requirements: []conformance.RequirementResult{{ID: "C2P-ENR-01", Network: "mastercard", Level: "MUST", Title: "enrols a card",
			InScope: true, Verdict: conformance.Failed, Cases: []string{"MC.enrol"}}},
		Scenarios: []conformance.Scenario{{Case: "MC.enrol", Name: "enrols a card", Network: "mastercard", Requirements: []string{"C2P-ENR-01"},
			Verdict: conformance.Failed, Failure: &conformance.Failure{Message: "the issuer did something wrong"}, Exchanges: exchanges}},
	}
	dir := filepath.Join(b.t.TempDir(), "reports")
	if err := conformance.WritePackage(dir, r, nil, time.Now()); err != nil {
		b.t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cases", "MC.enrol", "exchanges.json")); err != nil {
		b.t.Fatalf("the package's evidence: %v", err)
	}
	return dir
}

// screenshot takes the visible page as a PNG, and writes it to path when
// write is true (go test ./simulator/console -args -update-screenshot).
func (b *browser) screenshot(path string, write bool) {
	b.t.Helper()
	shot, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || img.Bounds().Dx() < 800 {
		b.t.Fatalf("screenshot: %v", err)
	}
	if !write {
		return
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
