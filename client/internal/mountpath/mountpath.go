// Package mountpath lets a request signature verify whether or not the
// signer counted a mount prefix in the path. The simulator serves each
// network under /<network>; a client configured with the simulator's mount
// as its base URL signs the path with the prefix, one pointed at the network
// API's own base path signs it without. Both are right, so a verifier tries
// each candidate URL.
package mountpath

import (
	"net/url"
	"strings"
)

// Candidates is u, plus u with prefix removed from its path when the path
// is under prefix, or added to it when not. With an empty prefix it is u
// alone. u is not changed.
func Candidates(u *url.URL, prefix string) []*url.URL {
	out := []*url.URL{u}
	pre := strings.TrimSuffix(prefix, "/")
	if pre == "" {
		return out
	}
	alt := *u
	if strings.HasPrefix(u.Path, pre+"/") {
		alt.Path = strings.TrimPrefix(u.Path, pre)
		if u.RawPath != "" {
			alt.RawPath = strings.TrimPrefix(u.RawPath, pre)
		}
	} else {
		alt.Path = pre + u.Path
		if u.RawPath != "" {
			alt.RawPath = pre + u.RawPath
		}
	}
	return append(out, &alt)
}
