package simulator

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strings"
)

// AdminOptions protect the admin API, which hands out the simulated
// networks' private keys and can wipe state, from other web pages and from
// the network.
//
// Every admin request must name an allowed host (the Host header): loopback
// names (localhost, 127.0.0.0/8, ::1) and Hosts. A page served from any
// other name, which is what a DNS-rebinding attack looks like, is refused
// even when it reaches a loopback listener. Writes (every method but GET,
// HEAD and OPTIONS) are refused when a browser says they come from another
// origin (Sec-Fetch-Site, or Origin against Host: net/http's
// CrossOriginProtection) unless that origin is in Origins, and when they
// carry a body or a content type other than application/json (an HTML form
// can only send form, multipart or text bodies).
//
// With a Token, every admin request but the console (its page, script and
// styles) and the health check must carry it, as "Authorization: Bearer <token>" or in the cookie
// AdminTokenCookie; a same-origin page sends either.
type AdminOptions struct {
	// Token, when not empty, is required on the admin API.
	Token string
	// Hosts are host names or IP addresses accepted in the Host header
	// besides the loopback ones (the listen address, a public or container
	// name); a port, if given, is ignored.
	Hosts []string
	// Origins are scheme://host[:port] origins whose pages may write to the
	// admin API cross-origin (a console served elsewhere).
	Origins []string
}

// AdminTokenCookie is the cookie a browser page may carry the admin token in.
const AdminTokenCookie = "c2psim_admin_token"

// adminGuard applies AdminOptions to admin requests.
type adminGuard struct {
	token   []byte
	hosts   map[string]bool // lower-case names and canonical IP strings
	listed  []string        // for messages
	origins *http.CrossOriginProtection
}

func newAdminGuard(o AdminOptions) (*adminGuard, error) {
	g := &adminGuard{hosts: map[string]bool{"localhost": true}, origins: http.NewCrossOriginProtection()}
	if o.Token != "" {
		g.token = []byte(o.Token)
	}
	for _, h := range o.Hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		h = strings.ToLower(strings.Trim(h, "[]"))
		if ip, err := netip.ParseAddr(h); err == nil {
			h = ip.Unmap().String()
		}
		if !g.hosts[h] {
			g.hosts[h] = true
			g.listed = append(g.listed, h)
		}
	}
	sort.Strings(g.listed)
	var errs []string
	for _, origin := range o.Origins {
		if err := g.origins.AddTrustedOrigin(origin); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("admin origins: %s", strings.Join(errs, "; "))
	}
	return g, nil
}

// hostAllowed reports whether a Host header names this simulator.
func (g *adminGuard) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "" {
		return false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		return ip.IsLoopback() || g.hosts[ip.String()]
	}
	return g.hosts[strings.TrimSuffix(host, ".")]
}

// check refuses an admin request that fails any of the guards, naming the
// guard and how to satisfy it.
func (g *adminGuard) check(req *Request) error {
	r := req.HTTP
	if !g.hostAllowed(r.Host) {
		allowed := append([]string{"localhost", "loopback addresses"}, g.listed...)
		return Errorf(http.StatusForbidden, KindForbidden,
			"the admin API does not answer for host %q (allowed: %s; add one with --admin-host)", r.Host, strings.Join(allowed, ", "))
	}
	if safeMethod(r.Method) {
		return g.checkToken(req)
	}
	if err := g.origins.Check(r); err != nil {
		return Errorf(http.StatusForbidden, KindForbidden,
			"the admin API refuses writes from another origin (Origin %q, Sec-Fetch-Site %q); trust a console's origin with --admin-origin",
			r.Header.Get("Origin"), r.Header.Get("Sec-Fetch-Site"))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" || len(req.Body) > 0 {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return Errorf(http.StatusUnsupportedMediaType, KindMediaType,
				"admin writes take application/json (or no body and no Content-Type); got Content-Type %q", ct)
		}
	}
	return g.checkToken(req)
}

func (g *adminGuard) checkToken(req *Request) error {
	if g.token == nil {
		return nil
	}
	switch req.OperationID {
	case "getConsole", "getConsoleAsset", "getHealth":
		return nil // a static page, its script and styles, and a liveness probe: nothing to protect
	}
	r := req.HTTP
	var got string
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, tok, _ := strings.Cut(a, " ")
		if strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(tok)
		}
	} else if c, err := r.Cookie(AdminTokenCookie); err == nil {
		got = c.Value
	}
	if got == "" {
		return Errorf(http.StatusUnauthorized, KindAuth,
			"the admin API needs its token: send Authorization: Bearer <token> (the token given with --admin-token or C2PSIM_ADMIN_TOKEN, or printed at start)")
	}
	if subtle.ConstantTimeCompare([]byte(got), g.token) != 1 {
		return Errorf(http.StatusUnauthorized, KindAuth, "the admin token is wrong")
	}
	return nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
