// Package pgstore is the simulator's store in PostgreSQL (through
// github.com/jackc/pgx/v5), for any number of replicas over one database.
//
// Records live in one table keyed by (collection, key); secondary-index
// entries in another, written in the same transaction as their record.
// Update reads the record with SELECT … FOR UPDATE, so a state change
// raced by two replicas is serialised by the row lock: the second sees the
// first's result (and an illegal transition is refused exactly once). An
// absent key is serialised by a transaction-scoped advisory lock on its
// name. Keys compare as bytes (COLLATE "C"), as in every other store.
//
// The schema is embedded (migrations/NNNN_name.sql) and applied at Open,
// in order, each version once, under an advisory lock so replicas starting
// together do not race; c2psim_schema records what was applied.
package pgstore
