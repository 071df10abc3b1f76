package simulator

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// PrivateNetworks are the address ranges a callback may reach only when
// Options.CallbackNetworks (c2psim --callback-allow) lists them: RFC 1918,
// shared address space (RFC 6598) and IPv6 unique local addresses. Issuer
// test servers on a company or container network live here; so do routers
// and internal services a callback URL must not be pointed at by accident.
var PrivateNetworks = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("fc00::/7"),
}

// metadataHosts are cloud instance metadata names; their addresses
// (169.254.169.254, fd00:ec2::254, 100.100.100.200) are refused too.
var metadataHosts = map[string]bool{
	"metadata":                   true,
	"metadata.google.internal":   true,
	"metadata.goog":              true,
	"instance-data":              true,
	"instance-data.ec2.internal": true,
}

var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
}

// callbackPolicy decides which addresses callbacks may reach: public and
// loopback addresses, private ones listed in allow; never link-local,
// multicast, unspecified or cloud metadata addresses.
type callbackPolicy struct{ allow []netip.Prefix }

var errCallbackAddress = errors.New("callback address refused")

// checkAddr reports why a callback may not connect to ip, or nil.
func (p callbackPolicy) checkAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, m := range metadataAddrs {
		if ip == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", errCallbackAddress, ip)
		}
	}
	switch {
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return fmt.Errorf("%w: %s is a link-local address", errCallbackAddress, ip)
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast(), ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return fmt.Errorf("%w: %s is not a unicast address", errCallbackAddress, ip)
	case ip.IsLoopback():
		return nil
	}
	for _, a := range p.allow {
		if a.Contains(ip) {
			return nil
		}
	}
	for _, priv := range PrivateNetworks {
		if priv.Contains(ip) {
			return fmt.Errorf("%w: %s is in the private range %s; allow it with --callback-allow %s (or --callback-allow private)", errCallbackAddress, ip, priv, priv)
		}
	}
	return nil
}

// checkURL checks a callback URL as given: scheme, a host, and a host that is
// not a refused address or metadata name. Names are resolved only when a
// callback connects (see dialControl).
func (p callbackPolicy) checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("callback URL %q must start with http:// or https://", raw)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return fmt.Errorf("callback URL %q has no host", raw)
	}
	if metadataHosts[host] {
		return fmt.Errorf("%w: %s is a cloud metadata host", errCallbackAddress, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return p.checkAddr(ip)
	}
	return nil
}

// dialControl refuses a connection to a refused address after name
// resolution, so a name that resolves (or is rebound) to one is refused too.
func (p callbackPolicy) dialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s is not an IP address", errCallbackAddress, address)
	}
	return p.checkAddr(ap.Addr())
}

// clients returns the HTTP clients callbacks use (one verifying TLS, one
// accepting any certificate for targets with InsecureSkipVerify), both
// refusing what the policy refuses, also after a redirect.
func (p callbackPolicy) clients() (strict, insecure *http.Client) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	// Callbacks connect directly (no HTTP_PROXY), so the address checked is
	// the address connected to.
	base.Proxy = nil
	base.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.dialControl}).DialContext
	redirect := func(r *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return p.checkURL(r.URL.String())
	}
	loose := base.Clone()
	loose.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the issuer asked for it: local self-signed test servers
	return &http.Client{Timeout: 30 * time.Second, Transport: base, CheckRedirect: redirect},
		&http.Client{Timeout: 30 * time.Second, Transport: loose, CheckRedirect: redirect}
}
