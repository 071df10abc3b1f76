package fault

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/c2psim/c2psim/simulator/store"
)

// Rules keeps the rules in force in a collection of a store.Store, so a
// durable store keeps them across a restart and replicas on a shared store
// use one set. A rule's uses are counted in the store, each in one atomic
// update, so a rule for the next N calls answers exactly N calls however
// many replicas serve them; TTLs run on the clock the caller passes (the
// simulator's).
type Rules struct {
	rules store.Table[Rule]
	seq   store.Table[int]
}

// NewRules keeps rules in collection c of s (and their ID counter in
// c+"-seq").
func NewRules(s store.Store, c string) *Rules {
	return &Rules{rules: store.NewTable[Rule](s, c), seq: store.NewTable[int](s, c+"-seq")}
}

// Add validates a rule, arms it at now (Rule.Arm), gives it the next ID
// ("f1", "f2" ...; unique among replicas) and keeps it.
func (rs *Rules) Add(ctx context.Context, r Rule, now time.Time) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	r.Arm(now)
	var n int
	if err := rs.seq.Update(ctx, "next", func(v *int, _ bool) error { *v++; n = *v; return nil }); err != nil {
		return Rule{}, fmt.Errorf("numbering the fault rule: %w", err)
	}
	r.ID = "f" + strconv.Itoa(n)
	if err := rs.rules.Put(ctx, r.ID, r); err != nil {
		return Rule{}, fmt.Errorf("keeping the fault rule: %w", err)
	}
	return r, nil
}

// order is a rule's place among the rules: they apply in the order they
// were added.
func order(id string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "f"))
	if err != nil {
		return 0
	}
	return n
}

// List returns the rules in force at now, in the order they were added;
// expired ones are removed.
func (rs *Rules) List(ctx context.Context, now time.Time) ([]Rule, error) {
	all, err := rs.rules.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the fault rules: %w", err)
	}
	out := make([]Rule, 0, len(all))
	for _, r := range all {
		if r.Expired(now) {
			if err := rs.rules.Delete(ctx, r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return order(out[i].ID) < order(out[j].ID) })
	return out, nil
}

// Delete removes a rule by ID and reports whether there was one.
func (rs *Rules) Delete(ctx context.Context, id string) (bool, error) {
	err := rs.rules.Delete(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Clear removes every rule.
func (rs *Rules) Clear(ctx context.Context) error {
	all, err := rs.rules.List(ctx)
	if err != nil {
		return err
	}
	for _, r := range all {
		if err := rs.rules.Delete(ctx, r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Match returns the first rule of known (the rules in force as the caller
// last listed them, in order) that applies to t and is still in force at
// now, counting its use in the store: a rule another replica used up, that
// expired or was removed meanwhile is passed over. stale reports that
// known no longer describes the store (a rule was passed over, or this
// use spent one): the caller lists the rules again.
func (rs *Rules) Match(ctx context.Context, known []Rule, t Target, now time.Time) (_ *Rule, stale bool, _ error) {
	for i := range known {
		if !known[i].Applies(t) || known[i].Expired(now) {
			stale = stale || known[i].Expired(now)
			continue
		}
		var used Rule
		found, spent := false, false
		err := rs.rules.Update(ctx, known[i].ID, func(r *Rule, exists bool) error {
			if !exists {
				return store.ErrDelete // nothing to delete: it is gone
			}
			if r.Expired(now) {
				return store.ErrDelete
			}
			found = true
			spent = r.use()
			used = *r
			if spent {
				return store.ErrDelete
			}
			return nil
		})
		if err != nil {
			return nil, stale, fmt.Errorf("counting a use of fault rule %s: %w", known[i].ID, err)
		}
		if !found {
			stale = true
			continue
		}
		return &used, stale || spent, nil
	}
	return nil, stale, nil
}
