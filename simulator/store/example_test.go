package store_test

import (
	"context"
	"fmt"

	"github.com/c2psim/c2psim/simulator/store"
)

type token struct {
	Ref    string `json:"ref"`
	PANRef string `json:"panRef"`
	Status string `json:"status"`
}

func ExampleTable_Lookup() {
	ctx := context.Background()
	tokens := store.NewTable[token](store.NewMemory(), "tokens",
		store.By("pan", func(_ string, t token) []string { return []string{t.PANRef} }))
	_ = tokens.Put(ctx, "tok-2", token{Ref: "tok-2", PANRef: "pan-a", Status: "ACTIVE"})
	_ = tokens.Put(ctx, "tok-1", token{Ref: "tok-1", PANRef: "pan-a", Status: "SUSPENDED"})
	_ = tokens.Put(ctx, "tok-3", token{Ref: "tok-3", PANRef: "pan-b", Status: "ACTIVE"})

	rows, _ := tokens.Lookup(ctx, "pan", "pan-a")
	for _, r := range rows {
		fmt.Println(r.Key, r.Value.Status)
	}
	// Output:
	// tok-1 SUSPENDED
	// tok-2 ACTIVE
}
