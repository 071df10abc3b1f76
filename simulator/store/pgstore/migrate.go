package pgstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrating.
const migrationLock = 0x63327073696d // "c2psim"

// Migration is one embedded schema version.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded schema versions in order.
func Migrations() ([]Migration, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, f := range files {
		base := strings.TrimSuffix(strings.TrimPrefix(f, "migrations/"), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", f)
		}
		b, err := migrations.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := range out {
		if out[i].Version != i+1 {
			return nil, fmt.Errorf("migration versions must run 1, 2, 3…: found %d at position %d", out[i].Version, i+1)
		}
	}
	return out, nil
}

// migrate applies every embedded version the database lacks, each in its
// own transaction, and returns the version the database is at.
func migrate(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	ms, err := Migrations()
	if err != nil {
		return 0, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return 0, fmt.Errorf("locking for migration: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock) //nolint:errcheck // the session ends with the connection anyway
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS c2psim_schema (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, fmt.Errorf("creating c2psim_schema: %w", err)
	}
	var at int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM c2psim_schema`).Scan(&at); err != nil {
		return 0, err
	}
	if at > len(ms) {
		return at, fmt.Errorf("the database is at schema version %d, newer than this c2psim (%d): upgrade c2psim", at, len(ms))
	}
	for _, m := range ms[at:] {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return at, err
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			tx.Rollback(ctx) //nolint:errcheck // reporting the first error
			return at, fmt.Errorf("applying migration %d (%s): %w", m.Version, m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO c2psim_schema (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			tx.Rollback(ctx) //nolint:errcheck // reporting the first error
			return at, err
		}
		if err := tx.Commit(ctx); err != nil {
			return at, fmt.Errorf("committing migration %d: %w", m.Version, err)
		}
		at = m.Version
	}
	return at, nil
}
