package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logFlushEvery is how long a log line may wait in the buffer.
const logFlushEvery = 50 * time.Millisecond

// logBuffer batches log lines once the simulator serves: an exchange line
// per request would otherwise cost a write system call each (a tenth of
// the CPU of a small validated request). Lines reach the writer within
// logFlushEvery, and at once before start-up ends and when run returns.
// Until Batch is called every line is written straight through.
type logBuffer struct {
	mu      sync.Mutex
	w       *bufio.Writer
	batch   bool
	pending *time.Timer
}

func newLogBuffer(w io.Writer) *logBuffer {
	return &logBuffer{w: bufio.NewWriterSize(w, 64<<10)}
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(p)
	if !l.batch {
		if ferr := l.w.Flush(); err == nil {
			err = ferr
		}
		return n, err
	}
	if l.pending == nil && l.w.Buffered() > 0 {
		l.pending = time.AfterFunc(logFlushEvery, l.flushPending)
	}
	return n, err
}

func (l *logBuffer) flushPending() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = nil
	_ = l.w.Flush()
}

// Batch starts batching lines.
func (l *logBuffer) Batch() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batch = true
}

// Close writes what is buffered and stops batching.
func (l *logBuffer) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.batch = false
	if l.pending != nil {
		l.pending.Stop()
		l.pending = nil
	}
	return l.w.Flush()
}
