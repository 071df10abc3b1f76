package simulator

import (
	"net/http"
	"strings"
)

// router is the simulator's handler: a request whose path is already clean
// and starts with a network's prefix goes straight to that network, which
// is what the mux would choose for it (the network's "/<id>/" pattern is
// the only one matching such a path besides "/"); every other request (a
// path to clean or redirect, CONNECT, the admin API, /metrics, no network)
// goes to the mux.
type router struct {
	mux *http.ServeMux
	by  map[string]*mounted // network ID → network
}

func newRouter(mux *http.ServeMux, networks []*mounted) *router {
	rt := &router{mux: mux, by: map[string]*mounted{}}
	for _, m := range networks {
		id := strings.TrimPrefix(m.prefix, "/")
		if id == "" || strings.ContainsAny(id, "/%") || id == "_admin" || id == "metrics" {
			continue // left to the mux
		}
		rt.by[id] = m
	}
	return rt
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m := rt.direct(r); m != nil {
		m.ServeHTTP(w, r)
		return
	}
	rt.mux.ServeHTTP(w, r)
}

// direct returns the network a request goes to without the mux, or nil.
func (rt *router) direct(r *http.Request) *mounted {
	if r.Method == http.MethodConnect || r.URL.RawPath != "" {
		return nil
	}
	p := r.URL.Path
	if len(p) < 3 || p[0] != '/' {
		return nil
	}
	id, rest, ok := strings.Cut(p[1:], "/")
	if !ok {
		return nil // "/<id>" is redirected to "/<id>/" by the mux
	}
	m := rt.by[id]
	if m == nil || !cleanPath(rest) {
		return nil
	}
	return m
}

// cleanPath reports whether the mux would leave the path "/<id>/" + rest as
// it is: no empty segment (but after a trailing slash), no "." or "..".
func cleanPath(rest string) bool {
	for rest != "" {
		seg, after, more := strings.Cut(rest, "/")
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		if !more {
			return true
		}
		rest = after
	}
	return true
}
