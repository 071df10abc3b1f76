package simulator

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/simulator/internal/jsonoracle"
)

func TestDuplicateKey(t *testing.T) {
	many := `{`
	for i := 0; i < 40; i++ {
		many += `"k` + strconv.Itoa(i) + `":0,`
	}
	cases := []struct {
		body, ptr, key string
	}{
		{`{"notification_type":12345,"notification_type":"suspend"}`, "/notification_type", "notification_type"},
		{`{"a":1,"b":{"c":1,"d":[1,{"e":1," e":2,"e":3}]}}`, "/b/d/1/e", "e"},
		{`{"a":"x","\u0061":"y"}`, "/a", "a"},
		{`{"a/b~":1, "a/b~" :2}`, "/a~1b~0", "a/b~"},
		{`[{"x":1},{"x":2,"y":{},"y":[]}]`, "/1/y", "y"},
		{many + `"k17":1}`, "/k17", "k17"},
		{`{"s":"\"quoted\" , \"s\":","s":1}`, "/s", "s"},
		{"{\n \"a\" : 1 ,\n \"a\" : 2\n}", "/a", "a"},
	}
	for _, c := range cases {
		ptr, key, ok := duplicateKey([]byte(c.body))
		if !ok || ptr != c.ptr || key != c.key {
			t.Errorf("duplicateKey(%s) = %q %q %v, want %q %q", c.body, ptr, key, ok, c.ptr, c.key)
		}
	}
	for _, clean := range []string{
		`{}`, `[]`, `"x"`, `12`, `null`, `{"a":{"a":{"a":1}}}`, `[{"a":1},{"a":1}]`, many + `"z":1}`,
		`{"a":"\u0062","b":1}`, `{"ab":1,"a":2,"b":3}`, `{"a":[],"b":{},"c":""}`,
	} {
		if ptr, _, ok := duplicateKey([]byte(clean)); ok {
			t.Errorf("duplicateKey(%s) found %s", clean, ptr)
		}
	}
}

func TestDuplicateKeysAreAValidationError(t *testing.T) {
	e := duplicateKeyError([]byte(`{"notification_type":12345,"notification_type":"suspend"}`), "body")
	if e == nil || e.Status != 400 || e.Kind != KindValidation || len(e.Fields) != 1 ||
		e.Fields[0].Field != "/notification_type" || e.Fields[0].Rule != RuleDuplicateKey ||
		!strings.Contains(e.Message, `"notification_type"`) {
		t.Fatalf("error = %+v", e)
	}
}

// FuzzDuplicateKey checks the scanner against encoding/json's tokenizer on
// every valid JSON document.
func FuzzDuplicateKey(f *testing.F) {
	for _, s := range []string{
		`{"notification_type":12345,"notification_type":"suspend"}`,
		`{"a":[{"b":1,"b":2}]}`, `{"a":"\u0061","\u0061":1}`, `[1,2,{"x":[]}]`, `{"k":{"k":{"k":1}}}`,
		`{"a":{},"a":1}`, `{"a":{"x":1},"b":[],"b":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		_, _, got := duplicateKey(b)
		if _, want := jsonoracle.RepeatedKey(b); got != want {
			t.Fatalf("duplicateKey(%q) = %v, reference says %v", b, got, want)
		}
	})
}
