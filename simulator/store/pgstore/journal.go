package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/journalstore"
)

// Journal is the shared journal in c2psim_journal: every replica appends,
// any replica's admin API reads every exchange. It keeps about capacity
// entries, trimming the oldest as it goes.
type Journal struct {
	s        *Store
	capacity int
	appended atomic.Int64
}

var _ journalstore.Shared = (*Journal)(nil)

// Journal returns the database's journal, bounded to about capacity entries.
func (s *Store) Journal(capacity int) *Journal {
	if capacity <= 0 {
		capacity = journal.DefaultCapacity
	}
	return &Journal{s: s, capacity: capacity}
}

func (j *Journal) Append(ctx context.Context, entries ...journal.Entry) error {
	b := &pgx.Batch{}
	for _, e := range entries {
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		ids := e.CorrelationIDs
		if ids == nil {
			ids = []string{}
		}
		b.Queue(`INSERT INTO c2psim_journal (time, network, operation_id, direction, correlation_ids, entry)
			VALUES ($1, $2, $3, $4, $5, $6)`, e.Time, e.Network, e.OperationID, string(e.Direction), ids, v)
	}
	// Trim now and then, not on every write.
	if after := j.appended.Add(int64(len(entries))); after/128 != (after-int64(len(entries)))/128 {
		b.Queue(`DELETE FROM c2psim_journal WHERE seq <= (SELECT max(seq) FROM c2psim_journal) - $1`, j.capacity)
	}
	if b.Len() == 0 {
		return nil
	}
	if err := j.s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("journalling: %w", err)
	}
	return nil
}

func (j *Journal) Find(ctx context.Context, q journal.Query) ([]journal.Entry, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.Network != "" {
		where = append(where, "network = "+arg(q.Network))
	}
	if q.OperationID != "" {
		where = append(where, "operation_id = "+arg(q.OperationID))
	}
	if q.Direction != "" {
		where = append(where, "direction = "+arg(string(q.Direction)))
	}
	if !q.Since.IsZero() {
		where = append(where, "time >= "+arg(q.Since))
	}
	if q.AfterSeq != 0 {
		where = append(where, "seq > "+arg(int64(q.AfterSeq)))
	}
	if q.BeforeSeq != 0 {
		where = append(where, "seq < "+arg(int64(q.BeforeSeq)))
	}
	if q.CorrelationID != "" {
		where = append(where, "correlation_ids && "+arg([]string{q.CorrelationID, pan.RedactText(q.CorrelationID)}))
	}
	if q.Status != "" {
		// The answer's status is read from the entry (0: no answer), as
		// journal.StatusMatches decides.
		const status = `(convert_from(entry, 'UTF8')::jsonb->>'status')::int`
		switch {
		case q.Status == "none":
			where = append(where, status+" = 0")
		case len(q.Status) == 3 && q.Status[1:] == "xx" && q.Status[0] >= '1' && q.Status[0] <= '9':
			c := int(q.Status[0]-'0') * 100
			where = append(where, status+" BETWEEN "+arg(c)+" AND "+arg(c+99))
		default:
			code, err := strconv.Atoi(q.Status)
			if err != nil {
				return nil, fmt.Errorf("journal status %q is not a code, a class or none", q.Status)
			}
			where = append(where, status+" = "+arg(code))
		}
	}
	sql := `SELECT seq, entry FROM c2psim_journal`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY seq DESC"
	if q.Limit > 0 {
		sql += " LIMIT " + arg(q.Limit)
	}
	rows, err := j.s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (journal.Entry, error) {
		var seq int64
		var b []byte
		var e journal.Entry
		if err := row.Scan(&seq, &b); err != nil {
			return e, err
		}
		err := json.Unmarshal(b, &e)
		e.Seq = uint64(seq)
		return e, err
	})
}

func (j *Journal) Recent(ctx context.Context, n int) ([]journal.Entry, error) {
	out, err := j.Find(ctx, journal.Query{Limit: n})
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out, err
}

func (j *Journal) Count(ctx context.Context) (int, error) {
	var n int
	err := j.s.pool.QueryRow(ctx, `SELECT count(*) FROM c2psim_journal`).Scan(&n)
	return n, err
}

func (j *Journal) Clear(ctx context.Context) error {
	_, err := j.s.pool.Exec(ctx, `DELETE FROM c2psim_journal`)
	return err
}
