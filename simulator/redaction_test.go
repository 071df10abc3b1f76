package simulator_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/c2psim/c2psim/simulator"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Card numbers reach the simulator in bodies, headers, query strings, error
// paths and card-scoped fault rules; none may come back out unmasked through
// the journal, the logs or any admin answer.
func TestNoCardNumberLeavesUnmasked(t *testing.T) {
	const pan1, pan2 = "5186001700008785", "4111111145551140" // the second fails Luhn, as Visa's own sample does
	var logs syncBuffer
	sim, err := simulator.New(simulator.Options{
		Networks: []string{}, Extra: []simulator.Network{&artNet{}}, Seed: 1,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	send := func(method, path, body string, hdr ...string) string {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var answers []string
	key := []string{"X-Test-Key", "k", "X-Card-Ref", pan1}
	answers = append(answers,
		send("POST", "/art/api/v1/art?pan="+pan2, `{"binRange":"518600","artUri":"https://x/`+pan1+`","cvc":"123"}`, key...),
		send("POST", "/art/api/v1/art", `{"binRange":"`+pan1+`","artUri":"x"}`, key...),
		send("GET", "/art/api/v1/art/"+pan2, "", key...),
		send("POST", "/art/api/v1/art", `{"binRange":`, "X-Test-Key", "wrong", "Authorization", "Bearer "+pan1),
		send("POST", "/_admin/faults", `{"network":"art","card":"`+pan1+`","status":400}`),
		send("GET", "/_admin/journal", ""),
		send("GET", "/_admin/state", ""),
		send("GET", "/nowhere/"+pan1, ""),
	)
	everything := strings.Join(answers, "\n") + "\n" + logs.String()
	for _, p := range []string{pan1, pan2} {
		if i := strings.Index(everything, p); i >= 0 {
			t.Logf("context: %q", everything[max(0, i-200):min(len(everything), i+50)])
			t.Errorf("full card number %s found in journal, logs or admin answers", p)
		}
	}
	if !strings.Contains(everything, "518600******8785") {
		t.Error("masked form missing: the test did not exercise the journal")
	}
	if strings.Contains(answers[5], `"123"`) {
		t.Error("CVC journalled")
	}
}
