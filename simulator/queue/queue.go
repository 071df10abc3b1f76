// Package queue is the table queue under the simulator's deferred work:
// callbacks waiting for delivery (the outbox) and scheduled tasks. An item
// is data (its payload is JSON), so a durable store keeps it across a
// restart, and a queue shared by several replicas hands each item to
// exactly one of them at a time (a lease).
//
// Items with the same Network and OrderKey are claimed one at a time, in
// the order they were added: the next is claimable only once the one before
// it is finished or buried. An item whose deadline passes without success
// is buried: it stays in the queue as a dead letter until revived or reset.
//
// Implementations: OverStore (any store.Store: the in-memory default and
// the embedded durable store) and pgstore's queue (PostgreSQL, FOR UPDATE
// SKIP LOCKED). Each passes queuetest.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned for an ID the queue does not hold.
var ErrNotFound = errors.New("no such queue item")

// Item is one piece of deferred work.
type Item struct {
	// ID is unique in the queue; adding an ID the queue holds does nothing.
	ID       string `json:"id"`
	Kind     string `json:"kind"` // "callback" or "task"
	Network  string `json:"network"`
	OrderKey string `json:"orderKey,omitempty"`
	// Seq orders the items of one OrderKey; the queue assigns it.
	Seq int64 `json:"seq"`
	// Due is when the item may next be worked.
	Due time.Time `json:"due"`
	// Deadline, when set, is when a failing item is given up.
	Deadline time.Time `json:"deadline,omitzero"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts"`
	// LastError describes the last failed attempt.
	LastError string `json:"lastError,omitempty"`
	// Dead is set once the item is buried (a dead letter), with DeadAt.
	Dead   bool      `json:"dead,omitempty"`
	DeadAt time.Time `json:"deadAt,omitzero"`
	// LeasedUntil, while the item is being worked, is when the worker's
	// claim lapses and another may take it over.
	LeasedUntil time.Time `json:"leasedUntil,omitzero"`
	// LeasedBy names the replica working it, where the queue is shared.
	LeasedBy string          `json:"leasedBy,omitempty"`
	Payload  json.RawMessage `json:"payload"`
}

// Queue holds deferred work. Every method is safe for concurrent use, also
// from several processes where the implementation is shared.
type Queue interface {
	// Add queues it (Seq is assigned) and reports whether it was added: an
	// ID the queue already holds, pending or dead, is left as it is.
	Add(ctx context.Context, it Item) (bool, error)
	// Claim leases up to max items due at now, each the first unfinished
	// item of its OrderKey, until now+lease, oldest due first.
	Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Item, error)
	// Finish removes a worked item.
	Finish(ctx context.Context, id string) error
	// Retry records a failed attempt and makes the item due again at due.
	Retry(ctx context.Context, id string, attempts int, lastError string, due time.Time) error
	// Bury makes an item a dead letter: it is no longer claimed and no
	// longer holds back its OrderKey.
	Bury(ctx context.Context, id string, attempts int, lastError string, at time.Time) error
	// Revive makes a dead letter pending again, due at due, with a new
	// deadline (zero: none), behind the pending items of its OrderKey.
	Revive(ctx context.Context, id string, due, deadline time.Time) error
	// List returns the pending items (dead false) or the dead letters, by
	// Seq.
	List(ctx context.Context, dead bool) ([]Item, error)
	// NextDue is the earliest due time of the items Claim would consider
	// (the first of each OrderKey) that are not under lease, and false
	// when there is none. A leased item's worker reports its outcome; a
	// lease that lapses (its worker died) is found by polling Claim.
	NextDue(ctx context.Context) (time.Time, bool, error)
	// Reset drops everything.
	Reset(ctx context.Context) error
}
