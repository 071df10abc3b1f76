package mastercard

import "github.com/c2psim/c2psim/simulator"

// mdesHandler returns the handlers of the MDES Customer Service operations.
func (n *Network) mdesHandler(op string) simulator.Handler {
	switch op {
	}
	return nil
}
