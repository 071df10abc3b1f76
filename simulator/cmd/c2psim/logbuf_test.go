package main

import (
	"strings"
	"testing"
	"time"
)

// Before Batch a line is written at once; after it, lines arrive together
// a moment later, and Close writes what is left.
func TestLogBufferBatchesAndFlushes(t *testing.T) {
	var out lockedBuffer
	l := newLogBuffer(&out)
	_, _ = l.Write([]byte("start\n"))
	if out.String() != "start\n" {
		t.Fatalf("before Batch: %q", out.String())
	}
	l.Batch()
	_, _ = l.Write([]byte("one\n"))
	_, _ = l.Write([]byte("two\n"))
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), "two\n"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("batched lines never written: %q", out.String())
		}
	}
	_, _ = l.Write([]byte("last\n"))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "start\none\ntwo\nlast\n" {
		t.Fatalf("after Close: %q", got)
	}
}
