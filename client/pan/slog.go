package pan

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that masks card numbers
// in every text a log line carries (the message, string attributes, errors
// and Stringers, string slices), whatever the code that logged it did.
// Attributes that cannot hold card data (numbers, times, durations, the
// level) cost nothing, and a text with fewer than twelve digits is passed
// through without a copy.
func ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
		return a
	}
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); digitCount(s) >= 12 {
			a.Value = slog.StringValue(RedactText(s))
		}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case json.Number:
		case []string:
			out := v
			for i, s := range v {
				if r := RedactText(s); r != s {
					if &out[0] == &v[0] {
						out = append([]string(nil), v...)
					}
					out[i] = r
				}
			}
			a.Value = slog.AnyValue(out)
		default:
			if text, ok := logText(v); ok {
				a.Value = slog.StringValue(RedactText(text))
			}
		}
	}
	return a
}

// logText is the text of an error or Stringer attribute, for masking; not
// when producing it panics (a typed nil): slog then prints the value as it
// would anyway.
func logText(v any) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	switch v := v.(type) {
	case error:
		return v.Error(), true
	case fmt.Stringer:
		return v.String(), true
	}
	return "", false
}
