package declaration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// lines maps the JSON pointer of every value in a JSON document to the
// line it starts on (1-based), so that a problem or a reason can name the
// line a person wrote.
func lines(b []byte) (map[string]int, error) {
	type frame struct {
		object bool
		key    string
		index  int
		wait   bool // an object waiting for its next key
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	out := map[string]int{}
	var stack []frame
	pointer := func() string {
		var sb strings.Builder
		for _, f := range stack {
			sb.WriteByte('/')
			if f.object {
				sb.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(f.key))
			} else {
				sb.WriteString(strconv.Itoa(f.index))
			}
		}
		return sb.String()
	}
	done := func() { // a value ended: its container moves on
		if len(stack) == 0 {
			return
		}
		if top := &stack[len(stack)-1]; top.object {
			top.wait = true
		} else {
			top.index++
		}
	}
	for {
		start := int(dec.InputOffset())
		for start < len(b) && strings.IndexByte(" \t\r\n:,", b[start]) >= 0 {
			start++
		}
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		d, delim := tok.(json.Delim)
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wait {
			if delim && d == '}' {
				stack = stack[:len(stack)-1]
				done()
				continue
			}
			stack[len(stack)-1].key, stack[len(stack)-1].wait = tok.(string), false
			continue
		}
		if delim && d == ']' {
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		out[pointer()] = 1 + bytes.Count(b[:start], []byte("\n"))
		if delim {
			stack = append(stack, frame{object: d == '{', wait: d == '{'})
			continue
		}
		done()
	}
}

// lineText is line n of b, trimmed.
func lineText(b []byte, n int) string {
	ls := strings.Split(string(b), "\n")
	if n < 1 || n > len(ls) {
		return ""
	}
	s := strings.TrimSpace(ls[n-1])
	return strings.TrimSuffix(s, ",")
}
