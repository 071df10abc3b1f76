package mastercard_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"testing"

	"github.com/c2psim/c2psim/internal/nodeinterop"
)

const interopDir = "../../../client/mastercard/testdata/interop"

// A request signed by Mastercard's own npm signer (mastercard-oauth1-signer,
// pinned in client/mastercard/testdata/interop) is accepted by the simulator.
func TestInteropSimulatorAcceptsMastercardNodeSigner(t *testing.T) {
	node := nodeinterop.Require(t, interopDir, "mastercard-oauth1-signer")
	srv, c := start(t)
	der, _ := x509.MarshalPKCS8PrivateKey(c.signer.Key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for i, method := range []string{"RSA-SHA256", "RSA-PSS"} {
		body := c.body([]string{"5186001700008785", "2223001850114872"}[i])
		var res struct{ Header string }
		err := nodeinterop.Run(node, interopDir, map[string]any{
			"uri": srv.URL + path, "method": "POST", "payload": string(body), "consumerKey": c.signer.ConsumerKey,
			"privateKeyPem": string(keyPEM), "signatureMethod": method, "timestamp": srv.Clock.Now().Unix(),
		}, &res, "oauth1.js")
		if err != nil {
			t.Fatal(err)
		}
		a := c.send(body, func(r *http.Request, _ []byte) { r.Header.Set("Authorization", res.Header) })
		if a.status != 200 {
			t.Fatalf("%s: simulator refused the library's header: %d %s", method, a.status, a.raw)
		}
	}
}
