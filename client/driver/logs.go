package driver

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
)

// LogBuffer keeps the last lines an issuer logged, for GET /logs: the
// harness reads them to check that no card number reaches the issuer's logs
// (C2P-SEC-10). It is a slog.Handler writing text lines; give the issuer
// slog.New(buf) (client.WithLogger). Lines are kept as logged: an issuer
// that logs a card number in clear shows it here, which is the point.
type LogBuffer struct {
	mu    sync.Mutex
	max   int
	first uint64 // number of lines[0]
	lines []string
}

// Line is one logged line and its number (from 1).
type Line struct {
	N    uint64 `json:"n"`
	Text string `json:"text"`
}

// NewLogBuffer keeps at most max lines (10,000 when max <= 0).
func NewLogBuffer(max int) *LogBuffer {
	if max <= 0 {
		max = 10000
	}
	return &LogBuffer{max: max, first: 1}
}

// After returns the lines numbered above n and the number to ask after next.
func (b *LogBuffer) After(n uint64) ([]Line, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []Line{}
	for i, l := range b.lines {
		if num := b.first + uint64(i); num > n {
			out = append(out, Line{N: num, Text: l})
		}
	}
	return out, b.first + uint64(len(b.lines)) - 1
}

// Enabled implements slog.Handler: everything from Info up.
func (b *LogBuffer) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

// Handle implements slog.Handler.
func (b *LogBuffer) Handle(ctx context.Context, r slog.Record) error {
	var buf bytes.Buffer
	if err := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}).Handle(ctx, r); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, string(bytes.TrimRight(buf.Bytes(), "\n")))
	if len(b.lines) > b.max {
		drop := len(b.lines) - b.max
		b.lines = append([]string(nil), b.lines[drop:]...)
		b.first += uint64(drop)
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (b *LogBuffer) WithAttrs(as []slog.Attr) slog.Handler { return &logView{b: b, attrs: as} }

// WithGroup implements slog.Handler; groups are flattened.
func (b *LogBuffer) WithGroup(string) slog.Handler { return b }

// logView is the buffer with attributes added.
type logView struct {
	b     *LogBuffer
	attrs []slog.Attr
}

func (v *logView) Enabled(ctx context.Context, l slog.Level) bool { return v.b.Enabled(ctx, l) }

func (v *logView) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(v.attrs...)
	return v.b.Handle(ctx, r)
}

func (v *logView) WithAttrs(as []slog.Attr) slog.Handler {
	return &logView{b: v.b, attrs: append(append([]slog.Attr(nil), v.attrs...), as...)}
}

func (v *logView) WithGroup(string) slog.Handler { return v }

var (
	_ slog.Handler = (*LogBuffer)(nil)
	_ slog.Handler = (*logView)(nil)
)
