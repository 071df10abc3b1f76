package discover_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/simulator/networks/discover"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// The token request is a closed form (additionalProperties: false): a field
// the document does not declare is a 400 naming it, as in a JSON body.
func TestTokenRequestRefusesUndeclaredFormFields(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{discover.ID}})
	creds := map[string]string{}
	for _, c := range srv.Sim.Credentials(discover.ID) {
		creds[c.Name] = c.Value
	}
	token := func(form string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/discover/auth/oauth/v2/token", strings.NewReader(form))
		req.SetBasicAuth(creds["client-id"], creds["client-secret"])
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, form := range []string{"grant_type=client_credentials&colour=red", "grant_type=client_credentials&scope=x&client_secret=leaked"} {
		field := form[strings.LastIndex(form, "&")+1 : strings.LastIndex(form, "=")]
		if status, body := token(form); status != 400 || !strings.Contains(body, field) {
			t.Errorf("%s: %d %s, want 400 naming %s", form, status, body, field)
		}
	}
	for _, form := range []string{"grant_type=client_credentials", "grant_type=client_credentials&scope=enrolment"} {
		if status, body := token(form); status != 200 {
			t.Errorf("%s: %d %s", form, status, body)
		}
	}
	if status, body := token("grant_type=password"); status != 400 {
		t.Errorf("grant_type=password: %d %s", status, body)
	}
}
