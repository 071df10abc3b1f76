package mastercard_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const interopDir = "../../../client/mastercard/testdata/interop"

// A request signed by Mastercard's own npm signer (mastercard-oauth1-signer,
// pinned in client/mastercard/testdata/interop) is accepted by the simulator.
func TestInteropSimulatorAcceptsMastercardNodeSigner(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(interopDir, "node_modules", "mastercard-oauth1-signer", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("interoperability prerequisites missing under CI (run make interop-deps): %v", err)
		}
		t.Skipf("node or node_modules missing (run make interop-deps): %v", err)
	}
	srv, c := start(t)
	der, _ := x509.MarshalPKCS8PrivateKey(c.signer.Key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	for i, method := range []string{"RSA-SHA256", "RSA-PSS"} {
		body := c.body([]string{"5186001700008785", "2223001850114872"}[i])
		in, _ := json.Marshal(map[string]any{
			"uri": srv.URL + path, "method": "POST", "payload": string(body), "consumerKey": c.signer.ConsumerKey,
			"privateKeyPem": string(keyPEM), "signatureMethod": method, "timestamp": srv.Clock.Now().Unix(),
		})
		cmd := exec.Command(node, "oauth1.js")
		cmd.Dir = interopDir
		cmd.Stdin = bytes.NewReader(in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node oauth1.js: %v", err)
		}
		var res struct{ Header string }
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatal(err)
		}
		a := c.send(body, func(r *http.Request, _ []byte) { r.Header.Set("Authorization", res.Header) })
		if a.status != 200 {
			t.Fatalf("%s: simulator refused the library's header: %d %s", method, a.status, a.raw)
		}
	}
}
