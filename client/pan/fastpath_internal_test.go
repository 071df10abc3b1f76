package pan

import (
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The byte-at-a-time forms of the word-at-a-time scans: what they decide
// is what the scans must decide.

func digitCountBytes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

func mayHoldCardBytes(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			n++
		case ' ', '\t', '+', '-', '.', '_', '/', ',':
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				for _, e := range [2]byte{s[i+1], s[i+2]} {
					if isDigit(e) {
						n++
					}
				}
				i += 2
			}
		default:
			n = 0
		}
		if n >= 12 {
			return true
		}
	}
	return false
}

func strEndBytes(s string, i int) (end, digits int, escaped, ok bool) {
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return j + 1, digits, escaped, true
		case c <= '9':
			switch {
			case c >= '0':
				digits++
			case c < 0x20:
				return j, 0, false, false
			}
		case c == '\\':
			escaped = true
			j++
		}
	}
	return len(s), 0, false, false
}

// fastPathRedactor knows cards, so that the walk also looks for known
// numbers inside opaque data and long runs.
var fastPathRedactor = NewRedactor([]string{"5186001700008786", "6011000000000005", "373953192351004"}, nil)

// checkFastPaths holds the word-at-a-time scans of s to the byte-at-a-time
// ones, and holds mayHoldCard to what it promises: where it says a text
// cannot hold a card number, the scanner's full walk masks nothing in it.
func checkFastPaths(t *testing.T, s string) {
	t.Helper()
	if got, want := digitCount(s), digitCountBytes(s); got != want {
		t.Fatalf("digitCount(%q) = %d, byte by byte %d", s, got, want)
	}
	may := mayHoldCard(s)
	if want := mayHoldCardBytes(s); may != want {
		t.Fatalf("mayHoldCard(%q) = %v, byte by byte %v", s, may, want)
	}
	if !may {
		for _, r := range []Redactor{Default(), fastPathRedactor, Default().WithCards("4000000000000002", "5186001700008786")} {
			sc := r.scanner(s)
			sc.walk()
			if len(sc.spans) > 0 {
				t.Fatalf("mayHoldCard(%q) is false, but the walk masks %v", s, sc.spans)
			}
		}
	}
	for _, lit := range []string{s, `"` + s, `"` + s + `"`, `{"k":"` + s + `"}`} {
		for i := 0; i < len(lit) && i < 4; i++ {
			w := jsonWalker{s: lit}
			e1, d1, x1, seps, ok1 := w.strEnd(i)
			e2, d2, x2, ok2 := strEndBytes(lit, i)
			if ok1 != ok2 || x1 != x2 || ok1 && (e1 != e2 || d1 >= 0 && d1 != d2) {
				t.Fatalf("strEnd(%q, %d) = %d %d %v %v, byte by byte %d %d %v %v", lit, i, e1, d1, x1, ok1, e2, d2, x2, ok2)
			}
			if ok1 && !x1 && !seps && strings.ContainsAny(lit[i+1:e1-1], "_-") {
				t.Fatalf("strEnd(%q, %d) says no '_' or '-'", lit, i)
			}
		}
	}
}

