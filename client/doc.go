// Package client is a Click to Pay issuer client: one unified model over the
// Mastercard, Visa, American Express and Discover programs, the library an
// issuer (or a processor serving many issuers) could ship.
//
// An Issuer routes each card to its network by BIN (or an explicit Network),
// validates consumer and card data before anything is sent, and calls the
// network's Adapter. Adapters live in client/<network> and do that network's
// signing, encryption and error mapping; their capabilities (Enroller,
// CardSuspender, ProfileReader, ...) are found by type assertion, so a network
// that lacks one answers ErrUnsupported.
//
// Reliability is the Issuer's job, not the adapters':
//   - retries with bounded exponential backoff and jitter, only for retryable
//     failures (5xx, timeouts, 409 in flight); terminal errors (validation,
//     authentication, ineligible card) are returned at once;
//   - a retry after a timeout reuses the same external IDs, and "already
//     enrolled" then is checked against the network's profile and counted as
//     success (IDM-04);
//   - one request at a time per consumer and network (LCM-09);
//   - Wait polls an asynchronous Operation, or takes its outcome from a
//     network notification, until it is terminal (ENR-06).
//
// The Issuer keeps each Enrolment's state with the lifecycle of DOMAIN §5.2:
// an illegal transition is an error, never a silent change; an opt-out is
// remembered and blocks automatic re-enrolment (LCM-08).
//
// Network-to-issuer calls arrive through CallbackHandler, which an issuer
// mounts on its own server; a Decider answers tokenisation requests and an
// EventSink records every event. Card numbers are held as pan.PAN and never
// print in full, in logs, errors or JSON.
package client
