package visa_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/simulator/simtest"
)

// Trigger parameters that cannot make a call are the caller's mistake: 400
// naming the parameter, not 502 (which says the issuer's side failed).
func TestTriggerInputErrorsAre400(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}})
	for _, c := range []struct{ trigger, body, says string }{
		{"enrollmentAttempt", `{"signature":"bogus"}`, "signature"},
		{"enrollmentAttempt", `{"panLast4":"12"}`, "panLast4"},
		{"enrollmentAttempt", `{"accountNumber":"5186001700008785"}`, "not a Visa card"},
		{"registerInOtherProduct", `{}`, "externalConsumerID"},
		{"approveProvisioning", `{}`, "accountNumber"},
		{"approveProvisioning", `{"accountNumber":"4111111145551140","encryption":"odd"}`, "encryption"},
		{"registerInOtherProduct", `{"externalConsumerID":"c1","externalConsumerIDOwnerBID":"B1","product":"CLICK_TO_PAY"}`, "product"},
		{"registerInOtherProduct", `{"externalConsumerID":"c1","externalConsumerIDOwnerBID":"B1","accountNumber":"5186001700008785"}`, "accountNumber"},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/_admin/networks/visa/triggers/"+c.trigger, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), c.says) {
			t.Errorf("%s %s: %d %s, want 400 naming %q", c.trigger, c.body, resp.StatusCode, b, c.says)
		}
	}
}
