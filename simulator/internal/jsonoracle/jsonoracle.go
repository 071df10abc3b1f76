// Package jsonoracle answers questions about JSON documents with
// encoding/json's tokenizer, independently of the engine's own byte
// scanners: the tests hold the scanners to its answers.
package jsonoracle

import (
	"bytes"
	"encoding/json"
)

// RepeatedKey finds a key repeated within one object of b (compared as
// decoded, so "a" and "\u0061" are the same key): the first such key, and
// true; false when no key repeats. b is valid JSON (json.Valid): of a
// document that is not, it reports only what comes before the fault.
func RepeatedKey(b []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		obj     bool
		keys    map[string]bool
		wantKey bool // the next token is a key or the object's end
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			top := stack[n-1]
			if tok == json.Delim('}') {
				stack = stack[:n-1]
			} else {
				k, _ := tok.(string)
				if top.keys[k] {
					return k, true
				}
				top.keys[k], top.wantKey = true, false
				continue
			}
		} else {
			switch tok {
			case json.Delim('{'):
				stack = append(stack, &frame{obj: true, keys: map[string]bool{}, wantKey: true})
				continue
			case json.Delim('['):
				stack = append(stack, &frame{})
				continue
			case json.Delim(']'), json.Delim('}'):
				stack = stack[:len(stack)-1]
			}
		}
		// A value ended: in an object, a key (or the end) comes next.
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].wantKey = true
		}
	}
}
