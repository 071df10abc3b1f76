// Package store holds the simulator's state behind a small interface: named
// collections of JSON documents, with atomic per-key updates and secondary
// indexes, so no request path ever scans a collection.
//
// Plugins use Table for typed access and declare their indexes with it:
//
//	cards := store.NewTable[Card](env.Store, "cards",
//		store.By("token", func(_ string, c Card) []string { return []string{c.TokenRef} }),
//		store.By("pan", func(_ string, c Card) []string { return []string{c.PANRef} }))
//	row, err := cards.Find(ctx, "token", tokenRef) // ErrNotFound when none
//	err = cards.Update(ctx, id, func(c *Card, exists bool) error { ... })
//
// An index entry is written in the same atomic step as the record it
// describes (Put, Update, Delete), and records stored before an index was
// declared are indexed before the collection is next used.
//
// Implementations: Memory here (the default); an embedded durable store in
// store/boltstore; PostgreSQL for several replicas in store/pgstore. Each
// passes the one contract suite in store/storetest.
package store
