package discover

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/conformance"
)

// These scenarios act as a misbehaving client on purpose, straight against
// the simulator, to show what a mistaken integration gets back.

func post(ctx context.Context, path, ctype, body string, hdr map[string]string) (int, map[string]any) {
	t := conformance.Current()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, t.SimURL+"/discover"+path, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred(), "building the request")
	r.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	resp, err := t.HTTP.Do(r)
	if err != nil {
		conformance.HarnessFailure(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

var _ = Describe("Discover refusals", Label("discover"), func() {
	It("refuses a token request with the wrong client secret", ds.SimulatorCheck("wrong-client-secret"), func(ctx SpecContext) {
		creds := ds.Credentials(ctx)
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		r.SetBasicAuth(creds["client-id"], "not-the-client-secret")
		status, body := post(ctx, "/auth/oauth/v2/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
			map[string]string{"Authorization": r.Header.Get("Authorization")})
		Expect(status).To(Equal(401))
		Expect(body).To(HaveKeyWithValue("code", "1001"))
	})

	It("refuses card data sent in clear", ds.SimulatorCheck("clear-card-refused"), func(ctx SpecContext) {
		creds := ds.Credentials(ctx)
		sampleCard := ds.FreshNumber(ctx)
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		r.SetBasicAuth(creds["client-id"], creds["client-secret"])
		status, tok := post(ctx, "/auth/oauth/v2/token", "application/x-www-form-urlencoded", "grant_type=client_credentials",
			map[string]string{"Authorization": r.Header.Get("Authorization")})
		Expect(status).To(Equal(200))
		c := ds.Consumer()
		body := `{"consumer":{"consumerId":"` + c.Ref + `","firstName":"G","lastName":"H","email":"g@example.com","phone":"12025550143","locale":"en-US","country":"USA"},` +
			`"card":{"cardId":"` + c.Ref + `-k1","encryptedCard":"` + sampleCard + `-2031-02-Grace-Hopper"}}`
		status, refusal := post(ctx, "/dci/clicktopay/v1/enrolments", "application/json", body, map[string]string{
			"Authorization": "Bearer " + tok["access_token"].(string), "x-dfs-api-plan": creds["api-plan"], "x-dfs-c-app-cert": creds["app-secret"]})
		Expect(status).To(Equal(400))
		Expect(refusal["message"]).To(ContainSubstring("must be encrypted"))
		Expect(refusal["message"]).NotTo(ContainSubstring(sampleCard), "the refusal echoed the card number")
		Expect(ds.Exchanges(ctx, c, "")).To(HaveLen(1), "the refused enrolment must be journalled, and nothing else")
	})
})
