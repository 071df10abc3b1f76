// Package all chooses the networks compiled into c2psim: importing it for
// its side effects registers every built-in network plugin.
//
//	import _ "github.com/c2psim/c2psim/simulator/networks/all"
package all

import (
	_ "github.com/c2psim/c2psim/simulator/networks/amex"       // American Express Click to Pay (Token Service conventions, inferred)
	_ "github.com/c2psim/c2psim/simulator/networks/discover"   // Discover Click to Pay (inferred)
	_ "github.com/c2psim/c2psim/simulator/networks/mastercard" // Mastercard Click to Pay (Enroll API)
	_ "github.com/c2psim/c2psim/simulator/networks/visa"       // Visa Click to Pay (VICA)
)
