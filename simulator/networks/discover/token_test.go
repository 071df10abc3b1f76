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
// the document does not declare is a 400 naming it, as in a JSON body. The
// form-body client credentials are declared, but only instead of HTTP
// Basic, never beside it.
func TestTokenRequestRefusesUndeclaredFormFields(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{discover.ID}})
	creds := map[string]string{}
	for _, c := range srv.Sim.Credentials(discover.ID) {
		creds[c.Name] = c.Value
	}
	scope := "&scope=" + creds["scope"]
	token := func(form string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/discover/auth/oauth/v2/token", strings.NewReader(form))
		req.SetBasicAuth(creds["client-id"], creds["client-secret"])
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-DFS-API-PLAN", creds["api-plan"])
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for form, want := range map[string]struct {
		status int
		says   string
	}{
		"grant_type=client_credentials" + scope + "&colour=red":      {400, "colour"},
		"grant_type=client_credentials" + scope + "&client_secret=x": {401, "not both"},
		"grant_type=client_credentials":                              {400, "scope"},
		"grant_type=password" + scope:                                {400, "grant_type"},
	} {
		if status, body := token(form); status != want.status || !strings.Contains(body, want.says) {
			t.Errorf("%s: %d %s, want %d naming %s", form, status, body, want.status, want.says)
		}
	}
	if status, body := token("grant_type=client_credentials" + scope); status != 200 {
		t.Errorf("a well-formed token request: %d %s", status, body)
	}
}
