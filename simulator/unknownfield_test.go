package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

func TestAddUnknownFieldToEveryObjectAnswer(t *testing.T) {
	type inner struct {
		B string `json:"b"`
	}
	type answer struct {
		A     string `json:"a"`
		Inner inner  `json:"inner"`
	}
	for name, body := range map[string]any{
		"map":          map[string]any{"a": "x"},
		"struct":       answer{A: "x", Inner: inner{B: "y"}},
		"struct ptr":   &answer{A: "x"},
		"empty struct": struct{}{},
	} {
		plain, _ := json.Marshal(body)
		res := JSON(http.StatusOK, body)
		addUnknownField(res)
		if res.Raw != nil && !bytes.HasPrefix(res.Raw, plain[:len(plain)-1]) {
			t.Errorf("%s: %s does not begin as %s", name, res.Raw, plain)
		}
		raw := res.Raw
		if raw == nil {
			var err error
			if raw, err = json.Marshal(res.Body); err != nil {
				t.Fatal(err)
			}
		}
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %s is not JSON: %v", name, raw, err)
		}
		if got[UnknownField] != unknownFieldValue {
			t.Errorf("%s: %s lacks %s", name, raw, UnknownField)
		}
		if name != "empty struct" && got["a"] != "x" {
			t.Errorf("%s: %s lost its own fields", name, raw)
		}
	}
	for name, res := range map[string]*Response{
		"error":   JSON(http.StatusBadRequest, map[string]any{"a": "x"}),
		"array":   JSON(http.StatusOK, []string{"a"}),
		"raw":     {Status: http.StatusOK, Raw: []byte(`{"a":"x"}`)},
		"no body": {Status: http.StatusNoContent},
		"string":  JSON(http.StatusOK, "text"),
	} {
		before, _ := json.Marshal(res.Body)
		raw := string(res.Raw)
		addUnknownField(res)
		after, _ := json.Marshal(res.Body)
		if string(before) != string(after) || string(res.Raw) != raw {
			t.Errorf("%s: changed to %s %s", name, after, res.Raw)
		}
	}
}
