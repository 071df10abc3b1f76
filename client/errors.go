package client

import (
	"errors"
	"fmt"
)

// Sentinel conditions callers branch on; every NetworkError unwraps to one.
var (
	ErrNotEnrolled       = errors.New("consumer or card is not enrolled")
	ErrAlreadyEnrolled   = errors.New("already enrolled")
	ErrIneligible        = errors.New("card is not eligible for Click to Pay")
	ErrOptedOut          = errors.New("enrolment was opted out")
	ErrConflict          = errors.New("a prior request for this consumer is still in flight")
	ErrAuth              = errors.New("authentication with the network failed: check credentials and keys")
	ErrValidation        = errors.New("the network refused the request as invalid")
	ErrUnsupported       = errors.New("operation not supported by this network")
	ErrUnavailable       = errors.New("network temporarily unavailable")
	ErrNotFound          = errors.New("not found")
	ErrIllegalTransition = errors.New("illegal enrolment state transition")
	ErrNoRoute           = errors.New("no network handles this card number")
)

// NetworkError is a network's refusal, with its own code, mapped to a
// sentinel by the network's adapter.
type NetworkError struct {
	Network    Network
	HTTPStatus int
	Code       string // the network's code: VIDC-2000, INVALID_ARGUMENT, ...
	Message    string
	Retryable  bool
	Kind       error // one of the sentinels
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("%s answered %d %s: %s", e.Network, e.HTTPStatus, e.Code, e.Message)
}

// Unwrap exposes the sentinel to errors.Is.
func (e *NetworkError) Unwrap() error { return e.Kind }

// Retryable reports whether err is worth retrying unchanged: a network error
// marked retryable (5xx, 409 in flight), or a timeout.
func Retryable(err error) bool {
	var ne *NetworkError
	if errors.As(err, &ne) {
		return ne.Retryable
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return true
	}
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrConflict)
}
