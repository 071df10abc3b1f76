package mastercard

import "github.com/c2psim/c2psim/simulator"

// batchHandler returns the handlers of the asynchronous batch enrolment operations.
func (n *Network) batchHandler(op string) simulator.Handler {
	switch op {
	}
	return nil
}
