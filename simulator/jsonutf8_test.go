package simulator

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/openapi"
)

func TestInvalidUTF8IsFoundAndPlaced(t *testing.T) {
	for _, c := range []struct {
		body, ptr string
		key       bool
	}{
		{"{\"a\":\"x\xff\"}", "/a", false},
		{"{\"a\":{\"b\":\"c\"},\"d\":\"\xfe\"}", "/d", false},
		{"{\"a\":[1,\"ok\",{\"b\xff\":1}]}", "/a/2", true},
		{"[\"ok\",[true,\"\xc3\x28\"]]", "/1/1", false},
		{"\"\xff\"", "", false},
		{"{\"k\xff\":1}", "", true},
		{"{\"a/b\":{\"c~d\":\"\xed\xa0\x80\"}}", "/a~1b/c~0d", false}, // an encoded surrogate is not UTF-8
	} {
		if !json.Valid([]byte(c.body)) {
			t.Fatalf("test body %q is not JSON", c.body)
		}
		e := invalidUTF8Error([]byte(c.body), "body")
		if e == nil {
			t.Errorf("%q: not refused", c.body)
			continue
		}
		ptr, key := utf8Pointer([]byte(c.body), firstInvalidUTF8([]byte(c.body)))
		if ptr != c.ptr || key != c.key {
			t.Errorf("%q: pointer %q (key %v), want %q (key %v)", c.body, ptr, key, c.ptr, c.key)
		}
		if e.Status != 400 || e.Fields[0].Rule != RuleUTF8 || !strings.Contains(e.Message, "RFC 8259") {
			t.Errorf("%q: %+v", c.body, e)
		}
	}
	for _, ok := range []string{`{"a":"héllo","b":"\ud83d\ude00"}`, `[]`, `"\u00ff"`} {
		if e := invalidUTF8Error([]byte(ok), "body"); e != nil {
			t.Errorf("%s refused: %v", ok, e.Message)
		}
	}
}

func FuzzInvalidUTF8(f *testing.F) {
	for _, s := range []string{"{\"a\":\"x\xff\"}", "[\"\xc3\x28\"]", `{"a":[1,{"b":"c"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		e := invalidUTF8Error(b, "body")
		if (e == nil) != utf8.Valid(b) {
			t.Fatalf("%q: refused=%v", b, e != nil)
		}
	})
}

// Decrypted payloads are held to the same rule as clear bodies.
func TestDecryptedPayloadMustBeUTF8(t *testing.T) {
	doc, err := openapi.Load("examples/card-art.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Network: "art", Specs: map[string]*openapi3.T{"examples/card-art.yaml": doc}}
	e := env.ValidateSchema("examples/card-art.yaml", "ArtRequest", []byte("{\"binRange\":\"518600\",\"artUri\":\"\xff\"}"))
	if e == nil || e.Status != 400 || !strings.Contains(e.Message, "encrypted payload /artUri") {
		t.Fatalf("invalid UTF-8 in a decrypted payload: %+v", e)
	}
	if e := env.ValidateSchema("examples/card-art.yaml", "ArtRequest", []byte(`{"binRange":"518600","artUri":"ü"}`)); e != nil {
		t.Fatalf("valid payload refused: %v", e.Message)
	}
}
