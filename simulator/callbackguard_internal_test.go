package simulator

import (
	"net/netip"
	"strings"
	"testing"
)

// The connection-time check sees the address a name resolved to.
func TestCallbackDialControlChecksResolvedAddresses(t *testing.T) {
	p := callbackPolicy{}
	for addr, says := range map[string]string{
		"169.254.169.254:80":  "metadata",
		"[fe80::1%eth0]:80":   "link-local",
		"10.0.0.1:443":        "private range 10.0.0.0/8",
		"[fd12::1]:443":       "private range fc00::/7",
		"100.100.100.200:80":  "metadata",
		"[::ffff:10.0.0.1]:1": "private",
	} {
		if err := p.dialControl("tcp", addr, nil); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("dial %s: %v, want an error naming %q", addr, err, says)
		}
	}
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80", "93.184.215.14:443", "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443"} {
		if err := p.dialControl("tcp", addr, nil); err != nil {
			t.Errorf("dial %s: %v", addr, err)
		}
	}
	allowed := callbackPolicy{allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	if err := allowed.dialControl("tcp", "10.9.9.9:80", nil); err != nil {
		t.Errorf("allowed range: %v", err)
	}
	if err := allowed.dialControl("tcp", "192.168.1.1:80", nil); err == nil {
		t.Error("a range not allowed was allowed")
	}
}
