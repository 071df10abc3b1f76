package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/c2psim/c2psim/simulator/queue"
)

// Queue is a queue.Queue in the c2psim_queue table, shared by every
// replica on the database. Claim locks candidate rows with FOR UPDATE SKIP
// LOCKED and leases them, so each item is worked by one replica at a time;
// an item whose lease lapses (its replica died mid-retry) is claimed by
// another.
type Queue struct{ s *Store }

var _ queue.Queue = Queue{}

// Queue returns the database's queue.
func (s *Store) Queue() Queue { return Queue{s: s} }

const itemColumns = `id, kind, network, order_key, seq, due, deadline, created, attempts, last_error, dead, dead_at, leased_until, leased_by, payload`

// isHead holds for the first unfinished item of its OrderKey.
const isHead = `(q.order_key = '' OR NOT EXISTS (SELECT 1 FROM c2psim_queue p
	WHERE NOT p.dead AND p.network = q.network AND p.order_key = q.order_key AND p.seq < q.seq))`

func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

func fromTS(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func scanItem(row pgx.CollectableRow) (queue.Item, error) {
	var it queue.Item
	var due, created pgtype.Timestamptz
	var deadline, deadAt, leased pgtype.Timestamptz
	err := row.Scan(&it.ID, &it.Kind, &it.Network, &it.OrderKey, &it.Seq, &due, &deadline, &created,
		&it.Attempts, &it.LastError, &it.Dead, &deadAt, &leased, &it.LeasedBy, &it.Payload)
	it.Due, it.Deadline, it.Created = fromTS(due), fromTS(deadline), fromTS(created)
	it.DeadAt, it.LeasedUntil = fromTS(deadAt), fromTS(leased)
	return it, err
}

func (q Queue) Add(ctx context.Context, it queue.Item) (bool, error) {
	if it.ID == "" {
		return false, errors.New("a queue item needs an ID")
	}
	tag, err := q.s.pool.Exec(ctx, `INSERT INTO c2psim_queue (id, kind, network, order_key, seq, due, deadline, created, attempts, last_error, payload)
		VALUES ($1, $2, $3, $4, nextval('c2psim_queue_seq'), $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
		it.ID, it.Kind, it.Network, it.OrderKey, ts(it.Due), ts(it.Deadline), ts(it.Created), it.Attempts, it.LastError, []byte(it.Payload))
	if err != nil {
		return false, fmt.Errorf("queueing %s: %w", it.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

func (q Queue) Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]queue.Item, error) {
	rows, err := q.s.pool.Query(ctx, `WITH c AS (
		SELECT id FROM c2psim_queue q
		WHERE NOT dead AND due <= $1 AND (leased_until IS NULL OR leased_until <= $1) AND `+isHead+`
		ORDER BY due, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE c2psim_queue SET leased_until = $2, leased_by = $4 FROM c WHERE c2psim_queue.id = c.id
		RETURNING c2psim_queue.`+itemColumns, // only id is ambiguous with c's
		ts(now), ts(now.Add(lease)), n, q.s.replica)
	if err != nil {
		return nil, fmt.Errorf("claiming queue items: %w", err)
	}
	items, err := pgx.CollectRows(rows, scanItem)
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].Due.Equal(items[j].Due) {
			return items[i].Due.Before(items[j].Due)
		}
		return items[i].Seq < items[j].Seq
	})
	return items, nil
}

func (q Queue) one(ctx context.Context, id, sql string, args ...any) error {
	tag, err := q.s.pool.Exec(ctx, sql, append([]any{id}, args...)...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", id, queue.ErrNotFound)
	}
	return nil
}

func (q Queue) Finish(ctx context.Context, id string) error {
	return q.one(ctx, id, `DELETE FROM c2psim_queue WHERE id = $1`)
}

func (q Queue) Retry(ctx context.Context, id string, attempts int, lastError string, due time.Time) error {
	return q.one(ctx, id, `UPDATE c2psim_queue SET attempts = $2, last_error = $3, due = $4, leased_until = NULL, leased_by = '' WHERE id = $1`,
		attempts, lastError, ts(due))
}

func (q Queue) Bury(ctx context.Context, id string, attempts int, lastError string, at time.Time) error {
	return q.one(ctx, id, `UPDATE c2psim_queue SET attempts = $2, last_error = $3, dead = true, dead_at = $4, leased_until = NULL, leased_by = '' WHERE id = $1`,
		attempts, lastError, ts(at))
}

func (q Queue) Revive(ctx context.Context, id string, due, deadline time.Time) error {
	err := q.one(ctx, id, `UPDATE c2psim_queue SET dead = false, dead_at = NULL, due = $2, deadline = $3,
		seq = nextval('c2psim_queue_seq'), leased_until = NULL WHERE id = $1 AND dead`, ts(due), ts(deadline))
	if errors.Is(err, queue.ErrNotFound) {
		return fmt.Errorf("%s is not a dead letter: %w", id, queue.ErrNotFound)
	}
	return err
}

func (q Queue) List(ctx context.Context, dead bool) ([]queue.Item, error) {
	rows, err := q.s.pool.Query(ctx, `SELECT `+itemColumns+` FROM c2psim_queue WHERE dead = $1 ORDER BY seq`, dead)
	if err != nil {
		return nil, err
	}
	items, err := pgx.CollectRows(rows, scanItem)
	if items == nil {
		items = []queue.Item{}
	}
	return items, err
}

func (q Queue) NextDue(ctx context.Context) (time.Time, bool, error) {
	var next pgtype.Timestamptz
	err := q.s.pool.QueryRow(ctx, `SELECT min(due) FROM c2psim_queue q
		WHERE NOT dead AND leased_until IS NULL AND `+isHead).Scan(&next)
	return fromTS(next), next.Valid, err
}

func (q Queue) Reset(ctx context.Context) error {
	_, err := q.s.pool.Exec(ctx, `TRUNCATE c2psim_queue`)
	return err
}
