package discover

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client/discover/secondfactor"
	"github.com/c2psim/c2psim/conformance"
	"github.com/c2psim/c2psim/internal/pemkey"
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

// token asks for an access token as the developer guide says (scope, the
// API plan, HTTP Basic client authentication with the given secret).
func token(ctx context.Context, creds map[string]string, secret string) (int, map[string]any) {
	r, _ := http.NewRequest(http.MethodPost, "/", nil)
	r.SetBasicAuth(url.QueryEscape(creds["client-id"]), url.QueryEscape(secret))
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {creds["scope"]}}
	return post(ctx, "/auth/oauth/v2/token", "application/x-www-form-urlencoded", form.Encode(),
		map[string]string{"Authorization": r.Header.Get("Authorization"), "X-DFS-API-PLAN": creds["api-plan"]})
}

var _ = Describe("Discover refusals", Label("discover"), func() {
	It("refuses a token request with the wrong client secret", ds.SimulatorCheck("wrong-client-secret"), func(ctx SpecContext) {
		status, body := token(ctx, ds.Credentials(ctx), "not-the-client-secret")
		Expect(status).To(Equal(401), "a wrong client secret was accepted")
		Expect(body).To(HaveKeyWithValue("code", "1001"), "the refusal says code 1001")
	})

	It("refuses card data sent in clear", ds.SimulatorCheck("clear-card-refused"), func(ctx SpecContext) {
		creds := ds.Credentials(ctx)
		sampleCard := ds.FreshNumber(ctx)
		status, tok := token(ctx, creds, creds["client-secret"])
		Expect(status).To(Equal(200), "the token call: %v", tok)
		c := ds.Consumer()
		body := `{"consumer":{"consumerId":"` + c.Ref + `","firstName":"G","lastName":"H","email":"g@example.com","phone":"12025550143","locale":"en-US","country":"USA"},` +
			`"card":{"cardId":"` + c.Ref + `-k1","encryptedCard":"` + sampleCard + `-2031-02-Grace-Hopper"}}`
		key, err := pemkey.ParsePrivate(creds["partner-signing-private-key"])
		Expect(err).NotTo(HaveOccurred(), "the partner signing key the simulator hands out")
		jwt, err := secondfactor.Sign(key, creds["partner-signing-private-key#kid"], []byte(body), time.Now())
		Expect(err).NotTo(HaveOccurred(), "building the request")
		status, refusal := post(ctx, "/dci/clicktopay/v1/enrolments", "application/json", body, map[string]string{
			"Authorization": "Bearer " + tok["access_token"].(string), "X-DFS-API-PLAN": creds["api-plan"], "X-Request-ID": uuid(),
			"Cache-Control": "no-store", "Accept": "application/json", secondfactor.HeaderJWT: jwt})
		Expect(status).To(Equal(400), "card data in clear was accepted")
		Expect(refusal).To(HaveKeyWithValue("code", "10004"), "Discover's cryptographic error")
		Expect(refusal["message"]).To(ContainSubstring("never a card number in clear"), "the refusal says why")
		Expect(refusal["message"]).NotTo(ContainSubstring(sampleCard), "the refusal echoed the card number")
		Expect(ds.Exchanges(ctx, c, "")).To(HaveLen(1), "the refused enrolment must be journalled, and nothing else")
	})
})

// uuid is a random (version 4) UUID: a fresh X-Request-ID.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
