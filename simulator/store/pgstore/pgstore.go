package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/c2psim/c2psim/simulator/store"
)

// Store is a store.Store in PostgreSQL.
type Store struct {
	pool    *pgxpool.Pool
	version int
	replica string

	indexes store.Indexes
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Dropper = (*Store)(nil)
	_ store.Counter = (*Store)(nil)
	_ store.Closer  = (*Store)(nil)
	_ store.Sharer  = (*Store)(nil)
)

// Open connects to the database at url (postgres://user:pass@host/db?…) and
// brings its schema up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parsing the PostgreSQL URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	v, err := migrate(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	replica := fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), rand.IntN(1<<16))
	return &Store{pool: pool, version: v, replica: replica}, nil
}

// Replica names this process among the replicas on the database: queue
// items it works are leased in its name.
func (s *Store) Replica() string { return s.replica }

// Shared reports that other replicas use the database too.
func (s *Store) Shared() bool { return true }

// Close releases the connections.
func (s *Store) Close() error { s.pool.Close(); return nil }

// Pool is the connection pool, for the engine's queue and journal tables.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// SchemaVersion is the migration version the database is at.
func (s *Store) SchemaVersion() int { return s.version }

func notFound(c, k string) error { return fmt.Errorf("%s/%s: %w", c, k, store.ErrNotFound) }

