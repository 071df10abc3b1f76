package mastercard

import "github.com/c2psim/c2psim/simulator"

// directoryHandler returns the handlers of the consumer-level Credential Directory lifecycle operations.
func (n *Network) directoryHandler(op string) simulator.Handler {
	switch op {
	}
	return nil
}
