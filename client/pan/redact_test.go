package pan

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plantedText are card numbers hidden where the scan must find them, with
// the exact redaction expected. Every one is also in the fuzz corpus
// (TestFuzzCorpusKeepsEveryCase).
var plantedText = []struct{ name, in, want string }{
	{"correlation ID, letters before", "corr-ec5186001700008785", "corr-ec518600******8785"},
	{"request ID, id prefix", "id5186001700008785", "id518600******8785"},
	{"request ID, r prefix", "r4111111111111111", "r411111******1111"},
	{"letters after", "5186001700008785abc", "518600******8785abc"},
	{"letters both sides", "requestId=r5186001700008785x1", "requestId=r518600******8785x1"},
	{"short hex-looking word", "ec5186001700008785ff", "ec518600******8785ff"},
	{"header name", "X-5186001700008785", "X-518600******8785"},
	{"grouped %20", "5186%200017%200000%208785", "5186%2000**%20****%208785"},
	{"grouped +", "5186+0017+0000+8785", "5186+00**+****+8785"},
	{"grouped %2D", "5186%2D0017%2D0000%2D8785", "5186%2D00**%2D****%2D8785"},
	{"grouped %2d", "5186%2d0017%2d0000%2d8785", "5186%2d00**%2d****%2d8785"},
	{"grouped /", "5186/0017/0000/8785", "5186/00**/****/8785"},
	{"grouped ,", "5186,0017,0000,8785", "5186,00**,****,8785"},
	{"grouped %2C", "5186%2C0017%2C0000%2C8785", "5186%2C00**%2C****%2C8785"},
	{"grouped %2F", "5186%2F0017%2F0000%2F8785", "5186%2F00**%2F****%2F8785"},
	{"grouped blanks in text", "card 5186 0017 0000 8785 in clear", "card 5186 00** **** 8785 in clear"},
	{"grouped -", "5186-0017-0000-8785", "5186-00**-****-8785"},
	{"grouped .", "5186.0017.0000.8785", "5186.00**.****.8785"},
	{"grouped _", "5186_0017_0000_8785", "5186_00**_****_8785"},
	{"grouped tabs", "5186\t0017\t0000\t8785", "5186\t00**\t****\t8785"},
	{"percent-encoded digits", "%35%31%38%36%30%30%31%37%30%30%30%30%38%37%38%35", "%35%31%38%36%30%30%2A%2A%2A%2A%2A%2A%38%37%38%35"},
	{"after an escape", "q=%205186001700008785", "q=%20518600******8785"},
	{"Amex 4-6-5", "3782 822463 10005", "3782 82**** *0005"},
	{"expiry after the number", "4111 1111 1111 1111 12 26", "4111 11** **** 1111 12 26"},
	{"URL path", "/tokens/5186001700008785/status", "/tokens/518600******8785/status"},
	{"query", "/x?pan=5186001700008785&x=1", "/x?pan=518600******8785&x=1"},
	{"query grouped", "/x?card=5186%200017%200000%208785&x=1", "/x?card=5186%2000**%20****%208785&x=1"},
	{"bearer token", "Bearer 4111111111111111", "Bearer 411111******1111"},
	{"19 digits", "6799990100000000019", "679999*********0019"},
	{"12 digits", "501800000009", "501800**0009"},
	{"13 digits", "4222222222222", "422222***2222"},
	{"14 digits", "30569309025904", "305693****5904"},
	{"Discover grouped", "6011 1111 1111 1117", "6011 11** **** 1117"},
	{"JCB in a message", "msg: card 3530111333300000 refused", "msg: card 353011******0000 refused"},
	{"two in a list", "5186001700008785,4111111111111111", "518600******8785,411111******1111"},
	{"Visa sample (fails Luhn, known)", "4111111145551140", "411111******1140"},
	{"Visa second sample (fails Luhn, known)", "x4111111145551141", "x411111******1141"},
	{"Amex SDK sample (fails Luhn, known)", "pan=371111111111111;", "pan=371111*****1111;"},
	{"known sample grouped", "4111 1111 4555 1140", "4111 11** **** 1140"},
	{"fault message", "card 378282246310005 is blocked", "card 378282*****0005 is blocked"},
	{"inside a long digit run (known)", "00004111111145551140000000", "0000411111******1140000000"},
}