// fastPathTexts are what the journal mostly reads (ciphertext, OAuth
// headers, identifiers) and every planted card number and survivor.
func fastPathTexts() []string {
	out := []string{
		"", "0", "%", "%3", "%35", "\\", `"`, "\x00", "\x1f", "\x7f", "\x80", "\xff", "é5186001700008785",
		"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.IbdrQZKrA4mk-eIad18rtvtAwlmY150O27a8wTIXr_gtOrL23d",
		`OAuth oauth_body_hash="0p0i0jwQcBZTRm0logw9bqVi9/l7btijBzsuslzbETQ=",oauth_timestamp="1796194759",oauth_signature="qTWTufe1CCB9nOihZarpYYjiOmZ70s%2BQ%2F8%2F6fTojJzeAvcXpfks6fNbQ%3D%3D"`,
		"0f1e2d3c-4b5a-4968-8776-655443322110", "2026-12-02T06:59:19Z", "5001646FDCD41F7AA939943652D56",
		"1234567890a1", "12345678901", "123456789012", "1234 5678 9012", "12%2034%2056%2078%2090%2012",
		"\\u0035186001700008785", `a\"b`, `\\`, `5186001700008785\`, "51860017\x0000008785",
	}
	for _, tc := range plantedText {
		out = append(out, tc.in)
	}
	for _, tc := range survivors {
		out = append(out, tc.in)
	}
	for _, tc := range plantedJSON {
		out = append(out, tc.in)
	}
	return out
}

func TestFastPathsDecideAsByteByByte(t *testing.T) {
	for _, s := range fastPathTexts() {
		checkFastPaths(t, s)
		// Every alignment of the word reads.
		for pad := 1; pad < 8; pad++ {
			checkFastPaths(t, strings.Repeat("a", pad)+s)
			checkFastPaths(t, strings.Repeat("1", pad)+s)
			checkFastPaths(t, s+strings.Repeat("-", pad))
		}
	}
	// Texts made of the bytes the scans tell apart, every length up to a
	// few words.
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := "0123456789 \t+-._/,%\"\\\x00\x1f\x7f\x80\xffaAfFgZ*=:;"
	for n := 0; n < 50000; n++ {
		b := make([]byte, rng.IntN(40)+rng.IntN(2)*rng.IntN(60))
		for i := range b {
			if rng.IntN(3) == 0 {
				b[i] = byte('0' + rng.IntN(10))
			} else {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		checkFastPaths(t, string(b))
	}
	// Long texts without '%' (read by runs without letters), their digits
	// in runs and groups.
	plain := "0123456789 \t+-._/,\"\\\x00\x80aAfFgZ*=:;"
	for n := 0; n < 20000; n++ {
		b := make([]byte, 60+rng.IntN(140))
		for i := range b {
			switch rng.IntN(4) {
			case 0, 1:
				b[i] = byte('0' + rng.IntN(10))
			default:
				b[i] = plain[rng.IntN(len(plain))]
			}
		}
		checkFastPaths(t, string(b))
	}
	// Random ciphertext as it is journalled.
	for n := 0; n < 2000; n++ {
		blob := make([]byte, 16+rng.IntN(600))
		for i := range blob {
			blob[i] = byte(rng.Uint32())
		}
		checkFastPaths(t, base64.RawURLEncoding.EncodeToString(blob))
		checkFastPaths(t, hex.EncodeToString(blob))
		checkFastPaths(t, base64.StdEncoding.EncodeToString(blob))
	}
}

// FuzzFastPaths: the word-at-a-time scans decide as the byte-at-a-time
// ones, and a text mayHoldCard passes over has nothing the full walk masks.
func FuzzFastPaths(f *testing.F) {
	for _, s := range fastPathTexts() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkFastPaths(t, s) })
}

// fullWalk is r with every check that spares a text the walk turned off.
func fullWalk(r Redactor) Redactor {
	r.full = true
	return r
}

// fastPathRedactors are the redactors the differential tests compare with
// their full walk: the default one, one that knows cards and a card field,
// one with an exchange's cards and cards seen.
func fastPathRedactors() []Redactor {
	seen := NewCardSet(8)
	seen.Add("4111111111111111")
	return []Redactor{
		Default(),
		NewRedactor([]string{"5186001700008786", "6011000000000005", "373953192351004"}, []string{"fundingAccount", "x"}),
		Default().WithCards("4000000000000002", "5186001700008786").WithSeen(seen),
	}
}

// checkSameAsFullWalk holds the redaction of s, as text and as JSON, with
// the checks that spare the walk, to the redaction without them: the same
// output and the same findings.
func checkSameAsFullWalk(t *testing.T, s string) {
	t.Helper()
	for _, r := range fastPathRedactors() {
		full := fullWalk(r)
		var f1, f2 []Found
		if got, want := r.ScanText(s, "w", &f1), full.ScanText(s, "w", &f2); got != want || !reflect.DeepEqual(f1, f2) {
			t.Fatalf("ScanText(%q) = %q %v, the full walk %q %v", s, got, f1, want, f2)
		}
		if got, want := r.Text(s), full.Text(s); got != want {
			t.Fatalf("Text(%q) = %q, the full walk %q", s, got, want)
		}
		f1, f2 = nil, nil
		if got, want := r.ScanJSON([]byte(s), &f1), full.ScanJSON([]byte(s), &f2); string(got) != string(want) || !reflect.DeepEqual(f1, f2) {
			t.Fatalf("ScanJSON(%q) = %q %v, the full walk %q %v", s, got, f1, want, f2)
		}
		if got, want := r.ScanJSONString([]byte(s), nil), string(full.JSON([]byte(s))); got != want {
			t.Fatalf("ScanJSONString(%q) = %q, the full walk %q", s, got, want)
		}
	}
}

// splicedBytes is what spliced makes, the plain way: a copy with the
// spans masked, then the edits made.
func splicedBytes(s string, spans []span, edits []edit) string {
	out := []byte(s)
	for _, sp := range spans {
		if sp.n == 1 {
			out[sp.at] = '*'
		} else {
			copy(out[sp.at:], "%2A")
		}
	}
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.Write(out[last:e.start])
		b.WriteString(e.repl)
		last = e.end
	}
	b.Write(out[last:])
	return b.String()
}

// checkSpliced holds spliced to splicedBytes on what the walker of a JSON
// document records.
func checkSpliced(t *testing.T, s string) {
	t.Helper()
	for _, r := range fastPathRedactors() {
		w := jsonWalker{r: r, s: s}
		if i, ok := w.value(w.ws(0), false); !ok || w.ws(i) != len(s) {
			return
		}
		want := splicedBytes(s, w.spans, w.edits)
		if got := spliced(s, slices.Clone(w.spans), w.edits); string(got) != want {
			t.Fatalf("spliced(%q) = %q, a copy masked then edited %q (spans %v, edits %v)", s, got, want, w.spans, w.edits)
		}
	}
}

// jsonFastPathDocs are documents with something to mask in every place the
// walker looks, and the journal's documents with nothing to mask.
func jsonFastPathDocs() []string {
	out := []string{
		`{"a":"5186001700008785","b":{"cvc":"123","pan":"5186 0017 0000 8786"},"c":["x",4111111111111111,"y"]}`,
		`{"k\u0065y5186001700008785":"v","5186001700008785":{"expiry_month":"12"},"x":"` + "6011000000000005" + `"}`,
		`{"note":"a\u00355186001700008785\"b","n":-5186001700008785.5e3,"Card-Number":"1234567890123","otp":null}`,
		`{"known":"abcdefabcdefabcdef5186001700008786abcdef","ref":"DM4MMC4efa2bd11e3a9e97e2e230e1ee635acc"}`,
		`{"srcCorrelationId":"0f1e2d3c-4b5a-4968-8776-655443322110","dateOfCardCreated":"2026-12-02T06:59:19Z","panBin":"518600"}`,
		`{"encryptedCard":"eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.IbdrQZKrA4mk-eIad18rtvtAwlmY150O27a8wTIXr_gtOrL23d"}`,
		`{"x":"4111111111111111","y":"` + strings.Repeat(`\n`, 40) + `4111111111111111","z":"` + strings.Repeat("ab", 40) + `"}`,
		`[` + strings.Repeat(`"4111 1111 1111 1111",`, 20) + `{"pan":"4111111145551140"}]`,
		`{"Pan_":"5186001700008786","cvv-":"123","_OTP":"1","-x-":"1234567890123"}`,
		"not json 5186001700008785 {", `{"a":"5186001700008785"`, `"x\u0000"`,
	}
	for _, tc := range plantedJSON {
		out = append(out, tc.in)
	}
	return out
}

func TestFastPathsMaskAsTheFullWalk(t *testing.T) {
	for _, s := range append(jsonFastPathDocs(), fastPathTexts()...) {
		checkSameAsFullWalk(t, s)
		checkSpliced(t, s)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	parts := []string{`{`, `}`, `[`, `]`, `"`, `":`, `,`, `\u0034`, `\"`, `\\`, "5186001700008785", "4111 1111 1111 1111", "6011000000000005",
		"5186001700008786", "pan", "cvv2", "expiry_Month", "PAN_", "-cvc-", "_", "Card-Number", "fundingAccount", "x", "%20", "%35", "-", "0f1e2d3c-4b5a-4968-8776-655443322110",
		"abcdefabcdefabcdefabcdefabcdefabcd", "123", "1", " ", "null", "true", "e5", "."}
	for n := 0; n < 8000; n++ {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		checkSameAsFullWalk(t, b.String())
		checkSpliced(t, b.String())
	}
}

// FuzzFastPathsMaskAsTheFullWalk: with or without the checks that spare
// the walk, a text and a JSON document are masked alike and report alike.
func FuzzFastPathsMaskAsTheFullWalk(f *testing.F) {
	for _, s := range jsonFastPathDocs() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkSameAsFullWalk(t, s)
		checkSpliced(t, s)
	})
}
