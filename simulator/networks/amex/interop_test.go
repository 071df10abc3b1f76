package amex_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/client/amex/mac"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/networks/amex"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// sdkEnv names a checkout of amex-api-java-client-core (see
// client/amex/mac/interop_test.go); without it or a JDK the test skips.
const sdkEnv = "C2PSIM_AMEX_SDK_DIR"

func javaSDKHeaders(t *testing.T) func(url, method string, body []byte, id, secret string) []string {
	t.Helper()
	dir := os.Getenv(sdkEnv)
	javac, err := exec.LookPath("javac")
	if err != nil || dir == "" {
		t.Skipf("set %s to a checkout of amex-api-java-client-core and put a JDK on PATH to run this test (javac: %v)", sdkEnv, err)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip(err)
	}
	src := filepath.Join(dir, "src/main/java/io/aexp/api/client/core")
	var files []string
	for _, g := range []string{"security/*.java", "security/authentication/*.java", "configuration/*.java"} {
		m, _ := filepath.Glob(filepath.Join(src, g))
		files = append(files, m...)
	}
	driver, _ := filepath.Abs("../../../client/amex/mac/testdata/interop/C2psimInterop.java")
	out := t.TempDir()
	if b, err := exec.Command(javac, append([]string{"-d", out}, append(files, driver)...)...).CombinedOutput(); err != nil {
		t.Fatalf("compiling the SDK's HmacAuthProvider: %v\n%s", err, b)
	}
	return func(url, method string, body []byte, id, secret string) []string {
		t.Helper()
		cmd := exec.Command(java, "-cp", out, "io.aexp.api.client.core.security.authentication.C2psimInterop", "headers", id, secret, url, method)
		cmd.Stdin = bytes.NewReader(body)
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("java C2psimInterop: %v", err)
		}
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
}

// Requests signed by the Token Service SDK itself (its HmacAuthProvider:
// Authorization, x-amex-api-key and x-amex-request-id) are accepted by the
// simulator on the real clock, for a POST with a body and a GET without.
func TestInteropRequestsSignedByTheJavaSDK(t *testing.T) {
	sign := javaSDKHeaders(t)
	srv := simtest.Start(t, simtest.Options{Networks: []string{amex.ID}})
	creds := map[string]simulator.Credential{}
	for _, c := range srv.Sim.Credentials(amex.ID) {
		creds[c.Name] = c
	}
	key, _ := jwe.ParseKey(creds["encryption-key"].Value)
	// The SDK's own shape: no field of c2psim's.
	plain := `{"account_type":"credit_card","credit_card":{"account_number":"371111111111111","expiry_month":12,"expiry_year":2030},"billing_address":{"postal_code":"11111"}}`
	acct, err := jwe.Encrypt([]byte(plain), creds["encryption-key"].KeyID, key)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{
		"user_data":            map[string]any{"phone": "+0011112224444", "name": "first|middle|last", "email": "cm@example.com"},
		"risk_assessment_data": map[string]any{"account_input_method": "On File"},
		"account_data":         acct,
	})

	do := func(method, path string, body []byte) (int, map[string]any) {
		t.Helper()
		u := srv.URL + base + path
		h := sign(u, method, body, creds["api-key"].Value, creds["mac-secret"].Value)
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, _ := http.NewRequest(method, u, rd)
		req.Header.Set(mac.HeaderAuthorization, h[0])
		req.Header.Set(mac.HeaderAPIKey, h[1])
		req.Header.Set(mac.HeaderRequestID, h[2])
		req.Header.Set(mac.HeaderTokenRequesterID, creds["token-requester-id"].Value)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	status, out := do("POST", "/tokens/provisioning", body)
	if status != 200 || out["token_status"] != "ACTIVE" {
		t.Fatalf("enrol signed by the SDK: %d %v", status, out)
	}
	tok, _ := out["token_ref_id"].(string)
	if status, out := do("GET", "/tokens/"+tok+"/status", nil); status != 200 || out["token_status"] != "ACTIVE" {
		t.Fatalf("status signed by the SDK: %d %v", status, out)
	}
	// The SDK is handed the URL with its query and signs the path alone.
	if status, out := do("GET", "/tokens/"+tok+"/metadata?view=full", nil); status != 200 || out["token_status"] != "ACTIVE" {
		t.Fatalf("metadata with a query string signed by the SDK: %d %v", status, out)
	}
	lc, _ := json.Marshal(map[string]string{"token_ref_id": tok, "notification_type": "suspend"})
	if status, out := do("POST", "/tokens/notifications", lc); status != 200 || out["token_status"] != "SUSPENDED" {
		t.Fatalf("suspend signed by the SDK: %d %v", status, out)
	}
}
