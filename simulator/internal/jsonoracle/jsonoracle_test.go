package jsonoracle

import "testing"

func TestRepeatedKey(t *testing.T) {
	for doc, want := range map[string]string{
		`{"a":1,"a":2}`:              "a",
		`{"a":"\u0061","\u0061":1}`:  "a",
		`{"a":{},"a":1}`:             "a", // after an object value
		`{"a":{"x":1},"b":2,"b":3}`:  "b",
		`{"a":[],"b":[{}],"a":null}`: "a",
		`[{"x":1},{"y":{},"y":[]}]`:  "y",
		`{"k":{"k":{"k":1,"k":2}}}`:  "k",
	} {
		if got, ok := RepeatedKey([]byte(doc)); !ok || got != want {
			t.Errorf("RepeatedKey(%s) = %q %v, want %q", doc, got, ok, want)
		}
	}
	for _, clean := range []string{
		`{}`, `[]`, `"x"`, `12`, `{"a":{"a":{"a":1}}}`, `[{"a":1},{"a":1}]`, `{"a":{},"b":1}`, `{"a":[],"b":{},"c":""}`,
	} {
		if got, ok := RepeatedKey([]byte(clean)); ok {
			t.Errorf("RepeatedKey(%s) found %q", clean, got)
		}
	}
}
