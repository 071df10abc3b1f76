package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// tasks runs the networks' deferred work (TaskRunner, Env.Schedule) on the
// simulator's clock. A scheduled task is data: network, kind, due time and a
// JSON payload, which is what a durable store keeps to resume it after a
// restart: tasks are items of the simulator's queue, worked by its
// dispatcher (delivery.go). Reset drops the pending ones and cancels the
// running ones; shutdown cancels the running ones, and a durable queue
// keeps every unfinished task for the next start (at least once).
type tasks struct {
	sim     *Simulator
	runners map[string]map[string]Task // network → kind → task
}

// scheduledTask is one pending task.
type scheduledTask struct {
	Network string          `json:"network"`
	Kind    string          `json:"kind"`
	Due     time.Time       `json:"due"`
	Payload json.RawMessage `json:"payload"`
}

func newTasks(s *Simulator) *tasks { return &tasks{sim: s, runners: map[string]map[string]Task{}} }

// declare records a network's task kinds, refusing empty, repeated and
// runnerless ones.
func (t *tasks) declare(network string, declared []Task) error {
	kinds := map[string]Task{}
	var errs []string
	for _, task := range declared {
		switch {
		case task.Kind == "":
			errs = append(errs, "a task has no kind")
		case task.Run == nil:
			errs = append(errs, fmt.Sprintf("task %q has no Run", task.Kind))
		case kinds[task.Kind].Kind != "":
			errs = append(errs, fmt.Sprintf("task %q is declared twice", task.Kind))
		default:
			kinds[task.Kind] = task
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("network %s: %s", network, strings.Join(errs, "; "))
	}
	t.runners[network] = kinds
	return nil
}

func (t *tasks) schedule(ctx context.Context, network string, delay time.Duration, kind string, payload any) error {
	task, ok := t.runners[network][kind]
	if !ok {
		return fmt.Errorf("network %s schedules task %q, which its Tasks do not declare", network, kind)
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encoding the payload of task %s: %w", kind, err)
	}
	if delay < 0 {
		delay = 0
	}
	st := scheduledTask{Network: network, Kind: kind, Due: t.sim.clock.Now().Add(delay), Payload: b}
	_ = task
	return t.sim.dispatch.schedule(ctx, st)
}

// run runs one due task; an error is logged, a panic is a finding.
func (t *tasks) run(ctx context.Context, task Task, st scheduledTask) {
	logger := t.sim.logger.With("network", st.Network)
	defer func() {
		if p := recover(); p != nil {
			f := fmt.Sprintf("panic in %s task %s: %v", st.Network, st.Kind, p)
			t.sim.addFinding(f)
			logger.Error("task panicked", "task", st.Kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	if err := task.Run(ctx, st.Payload); err != nil && !errors.Is(err, context.Canceled) {
		logger.Warn("task failed", "task", st.Kind, "error", err)
	}
}