// plantedJSON are card numbers in JSON documents: keys, escapes, numbers,
// card fields whose value fails the Luhn check.
var plantedJSON = []struct{ name, in, want string }{
	{"object key", `{"5186001700008785":"x"}`, `{"518600******8785":"x"}`},
	{"nested key", `{"payload":{"cards":{"4111111111111111":{"status":"ACTIVE"}}}}`, `{"payload":{"cards":{"411111******1111":{"status":"ACTIVE"}}}}`},
	{"escaped key", `{"k\u0065y5186001700008785":1}`, `{"key518600******8785":1}`},
	{"escaped digit", `{"x":"51860017\u00300008785"}`, `{"x":"518600******8785"}`},
	{"escaped dashes", `{"y":"5186\u002d0017\u002d0000\u002d8785"}`, `{"y":"5186-00**-****-8785"}`},
	{"number", `{"n":5186001700008785}`, `{"n":"518600******8785"}`},
	{"card field failing Luhn", `{"pan":"5186001700008786"}`, `{"pan":"518600******8786"}`},
	{"card field, Amex sample", `{"account_number":"371111111111111"}`, `{"account_number":"371111*****1111"}`},
	{"card field number", `{"primaryAccountNumber":4111111145551140}`, `{"primaryAccountNumber":"411111******1140"}`},
	{"card field grouped", `{"cardNumber":"5186 0017 0000 8786"}`, `{"cardNumber":"5186 00** **** 8786"}`},
	{"MDES AccountPan", `{"AccountPan":"5186001700008785"}`, `{"AccountPan":"518600******8785"}`},
	{"text value", `{"note":"card 5186 0017 0000 8785"}`, `{"note":"card 5186 00** **** 8785"}`},
	{"secrets removed", `{"cvc":"123","expiryMonth":"12","nested":{"clientSecret":{"a":1}},"otp":null}`, `{"cvc":"[removed]","expiryMonth":"[removed]","nested":{"clientSecret":"[removed]"},"otp":null}`},
	{"decrypted payload", `{"card":{"primaryAccountNumber":"5186001700008785","panExpirationMonth":"12","panExpirationYear":"2030"},"source":"ISSUER"}`,
		`{"card":{"primaryAccountNumber":"518600******8785","panExpirationMonth":"[removed]","panExpirationYear":"[removed]"},"source":"ISSUER"}`},
}