func (s *Store) Get(ctx context.Context, c, k string) ([]byte, error) {
	if err := s.prepare(ctx, c); err != nil {
		return nil, err
	}
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM c2psim_records WHERE collection = $1 AND key = $2`, c, k).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(c, k)
	}
	return v, err
}

func (s *Store) Put(ctx context.Context, c, k string, v []byte) error {
	return s.Update(ctx, c, k, func([]byte) ([]byte, error) { return v, nil })
}

func (s *Store) Delete(ctx context.Context, c, k string) error {
	return s.Update(ctx, c, k, func(cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, notFound(c, k)
		}
		return nil, nil
	})
}

// Update runs fn on the record under its row lock (or, for an absent key,
// an advisory lock on its name) and writes the result with its index
// entries in the same transaction.
func (s *Store) Update(ctx context.Context, c, k string, fn func([]byte) ([]byte, error)) error {
	if err := s.prepare(ctx, c); err != nil {
		return err
	}
	idx := s.indexes.Of(c)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := lockRecord(ctx, tx, c, k)
		if err != nil {
			return err
		}
		next, err := fn(cloneBytes(cur))
		if err != nil {
			return err
		}
		if next == nil && cur == nil {
			return nil
		}
		ix, err := store.IndexValues(c, k, next, idx)
		if err != nil {
			return err
		}
		return writeRecord(ctx, tx, c, k, next, ix, idx)
	})
}

// UpdateMany locks every record (in one order, collection then key, so two
// updates of overlapping records never deadlock), runs fn and writes the
// results in one transaction.
func (s *Store) UpdateMany(ctx context.Context, refs []store.Ref, fn func([][]byte) ([][]byte, error)) error {
	if err := store.CheckRefs(refs); err != nil {
		return err
	}
	idx := make([][]store.Index, len(refs))
	for i, r := range refs {
		if err := s.prepare(ctx, r.Collection); err != nil {
			return err
		}
		idx[i] = s.indexes.Of(r.Collection)
	}
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ra, rb := refs[order[a]], refs[order[b]]
		if ra.Collection != rb.Collection {
			return ra.Collection < rb.Collection
		}
		return ra.Key < rb.Key
	})
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		cur := make([][]byte, len(refs))
		for _, i := range order {
			v, err := lockRecord(ctx, tx, refs[i].Collection, refs[i].Key)
			if err != nil {
				return err
			}
			cur[i] = v
		}
		in := make([][]byte, len(cur))
		for i, v := range cur {
			in[i] = cloneBytes(v)
		}
		next, err := fn(in)
		if err != nil {
			return err
		}
		if err := store.CheckResult(refs, next); err != nil {
			return err
		}
		ix := make([]map[string][]string, len(refs))
		for i, r := range refs {
			if ix[i], err = store.IndexValues(r.Collection, r.Key, next[i], idx[i]); err != nil {
				return err
			}
		}
		for i, r := range refs {
			if next[i] == nil && cur[i] == nil {
				continue
			}
			if err := writeRecord(ctx, tx, r.Collection, r.Key, next[i], ix[i], idx[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// lockRecord reads a record FOR UPDATE; when it is absent it takes the
// key's advisory lock and reads again, so two transactions creating one key
// are serialised too.
func lockRecord(ctx context.Context, tx pgx.Tx, c, k string) ([]byte, error) {
	const q = `SELECT value FROM c2psim_records WHERE collection = $1 AND key = $2 FOR UPDATE`
	var cur []byte
	err := tx.QueryRow(ctx, q, c, k).Scan(&cur)
	if err == nil {
		return cur, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, c, k); err != nil {
		return nil, err
	}
	err = tx.QueryRow(ctx, q, c, k).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return cur, err
}

func writeRecord(ctx context.Context, tx pgx.Tx, c, k string, v []byte, ix map[string][]string, idx []store.Index) error {
	b := &pgx.Batch{}
	if v == nil {
		b.Queue(`DELETE FROM c2psim_records WHERE collection = $1 AND key = $2`, c, k)
	} else {
		b.Queue(`INSERT INTO c2psim_records (collection, key, value) VALUES ($1, $2, $3)
			ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value`, c, k, v)
	}
	if len(idx) > 0 {
		names := make([]string, len(idx))
		for i, x := range idx {
			names[i] = x.Name
		}
		b.Queue(`DELETE FROM c2psim_index WHERE collection = $1 AND key = $2 AND name = ANY($3)`, c, k, names)
		for name, vals := range ix {
			if len(vals) > 0 {
				b.Queue(`INSERT INTO c2psim_index (collection, name, value, key) SELECT $1, $2, unnest($3::text[]), $4
					ON CONFLICT DO NOTHING`, c, name, vals, k)
			}
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

func (s *Store) List(ctx context.Context, c string) ([]store.Entry, error) {
	if err := s.prepare(ctx, c); err != nil {
		return nil, err
	}
	return s.entries(ctx, `SELECT key, value FROM c2psim_records WHERE collection = $1 ORDER BY key`, c)
}

func (s *Store) Lookup(ctx context.Context, c, index, value string) ([]store.Entry, error) {
	if err := s.prepare(ctx, c); err != nil {
		return nil, err
	}
	return s.entries(ctx, `SELECT r.key, r.value FROM c2psim_index i
		JOIN c2psim_records r ON r.collection = i.collection AND r.key = i.key
		WHERE i.collection = $1 AND i.name = $2 AND i.value = $3 ORDER BY i.key`, c, index, value)
}

func (s *Store) entries(ctx context.Context, q string, args ...any) ([]store.Entry, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out := []store.Entry{}
	for rows.Next() {
		var e store.Entry
		var v []byte
		if err := rows.Scan(&e.Key, &v); err != nil {
			rows.Close()
			return nil, err
		}
		e.Value = v
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Store) DeclareIndex(c string, idx store.Index) { s.indexes.Declare(c, idx) }

// prepare builds, once per process, any declared index of c that the
// database does not mark as built, under a lock on the collection's rows.
func (s *Store) prepare(ctx context.Context, c string) error {
	return s.indexes.Prepare(c, func(idx []store.Index) error {
		return s.build(ctx, c, idx)
	})
}

// build builds the indexes idx of c, under the lock of s.indexes.
func (s *Store) build(ctx context.Context, c string, idx []store.Index) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('c2psim index'), hashtext($1))`, c); err != nil {
			return err
		}
		var todo []store.Index
		for _, x := range idx {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM c2psim_index_built WHERE collection = $1 AND name = $2`, c, x.Name).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				todo = append(todo, x)
			} else if err != nil {
				return err
			}
		}
		if len(todo) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT key, value FROM c2psim_records WHERE collection = $1 FOR UPDATE`, c)
		if err != nil {
			return err
		}
		var entries [][]any
		for rows.Next() {
			var k string
			var v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			for _, x := range todo {
				vals, err := x.Values(k, v)
				if err != nil {
					continue // the next write of this record reports it
				}
				seen := map[string]bool{}
				for _, val := range vals {
					if val != "" && !seen[val] {
						seen[val] = true
						entries = append(entries, []any{c, x.Name, val, k})
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range todo {
			if _, err := tx.Exec(ctx, `DELETE FROM c2psim_index WHERE collection = $1 AND name = $2`, c, x.Name); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO c2psim_index_built (collection, name) VALUES ($1, $2)`, c, x.Name); err != nil {
				return err
			}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"c2psim_index"}, []string{"collection", "name", "value", "key"}, pgx.CopyFromRows(entries))
		return err
	})
	if err != nil {
		return fmt.Errorf("building indexes of %s: %w", c, err)
	}
	return nil
}

func (s *Store) Collections(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT collection FROM c2psim_records ORDER BY collection`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (s *Store) Count(ctx context.Context, c string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM c2psim_records WHERE collection = $1`, c).Scan(&n)
	return n, err
}

func (s *Store) Drop(ctx context.Context, c string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM c2psim_records WHERE collection = $1`, c); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM c2psim_index WHERE collection = $1`, c)
		return err
	})
}

func (s *Store) Reset(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `TRUNCATE c2psim_records, c2psim_index`)
	return err
}
