package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/c2psim/c2psim/simulator"
)

// adminOptions protects the admin API for the listen addresses: the hosts
// they name are accepted (every interface address and the host name when
// listening on all interfaces), and a token is generated when the simulator
// listens beyond loopback without one (generated is then true): its admin
// API hands out private keys.
func adminOptions(c *config) (o simulator.AdminOptions, generated bool, err error) {
	o = simulator.AdminOptions{Token: c.adminToken, Hosts: append([]string(nil), c.adminHosts...), Origins: c.adminOrigins}
	beyond := false
	addrs := []string{c.addr}
	if c.tlsAddr != "" {
		addrs = append(addrs, c.tlsAddr)
	}
	for _, addr := range addrs {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return o, false, fmt.Errorf("listen address %q: %w", addr, err)
		}
		ip, ipErr := netip.ParseAddr(strings.Trim(host, "[]"))
		switch {
		case host == "" || (ipErr == nil && ip.IsUnspecified()):
			beyond = true
			o.Hosts = append(o.Hosts, interfaceHosts()...)
		case strings.EqualFold(host, "localhost") || (ipErr == nil && ip.IsLoopback()):
		default:
			beyond = true
			o.Hosts = append(o.Hosts, host)
		}
	}
	if beyond && o.Token == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return o, false, fmt.Errorf("generating an admin token: %w", err)
		}
		o.Token = base64.RawURLEncoding.EncodeToString(b)
		generated = true
	}
	return o, generated, nil
}

// interfaceHosts are the names a caller may use for a simulator listening
// on every interface: the machine's addresses and host name.
func interfaceHosts() []string {
	var out []string
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				out = append(out, p.Addr().String())
			}
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		out = append(out, h)
	}
	return out
}

// parseCallbackAllow reads --callback-allow values: CIDR ranges, single
// addresses, or "private" for simulator.PrivateNetworks.
func parseCallbackAllow(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var bad []string
	for _, v := range values {
		switch {
		case strings.EqualFold(v, "private"):
			out = append(out, simulator.PrivateNetworks...)
		case strings.Contains(v, "/"):
			p, err := netip.ParsePrefix(v)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%q", v))
				continue
			}
			out = append(out, p.Masked())
		default:
			a, err := netip.ParseAddr(v)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%q", v))
				continue
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("--callback-allow %s: want a CIDR range (10.0.0.0/8), an address, or private", strings.Join(bad, ", "))
	}
	return out, nil
}

// dialable is a listener's address as a client on this machine dials it:
// 127.0.0.1 for a listener on every interface (0.0.0.0 or ::).
func dialable(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil || !ap.Addr().IsUnspecified() {
		return a.String()
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), ap.Port()).String()
}
