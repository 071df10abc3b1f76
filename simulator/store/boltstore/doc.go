// Package boltstore is the simulator's embedded durable store: one file
// (c2psim.db in the --data-dir) holding every collection and its secondary
// indexes, in go.etcd.io/bbolt.
//
// Why bbolt rather than SQLite: the store's model is keyed JSON documents
// with secondary indexes, read by key and by index value, never queried
// with SQL. bbolt is exactly that model (nested B+tree buckets, ordered
// keys, prefix cursors), it is pure Go and small (it compiles in seconds,
// where modernc.org/sqlite's transpiled C takes minutes under the race
// detector on a 2-core CI machine), its transactions are serialisable with
// one writer, and a commit is on disk (fsync) before Put or Update returns,
// so a process killed at any moment loses no answered write. Concurrent
// writers share commits (a lone write commits at once; writes that arrive
// meanwhile wait for the next commit together) so the fsync cost is paid once per
// group, not once per request. The file is locked: a second process on the
// same directory is refused at Open. For several replicas use pgstore.
//
// Layout: bucket "data" holds one bucket per collection (key → value);
// bucket "idx" one bucket per collection whose keys are
// index NUL value NUL key; bucket "built" marks the indexes built over a
// collection's earlier records.
package boltstore
