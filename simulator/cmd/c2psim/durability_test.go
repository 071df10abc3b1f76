package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	axclient "github.com/c2psim/c2psim/client/amex"
	dsclient "github.com/c2psim/c2psim/client/discover"
	"github.com/c2psim/c2psim/client/pan"
	dsnet "github.com/c2psim/c2psim/conformance/networks/discover"
	"github.com/c2psim/c2psim/simulator"
)

// These tests start the real c2psim binary, load it, kill it with SIGKILL
// and start it again: what a deployment does to it.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// binary builds c2psim once for the package's tests with the profile this
// test binary was built with (default.pgo under go test's default, none
// under -pgo=off): a benchmark then compares a server and a bound built
// alike.
func binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "c2psim-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "c2psim")
		out, err := exec.Command("go", "build", "-o", binPath, "-pgo="+pgoOfThisBinary(), ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("building c2psim: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// pgoOfThisBinary is the profile this binary was built with, as go build's
// -pgo takes it: its path, or off.
func pgoOfThisBinary() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-pgo" && s.Value != "" {
				return s.Value
			}
		}
	}
	return "off"
}

// proc is one running c2psim.
type proc struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
	out  *strings.Builder
}

func startProc(t testing.TB, args ...string) *proc { return startPinned(t, -1, args...) }

