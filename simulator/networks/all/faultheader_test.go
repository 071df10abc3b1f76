package all_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// The fault header is held to the checks of a fault rule: on every
// operation of every network, a status the operation does not declare is a
// 400 naming the statuses it does declare, and no handler runs; a fault rule
// asking for the same status is refused alike.
func TestFaultHeaderNeverAnswersAnUndeclaredStatus(t *testing.T) {
	for _, id := range simulator.Registered() {
		t.Run(id, func(t *testing.T) {
			real, err := simulator.NewNetwork(id)
			if err != nil {
				t.Fatal(err)
			}
			calls := &atomic.Int64{}
			srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&counting{Network: real, calls: calls, trustAll: true}}})
			for _, o := range operations(t, real) {
				for _, status := range []int{409, 418, 451, 502, 599} {
					if o.op.Responses.Status(status) != nil {
						continue
					}
					req, _ := http.NewRequest(o.method, srv.URL+o.path, nil)
					req.Header.Set("X-C2PSim-Fault", "status="+strconv.Itoa(status))
					resp, err := srv.Client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 400 || !strings.Contains(string(b), "declared: ") || !strings.Contains(string(b), "X-C2PSim-Fault") {
						t.Errorf("%s %s (%s) with status=%d: %d %.300s, want 400 naming the declared statuses", o.method, o.path, o.id, status, resp.StatusCode, b)
					}
					if _, err := srv.Sim.AddFault(fault.Rule{Network: id, Operation: o.id, Status: status}); err == nil {
						t.Errorf("%s: a rule for undeclared status %d was accepted", o.id, status)
					}
				}
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("%d requests with an undeclared fault status reached a handler", n)
			}
		})
	}
}
