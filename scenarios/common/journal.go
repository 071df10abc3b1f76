package common

import "github.com/c2psim/c2psim/simulator/journal"

func journalQuery(network string) journal.Query { return journal.Query{Network: network} }
