// Package all chooses the networks compiled into the conformance harness:
// importing it for its side effects registers every built-in network.
//
//	import _ "github.com/c2psim/c2psim/conformance/networks/all"
package all

import (
	_ "github.com/c2psim/c2psim/conformance/networks/amex"       // American Express
	_ "github.com/c2psim/c2psim/conformance/networks/discover"   // Discover
	_ "github.com/c2psim/c2psim/conformance/networks/mastercard" // Mastercard
	_ "github.com/c2psim/c2psim/conformance/networks/visa"       // Visa
)
