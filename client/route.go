package client

import (
	"fmt"
	"strconv"

	"github.com/c2psim/c2psim/client/pan"
)

// BINRange maps card numbers whose leading digits fall in [Low, High] to a
// network. Low and High have the same number of digits (the prefix length).
type BINRange struct {
	Low, High string
	Network   Network
}

// DefaultBINRanges are the networks' public ranges.
var DefaultBINRanges = []BINRange{
	{"51", "55", Mastercard},
	{"2221", "2720", Mastercard},
	{"4", "4", Visa},
	{"34", "34", Amex},
	{"37", "37", Amex},
	{"6011", "6011", Discover},
	{"644", "649", Discover},
	{"65", "65", Discover},
}

// Router picks a card's network from its BIN. More specific (longer)
// prefixes win.
type Router struct{ ranges []BINRange }

// NewRouter validates ranges and returns a router.
func NewRouter(ranges []BINRange) (*Router, error) {
	for _, r := range ranges {
		if len(r.Low) == 0 || len(r.Low) != len(r.High) || r.Low > r.High {
			return nil, fmt.Errorf("BIN range %s-%s: bounds must have the same length and be ordered", r.Low, r.High)
		}
		if _, err := strconv.ParseUint(r.Low+r.High, 10, 64); err != nil {
			return nil, fmt.Errorf("BIN range %s-%s: digits only", r.Low, r.High)
		}
	}
	return &Router{ranges: ranges}, nil
}

// Route returns the network for a card: its explicit Network, else the most
// specific matching range.
func (r *Router) Route(c Card) (Network, error) {
	if c.Network != "" {
		return c.Network, nil
	}
	return r.RoutePAN(c.PAN)
}

// RoutePAN returns the network for a card number.
func (r *Router) RoutePAN(p pan.PAN) (Network, error) {
	digits := p.Reveal()
	best, bestLen := Network(""), 0
	for _, rg := range r.ranges {
		n := len(rg.Low)
		if n > len(digits) || n <= bestLen {
			continue
		}
		if prefix := digits[:n]; prefix >= rg.Low && prefix <= rg.High {
			best, bestLen = rg.Network, n
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: %s", ErrNoRoute, p.Masked())
	}
	return best, nil
}
