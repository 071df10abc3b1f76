package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journalstore"
	"github.com/c2psim/c2psim/simulator/store/boltstore"
	"github.com/c2psim/c2psim/simulator/store/pgstore"
)

// openStore sets opts up for --data-dir (the embedded durable store) or
// --store (PostgreSQL, shared by replicas) and says where state lives;
// without either everything stays in memory.
func openStore(ctx context.Context, c *config, opts *simulator.Options) (where string, closeStore func(), err error) {
	switch {
	case c.dataDir != "" && c.storeURL != "":
		return "", nil, errors.New("--data-dir and --store exclude each other: choose one place for the state")
	case c.dataDir != "":
		s, err := boltstore.Open(c.dataDir)
		if err != nil {
			return "", nil, fmt.Errorf("--data-dir: %w", err)
		}
		opts.Store = s
		opts.JournalStore = journalstore.NewOverStore(s, "_engine/journal", c.journalSize)
		return s.Path(), func() { s.Close() }, nil
	case c.storeURL != "":
		if !strings.HasPrefix(c.storeURL, "postgres://") && !strings.HasPrefix(c.storeURL, "postgresql://") {
			return "", nil, fmt.Errorf("--store %q: want postgres://user:password@host:port/database", redactURL(c.storeURL))
		}
		s, err := pgstore.Open(ctx, c.storeURL)
		if err != nil {
			return "", nil, fmt.Errorf("--store: %w", err)
		}
		opts.Store = s
		opts.Queue = s.Queue()
		opts.JournalStore = s.Journal(c.journalSize)
		opts.PollInterval = c.pollInterval
		return "in PostgreSQL at " + redactURL(c.storeURL) + ", replica " + s.Replica(), func() { s.Close() }, nil
	}
	return "in memory", func() {}, nil
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
