// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database named by C2PSIM_TEST_POSTGRES (default
// postgres://c2psim:c2psim@127.0.0.1:5432/c2psim), dropped when the test
// ends. Without a reachable database a test is skipped with the reason,
// except under CI=true, where it fails: CI starts PostgreSQL (.ci/run).
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the development database .ci/run creates.
const DefaultURL = "postgres://c2psim:c2psim@127.0.0.1:5432/c2psim?sslmode=disable"

// BaseURL is the database tests use.
func BaseURL() string {
	if u := os.Getenv("C2PSIM_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultURL
}

// URL creates an empty schema for t and returns a URL whose connections
// use it (search_path), so tests never see each other's tables.
func URL(t testing.TB) string {
	t.Helper()
	base := BaseURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := fmt.Sprintf("no PostgreSQL for this test at C2PSIM_TEST_POSTGRES=%s: %v (start one: pg_ctlcluster 15 main start, then create role and database c2psim as .ci/run does)", redact(base), err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer conn.Close(context.Background())
	schema := fmt.Sprintf("test_%d_%d", time.Now().UnixNano(), os.Getpid())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck // best effort cleanup
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