func TestRedactTextMasksPlantedCardNumbers(t *testing.T) {
	for _, tc := range plantedText {
		if got := RedactText(tc.in); got != tc.want {
			t.Errorf("%s: RedactText(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestRedactJSONMasksPlantedCardNumbers(t *testing.T) {
	for _, tc := range plantedJSON {
		got := RedactJSON([]byte(tc.in))
		if string(got) != tc.want {
			t.Errorf("%s: RedactJSON(%s) = %s, want %s", tc.name, tc.in, got, tc.want)
		}
		if !json.Valid(got) {
			t.Errorf("%s: output is not JSON: %s", tc.name, got)
		}
	}
}

// survivors are what the masking must leave byte for byte.
var survivors = []struct{ name, in string }{
	{"token reference", "DM4MMCa4533c7518dbb4996558145171bb9af2"},
	{"date and time", "on 2026-01-15 at 10:00"},
	{"phone number", "call +1-202-555-0143"},
	{"IPv4", "from 192.168.100.200"},
	{"millisecond timestamp", "ts=1764043403123"},
	{"Luhn-invalid 12-digit request ID", "requestId=655443322110"},
	{"Luhn-invalid 16 digits", "5186001700008786"},
	{"all-digit hyphenated ID", "id 12345678-1234-4123-8123-123456789"},
	{"GUID, digits first", "53141213-1111-4111-8111-abcdef012345"},
	{"GUID, all digits", "53141213-1111-4111-8111-518600170000"},
	{"uppercase GUID", "F0E1D2C3-4B5A-4968-8776-655443322110"},
	{"hex with a Luhn-valid run", "a1b2c3d4e5f6" + "5186001700008785" + "0a1b2c3d4e5f"},
	{"hex blob after a dash", "iv-" + "5186001700008785" + "abcdefabcdefabcdef"},
	{"hex blob after an escape", "%2F" + "5186001700008785" + "abcdefabcdefabcdef"},
	{"masked already", "518600******8785 and 5186 00** **** 8785"},
	{"masked with escapes", "5186%2000**%20****%208785"},
	{"a thousands list", "1,234,567"},
}

func TestRedactTextLeavesIdentifiersAndCiphertext(t *testing.T) {
	for _, tc := range survivors {
		if got := RedactText(tc.in); got != tc.in {
			t.Errorf("%s: RedactText(%q) = %q", tc.name, tc.in, got)
		}
	}
}

// Random hex (Mastercard's field-level ciphertext, keys, IVs), base64url
// (JWE segments), standard base64 and GUIDs come out byte for byte, and so
// does a Mastercard encrypted body that holds them.
func TestRandomCiphertextSurvivesByteForByte(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	blob := func(n int) []byte {
		b := make([]byte, n)
		r.Read(b)
		return b
	}
	for i := 0; i < 5000; i++ {
		n := 16 + r.Intn(512)
		for _, s := range []string{
			hex.EncodeToString(blob(n)),
			strings.ToUpper(hex.EncodeToString(blob(n))),
			base64.RawURLEncoding.EncodeToString(blob(n)),
			base64.StdEncoding.EncodeToString(blob(n)),
			uuid(r),
			"DM4MMC" + hex.EncodeToString(blob(16)),
		} {
			if got := RedactText(s); got != s {
				t.Fatalf("RedactText changed %q into %q", s, got)
			}
		}
		body := fmt.Sprintf(`{ "encryptedValue" : "%s","iv":"%s", "encryptedKey":"%s",
			"oaepHashingAlgorithm":"SHA256","publicKeyFingerprint":"%s", "requestId":"%s", "html":"<a&b>"}`,
			hex.EncodeToString(blob(n)), hex.EncodeToString(blob(16)), hex.EncodeToString(blob(256)),
			hex.EncodeToString(blob(32)), uuid(r))
		if got := RedactJSON([]byte(body)); string(got) != body {
			t.Fatalf("RedactJSON changed\n%s\ninto\n%s", body, got)
		}
	}
}

func uuid(r *rand.Rand) string {
	var b [16]byte
	r.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// A Redactor given cards masks them wherever their digits are, even inside
// opaque data and longer runs; the default one does not know them.
func TestRedactorKnownCards(t *testing.T) {
	const card = "5186001700008786" // fails Luhn
	in := "abcdefabcdefabcdef" + card + "abcdef and 99" + card + "99 and " + card
	r := NewRedactor([]string{card}, nil)
	if got := r.Text(in); strings.Contains(got, card) || strings.Count(got, "518600******8786") != 3 {
		t.Errorf("known card: %q", got)
	}
	if got := RedactText(in); got != in {
		t.Errorf("the default redactor changed %q into %q", in, got)
	}
	ex := Default().WithCards(card)
	if got := ex.Text("corr " + card); got != "corr 518600******8786" {
		t.Errorf("WithCards: %q", got)
	}
	if got := Default().Text("corr " + card); got != "corr "+card {
		t.Errorf("WithCards changed the default redactor: %q", got)
	}
	cf := NewRedactor(nil, []string{"fundingAccount"})
	if got := string(cf.JSON([]byte(`{"funding_account":"1234567890123"}`))); got != `{"funding_account":"123456***0123"}` {
		t.Errorf("card field given: %s", got)
	}
}

func TestScanReportsWhereCardsWere(t *testing.T) {
	var found []Found
	out := Default().ScanJSON([]byte(`{"a":[{"5186001700008785":"x"}],"pan":"5186001700008786","b":"r4111111111111111"}`), &found)
	want := []Found{
		{Where: "/a/0/518600******8785#key", Masked: "518600******8785"},
		{Where: "/pan", Masked: "518600******8786", Declared: true, Field: "pan"},
		{Where: "/b", Masked: "411111******1111"},
	}
	if fmt.Sprint(found) != fmt.Sprint(want) {
		t.Errorf("found %+v\nwant  %+v (out %s)", found, want, out)
	}
	found = nil
	if got := Default().ScanText("x 5186 0017 0000 8785", "header X-Card", &found); got != "x 5186 00** **** 8785" ||
		len(found) != 1 || found[0].Where != "header X-Card" || found[0].Masked != "5186 00** **** 8785" {
		t.Errorf("ScanText = %q, %+v", got, found)
	}
}

func TestRedactJSONKeepsCleanDocumentsAsTheyAre(t *testing.T) {
	clean := []byte(`{"artId":"art-0001", "n":123456789012,"id":"53141213-1111-4111-8111-abcdef012345","nested":{"status":"ACTIVE","x":[1,2.5e3,true,null]}}`)
	if out := RedactJSON(clean); &out[0] != &clean[0] {
		t.Error("a document with nothing to redact was copied")
	}
	allocs := testing.AllocsPerRun(100, func() { _ = RedactJSON(clean) })
	if allocs != 0 {
		t.Errorf("RedactJSON allocated %v times for a clean document", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = RedactText("req 53141213-1111-4111-8111-abcdef012345 at 1764043403123") }); allocs != 0 {
		t.Errorf("RedactText allocated %v times for clean text", allocs)
	}
}

func TestRedactJSONChangesOnlyWhatItMasks(t *testing.T) {
	in := `{ "z" : "<&>", "pan" : "5186001700008785",` + "\n" + ` "a":"\u00e9\/" }`
	want := `{ "z" : "<&>", "pan" : "518600******8785",` + "\n" + ` "a":"\u00e9\/" }`
	if got := string(RedactJSON([]byte(in))); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	// Not JSON: text.
	if got := string(RedactJSON([]byte("not json 5186001700008785"))); got != "not json 518600******8785" {
		t.Errorf("text fallback = %q", got)
	}
	deep := strings.Repeat("[", 10000) + `"5186001700008785"` + strings.Repeat("]", 10000)
	if got := string(RedactJSON([]byte(deep))); strings.Contains(got, "5186001700008785") {
		t.Error("a deep document leaked")
	}
}

// Every planted case and every survivor is a seed of the fuzz targets, kept
// in testdata/fuzz so `go test` replays them and `make fuzz` starts from them.
func TestFuzzCorpusKeepsEveryCase(t *testing.T) {
	want := map[string]string{}
	for i, tc := range plantedText {
		want[filepath.Join("FuzzRedactText", fmt.Sprintf("planted-%02d", i))] = tc.in
	}
	for i, tc := range survivors {
		want[filepath.Join("FuzzRedactText", fmt.Sprintf("survivor-%02d", i))] = tc.in
	}
	for i, tc := range plantedJSON {
		want[filepath.Join("FuzzRedactJSON", fmt.Sprintf("planted-%02d", i))] = tc.in
	}
	update := os.Getenv("C2PSIM_UPDATE_CORPUS") != ""
	for name, in := range want {
		path := filepath.Join("testdata", "fuzz", name)
		var content string
		if strings.HasPrefix(name, "FuzzRedactText") {
			content = fmt.Sprintf("go test fuzz v1\nstring(%q)\n", in)
		} else {
			content = fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", in)
		}
		if update {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Errorf("%s is missing or stale (C2PSIM_UPDATE_CORPUS=1 go test -run TestFuzzCorpusKeepsEveryCase ./client/pan rewrites it)", path)
		}
	}
}

// FuzzRedactText: the length never changes, a second pass can only mask
// more digits (masking can join the visible digits of a grouped number to
// its neighbours), and no Luhn-valid run of 12–19 digits stays in clear
// outside opaque data.
func FuzzRedactText(f *testing.F) {
	f.Add("5186001700008785")
	f.Fuzz(func(t *testing.T, s string) {
		out := RedactText(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q -> %q", s, out)
		}
		if again := RedactText(out); !onlyMoreMasked(out, again) {
			t.Fatalf("a second pass did more than mask digits: %q -> %q -> %q", s, out, again)
		}
		for _, r := range cardRuns(s) {
			if !strings.Contains(out[r[0]:r[1]], "*") {
				t.Fatalf("%q left the card number %s in clear: %q", s, s[r[0]:r[1]], out)
			}
		}
	})
}

// onlyMoreMasked reports whether b is a with some digits (or %3N escapes)
// masked, and nothing else changed.
func onlyMoreMasked(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		switch {
		case a[i] == b[i]:
		case isDigit(a[i]) && b[i] == '*':
		case i >= 2 && a[i-2:i] == "%3" && b[i-2:i+1] == "%2A" && isDigit(a[i]):
		case i >= 1 && a[i-1] == '%' && a[i] == '3' && b[i] == '2':
		default:
			return false
		}
	}
	return true
}

// cardRuns returns where s holds a run of 12–19 plain digits that passes
// Luhn, outside hexadecimal strings of 32+ characters and GUIDs. A run that
// starts inside a percent escape (%20…, %A5…) is read as decoded, without
// the escape's digits (the scanner also tries the raw reading, but need
// not find a number that only the raw reading holds).
func cardRuns(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		if isHex(s[i]) && (i == 0 || !isHex(s[i-1]) || i >= 3 && s[i-3] == '%') {
			if end := opaqueEnd(s, i); end > i {
				i = end
				continue
			}
		}
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		f := i
		switch {
		case i >= 1 && s[i-1] == '%':
			f = i + 2
		case i >= 2 && s[i-2] == '%' && isHex(s[i-1]):
			f = i + 1
		}
		if n := j - f; n >= 12 && n <= 19 && Luhn(s[f:j]) {
			out = append(out, [2]int{f, j})
		}
		i = j
	}
	return out
}

// luhnRunOutsideOpaque returns a card run of s (see cardRuns) that does not
// touch a masked digit: what a redacted text may hold next to a masked
// number is the visible rest of a longer digit run, never a number on its
// own.
func luhnRunOutsideOpaque(s string) string {
	for _, r := range cardRuns(s) {
		if (r[0] == 0 || s[r[0]-1] != '*') && (r[1] == len(s) || s[r[1]] != '*') {
			return s[r[0]:r[1]]
		}
	}
	return ""
}

// FuzzRedactJSON: valid JSON stays valid JSON, a second pass changes
// nothing, and no card number is left in any string, number or key.
func FuzzRedactJSON(f *testing.F) {
	f.Add([]byte(`{"pan":"5186001700008785","cvv":"123"}`))
	f.Add([]byte(`[1,2,"x"]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out := RedactJSON(b)
		if !json.Valid(b) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid JSON became invalid: %q -> %q", b, out)
		}
		if again := RedactJSON(out); !onlyMoreMasked(string(out), string(again)) {
			t.Fatalf("a second pass did more than mask digits: %q -> %q -> %q", b, out, again)
		}
		var v any
		_ = json.Unmarshal(out, &v)
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if run := luhnRunOutsideOpaque(k); run != "" {
						t.Fatalf("card number %s left in a key: %q -> %q", run, b, out)
					}
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case string:
				if run := luhnRunOutsideOpaque(v); run != "" {
					t.Fatalf("card number %s left in %q: %q -> %q", run, v, b, out)
				}
			}
		}
		walk(v)
	})
}

// A CardSet recognises cards it holds (as keyed hashes) and forgets the oldest past
// its capacity; a Redactor with it reports them as known.
func TestCardSetAndKnownCards(t *testing.T) {
	s := NewCardSet(2)
	for _, c := range []string{"5186001700008785", "4111111111111111", "378282246310005"} {
		s.Add(c)
	}
	if s.Len() != 2 || s.Has("5186001700008785") || !s.Has("4111111111111111") || !s.Has("378282246310005") {
		t.Fatalf("len %d", s.Len())
	}
	s.Add("123")
	if s.Len() != 2 {
		t.Fatal("a short number was added")
	}
	var found []Found
	r := Default().WithSeen(s)
	r.ScanText("a 4111111111111111 b 5186001700008785 c 4111111145551140", "", &found)
	if len(found) != 3 || !found[0].Known || found[1].Known || !found[2].Known {
		t.Fatalf("found %+v", found)
	}
}