// startPinned starts c2psim on CPU core cpu (taskset) when cpu >= 0.
func startPinned(t testing.TB, cpu int, args ...string) *proc {
	t.Helper()
	argv := append([]string{binary(t), "--addr", "127.0.0.1:0", "--networks", "amex", "--log-level", "warn"}, args...)
	if cpu >= 0 {
		argv = append([]string{"taskset", "-c", strconv.Itoa(cpu)}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{}), out: &strings.Builder{}}
	var mu sync.Mutex
	cmd.Stderr = writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return p.out.Write(b) })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "admin" {
				base <- strings.TrimSuffix(f[1], "/_admin/")
			}
		}
	}()
	select {
	case p.base = <-base:
	case <-p.done:
		t.Fatalf("c2psim exited at start: %s", p.out)
	case <-time.After(2 * time.Minute):
		t.Fatalf("c2psim did not start: %s", p.out)
	}
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// kill sends SIGKILL: no shutdown code runs.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// admin calls the admin API and decodes a JSON answer into out.
func (p *proc) admin(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, p.base+"/_admin"+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// credentials are the credentials the process hands out for network.
func (p *proc) credentials(t testing.TB, network string) []simulator.Credential {
	t.Helper()
	var creds struct {
		Items []simulator.Credential `json:"items"`
	}
	if st := p.admin(t, http.MethodGet, "/networks/"+network+"/credentials", nil, &creds); st != http.StatusOK {
		t.Fatalf("%s credentials: %d", network, st)
	}
	return creds.Items
}

// amex builds the bundled American Express adapter from the credentials
// the process hands out.
func (p *proc) amex(t testing.TB) *axclient.Adapter {
	t.Helper()
	creds := p.credentials(t, "amex")
	by := map[string]simulator.Credential{}
	for _, c := range creds {
		by[c.Name] = c
	}
	key, err := base64.StdEncoding.DecodeString(by["encryption-key"].Value)
	if err != nil {
		t.Fatalf("encryption key: %v", err)
	}
	a, err := axclient.New(axclient.Config{BaseURL: p.base + "/amex/payments/digital/v2", APIKey: by["api-key"].Value,
		MACKeyID: by["mac-key-id"].Value, Secret: by["mac-secret"].Value, EncryptionKeyID: by["encryption-key"].KeyID,
		EncryptionKey: key, TokenRequesterID: by["token-requester-id"].Value,
		HTTPClient: &http.Client{Timeout: 20 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// issuer is the issuer's notification endpoint: it answers 503 while down
// and records the token of every notification it accepts.
type issuer struct {
	srv  *httptest.Server
	down atomic.Bool // answer 503
	hang atomic.Bool // answer nothing for 3 s (longer than the attempt timeout)
	sink client.MemorySink
}

func newIssuer(t *testing.T, a *axclient.Adapter) *issuer {
	t.Helper()
	iss, err := client.New(client.WithAdapter(a))
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{}
	h := http.StripPrefix("/callbacks", iss.CallbackHandler(nil, &is.sink))
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if is.hang.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			http.Error(w, "too late", http.StatusServiceUnavailable)
			return
		}
		if is.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) url() string { return is.srv.URL + "/callbacks/amex" }

// notified returns the tokens notified, and how many times each ID came.
func (is *issuer) notified() (tokens map[string]bool, perID map[string]int) {
	tokens, perID = map[string]bool{}, map[string]int{}
	for _, ev := range is.sink.Events() {
		tokens[ev.TokenRef] = true
		perID[ev.ID]++
	}
	return tokens, perID
}

func amexCard(i int) client.Card {
	partial := fmt.Sprintf("3790%010d", 4000000+i)
	number := partial + string(pan.LuhnCheckDigit(partial))
	return client.Card{Ref: fmt.Sprintf("card-%d", i), PAN: pan.MustParse(number), Expiry: client.Expiry{Year: 2031, Month: 2},
		NameOnCard: "Ada Lovelace", BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
}

func amexConsumer(i int) client.Consumer {
	return client.Consumer{Ref: fmt.Sprintf("cm-%d", i), FirstName: "Ada", LastName: "Lovelace", Emails: []string{"ada@example.com"},
		Phones: []string{"447700900123"}, Locale: "en-GB", Country: "GBR"}
}

// answered is what the issuer saw acknowledged before the kill.
type answered struct {
	mu        sync.Mutex
	enrolled  map[string]bool // token refs
	suspended map[string]bool
}

func (a *answered) snapshot() (enrolled, suspended []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k := range a.enrolled {
		enrolled = append(enrolled, k)
	}
	for k := range a.suspended {
		suspended = append(suspended, k)
	}
	return enrolled, suspended
}

// load enrols and suspends cards from several workers until stop closes,
// recording every write the simulator answered.
func load(ctx context.Context, a *axclient.Adapter, workers, from int, rec *answered, stop <-chan struct{}) *sync.WaitGroup {
	return untilStopped(workers, from, stop, func(i int) {
		op, err := a.EnrolCard(ctx, amexConsumer(i), amexCard(i))
		if err != nil || op.TokenRef == "" {
			return // not answered (the process was killed, or refused): nothing to keep
		}
		rec.mu.Lock()
		rec.enrolled[op.TokenRef] = true
		rec.mu.Unlock()
		if _, err := a.SuspendCard(ctx, client.CardAction{ConsumerRef: amexConsumer(i).Ref, Card: amexCard(i), TokenRef: op.TokenRef, Reason: "LOST"}); err != nil {
			return
		}
		rec.mu.Lock()
		rec.suspended[op.TokenRef] = true
		rec.mu.Unlock()
	})
}

// untilStopped runs work from several workers, each time with the next
// number after from, until stop closes.
func untilStopped(workers, from int, stop <-chan struct{}, work func(i int)) *sync.WaitGroup {
	var wg sync.WaitGroup
	var next atomic.Int64
	next.Store(int64(from))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				work(int(next.Add(1)))
			}
		}()
	}
	return &wg
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// discoverCard is a fresh Discover card (6011 range, outside the test
// cards' numbers).
func discoverCard(i int) client.Card {
	partial := fmt.Sprintf("6011%011d", 50000000+i)
	c := amexCard(i)
	c.Ref, c.PAN = fmt.Sprintf("ds-card-%d", i), pan.MustParse(partial+string(pan.LuhnCheckDigit(partial)))
	return c
}

// discover builds the bundled Discover adapter from the credentials the
// process hands out.
func (p *proc) discover(t testing.TB) *dsclient.Adapter {
	t.Helper()
	creds := p.credentials(t, "discover")
	a, err := dsnet.New(creds, p.base+"/discover", &http.Client{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// enrolAsync enrols Discover cards from several workers until stop closes,
// recording every accepted (asynchronous) enrolment.
func enrolAsync(ctx context.Context, a *dsclient.Adapter, workers int, mu *sync.Mutex, ops map[string]*client.Operation, stop <-chan struct{}) *sync.WaitGroup {
	return untilStopped(workers, 0, stop, func(i int) {
		op, err := a.EnrolCard(ctx, amexConsumer(100000+i), discoverCard(i))
		if err != nil || op.ID == "" {
			return
		}
		mu.Lock()
		ops[op.ID] = op
		mu.Unlock()
	})
}

// Kill -9 under load loses no answered write and no callback, and every
// asynchronous operation accepted before the kill completes after the
// restart.
func TestKilledUnderLoadLosesNoAnsweredWriteAndNoCallback(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real binary several times")
	}
	dir := t.TempDir()
	ctx := context.Background()
	// Discover completes an enrolment 10 s after accepting it: the ones
	// accepted shortly before the kill are pending when it lands.
	args := []string{"--data-dir", dir, "--networks", "amex,discover", "--set", "discover.asyncDelay=10s"}
	p := startProc(t, args...)
	a, ds := p.amex(t), p.discover(t)
	is := newIssuer(t, a)
	is.down.Store(true) // every notification is refused until after the restart
	if st := p.admin(t, http.MethodPut, "/networks/amex/callback", map[string]any{"url": is.url(), "timeout": "2s"}, nil); st != http.StatusOK {
		t.Fatalf("callback target: %d", st)
	}

	rec := &answered{enrolled: map[string]bool{}, suspended: map[string]bool{}}
	var opsMu sync.Mutex
	ops := map[string]*client.Operation{}
	stop := make(chan struct{})
	wg := load(ctx, a, 3, 0, rec, stop)
	wgAsync := enrolAsync(ctx, ds, 2, &opsMu, ops, stop)
	waitUntil(t, 2*time.Minute, "30 suspensions and 10 asynchronous enrolments answered", func() bool {
		_, s := rec.snapshot()
		opsMu.Lock()
		defer opsMu.Unlock()
		return len(s) >= 30 && len(ops) >= 10
	})
	p.kill() // while the workers are still writing
	close(stop)
	wg.Wait()
	wgAsync.Wait()
	enrolled, suspended := rec.snapshot()

	p = startProc(t, args...)
	a, ds = p.amex(t), p.discover(t) // the same credentials: they were kept
	for _, tok := range enrolled {
		st, err := a.TokenStatus(ctx, tok)
		if err != nil {
			t.Errorf("answered enrolment of token %s lost: %v", tok, err)
			continue
		}
		if rec.suspended[tok] && st != "SUSPENDED" {
			t.Errorf("answered suspension of token %s lost: it is %s", tok, st)
		}
	}
	var outbox []simulator.Delivery
	p.admin(t, http.MethodGet, "/outbox?state=pending", nil, &outbox)
	if len(outbox) < len(suspended) {
		t.Errorf("after the restart %d notifications are pending, want at least the %d answered suspensions", len(outbox), len(suspended))
	}
	// Every accepted enrolment is known after the restart; some are still
	// pending (they were when the process died), and all complete.
	pendingAfter := 0
	for id, op := range ops {
		got, err := ds.GetOperation(ctx, op)
		if err != nil {
			t.Fatalf("accepted enrolment %s lost: %v", id, err)
		}
		if got.Status == client.Pending {
			pendingAfter++
		}
	}
	if pendingAfter == 0 {
		t.Fatalf("none of the %d accepted enrolments was still pending after the restart: the test proves nothing about pending operations", len(ops))
	}
	waitUntil(t, 2*time.Minute, "every accepted enrolment completed", func() bool {
		for _, op := range ops {
			got, err := ds.GetOperation(ctx, op)
			if err != nil || got.Status != client.Succeeded {
				return false
			}
		}
		return true
	})
	is.down.Store(false)
	waitUntil(t, 2*time.Minute, "every answered suspension notified", func() bool {
		tokens, _ := is.notified()
		for _, tok := range suspended {
			if !tokens[tok] {
				return false
			}
		}
		return true
	})
	var journal struct {
		Entries []struct {
			Direction string            `json:"direction"`
			Method    string            `json:"method"`
			Notes     map[string]string `json:"notes"`
		} `json:"entries"`
	}
	p.admin(t, http.MethodGet, "/journal?direction=event", nil, &journal)
	if len(journal.Entries) != 2 {
		t.Fatalf("the journal shows %d starts (%+v), want two", len(journal.Entries), journal.Entries)
	}
	restart := journal.Entries[0] // newest first
	if restart.Method != "RESTART" || restart.Notes["event"] != "restarted" || restart.Notes["restoredEntries"] == "0" ||
		restart.Notes["pendingTasks"] == "0" || restart.Notes["pendingCallbacks"] == "0" {
		t.Errorf("the journal's second start %+v does not show a restart with the first's exchanges, pending operations and callbacks", restart)
	}
	t.Logf("%d enrolments and %d suspensions answered before SIGKILL, all kept, all %d notifications delivered after the restart; "+
		"%d asynchronous enrolments accepted, %d still pending after the restart, all completed; restart entry %v",
		len(enrolled), len(suspended), len(suspended), len(ops), pendingAfter, restart.Notes)
}
