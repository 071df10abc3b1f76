package mac

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SDKEnv names a checkout of github.com/americanexpress/amex-api-java-client-core
// (tested at commit e28b3c1). With it and a JDK on PATH, the interoperability
// tests compile the SDK's own HmacAuthProvider with testdata/interop/C2psimInterop.java
// and check our signer and verifier against it; without them they skip.
const SDKEnv = "C2PSIM_AMEX_SDK_DIR"

// amexSDK compiles the SDK's authentication classes and the driver, and
// returns a function running the driver with args and stdin.
func amexSDK(t *testing.T) func(stdin string, args ...string) []string {
	t.Helper()
	dir := os.Getenv(SDKEnv)
	javac, err := exec.LookPath("javac")
	if err != nil || dir == "" {
		t.Skipf("set %s to a checkout of amex-api-java-client-core and put a JDK on PATH to run this test (javac: %v)", SDKEnv, err)
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
	driver, _ := filepath.Abs("testdata/interop/C2psimInterop.java")
	out := t.TempDir()
	cmd := exec.Command(javac, append([]string{"-d", out}, append(files, driver)...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compiling the SDK's HmacAuthProvider: %v\n%s", err, b)
	}
	return func(stdin string, args ...string) []string {
		t.Helper()
		cmd := exec.Command(java, append([]string{"-cp", out, "io.aexp.api.client.core.security.authentication.C2psimInterop"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("java C2psimInterop %v: %v: %s", args, err, stderr.String())
		}
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
}

// For fixed nonces and timestamps our header equals the SDK's byte for byte,
// and our verifier accepts headers the SDK made with its own nonce and clock.
func TestInteropAmexJavaSDK(t *testing.T) {
	sdk := amexSDK(t)
	const id, secret = "c2psim-client", "c2psim-secret-0123456789"
	for _, c := range []struct {
		method, rawURL, body string
	}{
		{"POST", "https://api.qasb.americanexpress.com/payments/digital/v2/tokens/provisioning", `{"user_data":{"name":"Ada||Lovelace"},"account_data":"eyJ.a.b.c.d"}`},
		{"GET", "https://api.qasb.americanexpress.com:443/payments/digital/v2/tokens/AXTR1/status", ""},
		{"POST", "http://127.0.0.1:8080/amex/payments/digital/v2/tokens/notifications", `{"token_ref_id":"AXTR1","notification_type":"delete"}`},
		{"PUT", "http://LocalHost/amex/payments/digital/v2/consumers/cm-1", "{\"user_data\":{\"name\":\"Zoë||Ünal\"}}"},
	} {
		u, _ := url.Parse(c.rawURL)
		path, host, port, err := Target(u)
		if err != nil {
			t.Fatal(err)
		}
		want := sdk(c.body, "fixed", id, secret, path, host, strconv.Itoa(port), c.method, "0b6c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "1767225600000")[0]
		got, err := Compute(id, secret, c.method, u, []byte(c.body), "1767225600000", "0b6c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e")
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			t.Errorf("%s %s:\n ours %s\n  sdk %s", c.method, c.rawURL, got, want)
		}

		h := sdk(c.body, "headers", id, secret, c.rawURL, c.method)
		if len(h) != 3 || h[1] != id {
			t.Fatalf("SDK headers %q", h)
		}
		v := &Verifier{Secrets: func(k string) (string, bool) { return secret, k == id }, Window: time.Hour}
		if _, err := v.Verify(h[0], c.method, u, []byte(c.body)); err != nil {
			t.Errorf("%s %s: our verifier refuses the SDK's header %s: %v", c.method, c.rawURL, h[0], err)
		}
	}
}
