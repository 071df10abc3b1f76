package simulator_test

import (
	"fmt"
	"time"

	"github.com/c2psim/c2psim/simulator"
)

// A setting is declared once, as a Key: its declaration (kind and default
// text included) and its reading both come from it.
func ExampleKey() {
	batchDelay := simulator.Key[time.Duration]{Name: "batchDelay", Default: 5 * time.Second,
		Description: "time from a batch's 202 to its processing", Check: simulator.NotNegative[time.Duration]}

	s := batchDelay.Setting()
	fmt.Println(s.Key, s.Kind, s.Default)
	fmt.Println(batchDelay.Get(given{"batchDelay": "90s"}), batchDelay.Get(given{}))
	// Output:
	// batchDelay duration 5s
	// 1m30s 5s
}

type given map[string]string

func (g given) Lookup(k string) (string, bool) { v, ok := g[k]; return v, ok }
