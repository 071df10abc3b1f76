package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Invalid UTF-8. RFC 8259 (section 8.1) requires JSON text exchanged
// between systems to be UTF-8; encoding/json silently replaces invalid
// bytes in strings with U+FFFD, so a body the network would refuse was
// stored changed. The engine refuses it where bodies are decoded, clear
// request bodies (validateRequest) and decrypted payloads
// (Env.ValidateSchema), naming the value that holds the bytes.

// RuleUTF8 is the FieldError rule of a JSON string that is not UTF-8.
const RuleUTF8 = "utf8"

// invalidUTF8Error returns the 400 for the first invalid UTF-8 sequence in
// b, or nil. b must already be known to be valid JSON (so invalid bytes can
// only be inside strings); what names the body in the message is where.
func invalidUTF8Error(b []byte, where string) *Error {
	if utf8.Valid(b) {
		return nil
	}
	off := firstInvalidUTF8(b)
	ptr, inKey := utf8Pointer(b, off)
	field, at := ptr, ptr
	if ptr == "" {
		field, at = "body", "the top level"
	}
	what := "the string at " + at
	if inKey {
		what = "a key of the object at " + at
	}
	msg := fmt.Sprintf("%s %s: %s is not valid UTF-8 (byte 0x%02x at offset %d); JSON text must be UTF-8, RFC 8259 section 8.1 (%s)",
		where, field, what, b[off], off, RuleUTF8)
	return &Error{Status: http.StatusBadRequest, Kind: KindMalformed, Message: msg,
		Fields: []FieldError{{Field: field, In: "body", Rule: RuleUTF8, Message: msg}}}
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// utf8Pointer walks the tokens of the valid JSON document b up to the
// string that holds byte off and returns that string's JSON pointer (RFC
// 6901); inKey reports that the string is an object key (the pointer is then
// the object's).
func utf8Pointer(b []byte, off int) (ptr string, inKey bool) {
	type level struct {
		object    bool
		key       string
		index     int
		expectKey bool
	}
	var stack []level
	render := func() string {
		var sb strings.Builder
		for _, l := range stack {
			sb.WriteByte('/')
			if l.object {
				sb.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(l.key))
			} else {
				sb.WriteString(strconv.Itoa(l.index - 1))
			}
		}
		return sb.String()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return render(), false
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top >= 0 && !stack[top].object {
					stack[top].index++
				}
				stack = append(stack, level{object: d == '{', expectKey: d == '{'})
			default:
				stack = stack[:top]
				if top > 0 && stack[top-1].object {
					stack[top-1].expectKey = true
				}
			}
			continue
		}
		isKey := top >= 0 && stack[top].object && stack[top].expectKey
		switch {
		case isKey:
			stack[top].key, _ = tok.(string)
			stack[top].expectKey = false
			if int(dec.InputOffset()) > off {
				stack[top].key = ""
				stack = stack[:top+1]
				p := render()
				return strings.TrimSuffix(p, "/"), true
			}
			continue
		case top >= 0 && stack[top].object:
			stack[top].expectKey = true
		case top >= 0:
			stack[top].index++
		}
		if int(dec.InputOffset()) > off {
			return render(), false
		}
	}
}
