package simulator_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
)

// sealedArt is the card-art network as if it encrypted card data: its
// "decrypted payload" is what the X-Sealed header says, the cards it
// concerns are those of the X-Card header, and it records the caller's
// X-Request-Id and X-Ref as a correlation ID and a note, as network plugins
// do.
type sealedArt struct{ artNet }

func (n *sealedArt) Operations() []simulator.Operation {
	ops := n.artNet.Operations()
	for i := range ops {
		ops[i].Decode = n.decode
	}
	return ops
}

func (n *sealedArt) decode(r *simulator.Request) error {
	if p := r.HTTP.Header.Get("X-Sealed"); p != "" {
		r.SetPlaintext([]byte(p))
	}
	if c := r.HTTP.Header.Get("X-Card"); c != "" {
		r.AddCard(c)
	}
	// As network plugins do: the card a decrypted payload holds is the card
	// the request concerns.
	var in struct {
		PAN string `json:"primaryAccountNumber"`
	}
	if json.Unmarshal(r.Plaintext(), &in) == nil && in.PAN != "" {
		r.AddCard(in.PAN)
	}
	r.AddCorrelationID(r.HTTP.Header.Get("X-Request-Id"))
	if ref := r.HTTP.Header.Get("X-Ref"); ref != "" {
		r.Note("ref", ref)
	}
	return nil
}

// cardSeq hands out distinct Luhn-valid card numbers, so a leak names the
// place it came from.
type cardSeq struct{ n int }

func (c *cardSeq) next(prefix string) string {
	c.n++
	p := fmt.Sprintf("%s%0*d", prefix, 15-len(prefix), c.n)
	return p + string(pan.LuhnCheckDigit(p))
}

func group4(p, sep string) string {
	return p[0:4] + sep + p[4:8] + sep + p[8:12] + sep + p[12:16]
}

// Card numbers planted in every place a caller can put one (headers and
// their names, the URL path and query in every grouping, correlation and
// request IDs touching letters, JSON keys of clear bodies and of decrypted
// payloads, notes, fault rules' message and code) never come back out in
// clear: not from the journal, the admin API, the logs or the answers.
func TestPlantedCardNumbersNeverLeak(t *testing.T) {
	var logs syncBuffer
	n := &sealedArt{}
	sim, err := simulator.New(simulator.Options{
		Networks: []string{}, Extra: []simulator.Network{n}, Seed: 1,
		// No ReplaceAttr: the engine itself must log nothing in clear.
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	var cards cardSeq
	type plant struct{ where, card string }
	var planted []plant
	cardOf := func(prefix, where string) string {
		c := cards.next(prefix)
		planted = append(planted, plant{where, c})
		return c
	}
	card := func(where string) string { return cardOf("5186", where) }
	var answers []string
	send := func(method, path, body string, hdr ...string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Key", "k")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header[hdr[i]] = append(req.Header[hdr[i]], hdr[i+1])
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		// The card-art handler echoes what it was sent (as a network's
		// answer may); the engine's own answers (errors) and the admin
		// API's are checked.
		if resp.StatusCode >= 300 || strings.HasPrefix(path, "/_admin/") {
			answers = append(answers, string(b))
		}
	}
	const art = "/art/api/v1/art"
	ok := `{"binRange":"518600","artUri":"https://cdn.example/a.png"}`

	send("POST", art, ok, "X-Request-Id", "id"+card("request ID id<PAN>"))
	send("POST", art, ok, "X-Request-Id", "r"+card("request ID r<PAN>"))
	send("POST", art, ok, "X-Request-Id", "ec"+card("correlation ID ec<PAN>"))
	send("POST", art, ok, "X-Request-Id", "corr-"+card("correlation ID corr-<PAN>")+"-x")
	send("POST", art, ok, "X-Correlation-Id", "ec"+card("header value ec<PAN>"))
	send("POST", art, ok, "X-"+card("header name X-<PAN>"), "v")
	send("POST", art, ok, "X-Ref", "r"+card("note r<PAN>"))
	send("POST", art, ok, "Authorization", "Bearer "+card("bearer token"))
	send("POST", art, ok, "X-Multi", "a", "X-Multi", card("second value of a header"))
	send("POST", art+"?pan="+card("query pan="), ok)
	send("POST", art+"?q="+group4(card("query %20 groups"), "%20"), ok)
	send("POST", art+"?q="+group4(card("query + groups"), "+"), ok)
	send("POST", art+"?q="+group4(card("query %2D groups"), "%2D"), ok)
	send("POST", art+"?q="+group4(card("query / groups"), "/"), ok)
	send("POST", art+"?q="+group4(card("query , groups"), ","), ok)
	send("POST", art+"?q="+url.QueryEscape(card("query %3N digits")), ok)
	send("GET", art+"/"+card("URL path"), "")
	send("GET", art+"/r"+card("URL path r<PAN>"), "")
	send("GET", art+"/"+group4(card("URL path / groups"), "/"), "")
	send("POST", art, `{"binRange":"518600","artUri":"https://cdn.example/`+card("body value in a URI")+`.png"}`)
	send("POST", art, `{"binRange":"518600","artUri":"https://cdn.example/a.png","`+card("clear body key")+`":1}`)
	send("POST", art, `{"binRange":"518600","artUri":"https://cdn.example/a.png","x":{"`+card("nested clear body key")+`":{"y":1}}}`)
	send("POST", art, `{"binRange":"`+group4(card("body value grouped blanks"), " ")+`","artUri":"x"}`)
	send("POST", art, `{"binRange":"`+group4(card("body value grouped commas"), ",")+`","artUri":"x"}`)
	send("POST", art, `{"binRange":`+card("body number")+`,"artUri":"x"}`)
	send("POST", art, `{"binRange":"518600","artUri":"`+escapeDigits(card("body value written with JSON escapes"))+`"}`)
	send("POST", art, `{"binRange":`, "X-Request-Id", "r"+card("malformed body's request ID"))
	send("POST", art, `not json `+card("text body"))
	send("POST", art, ok, "X-Sealed", `{"cards":{"`+card("decrypted payload key")+`":{"status":"ACTIVE"}}}`)
	send("POST", art, ok, "X-Sealed", `{"note":"r`+card("decrypted payload value r<PAN>")+`"}`)
	send("POST", art, ok, "X-Sealed", `{"primaryAccountNumber":"5186001700008786"}`) // declared card data, fails Luhn
	planted = append(planted, plant{"decrypted card field failing Luhn", "5186001700008786"})
	// A card the exchange concerns (AddCard) is masked wherever else it
	// appears in that exchange, Luhn-valid or not.
	send("POST", art, ok, "X-Card", "6011000000000005", "X-Request-Id", "ref6011000000000005", "X-Sealed", `{"pan":"6011000000000005"}`)
	planted = append(planted, plant{"the exchange's own card (fails Luhn) in its request ID", "6011000000000005"})
	send("POST", art, ok, "X-C2PSim-Fault", "status=400; code=C"+card("fault header code")+"; message=card "+card("fault header message"))
	send("POST", "/_admin/faults", `{"network":"art","operation":"getArt","status":404,"code":"E`+card("fault rule code")+`","message":"card `+card("fault rule message")+`","times":1}`)
	send("GET", art+"/art-0001", "")
	send("GET", "/nowhere/"+card("unknown network path"), "")
	send("POST", art, ok, "X-Request-Id", group4(card("request ID grouped -"), "-"))
	send("POST", art, ok, "X-Request-Id", "r"+cardOf("4111", "request ID r<Visa>z")+"z")
	send("POST", art, ok, "X-Sealed", `{"x":"`+group4(card("decrypted value %2D groups"), "%2D")+`"}`)
	send("POST", art, ok, "X-Ref", group4(card("note grouped /"), "/"))

	// Everything anyone can read back.
	for _, p := range []string{"/_admin/journal", "/_admin/faults", "/_admin/state", "/_admin/health"} {
		send("GET", p, "")
	}
	everything := strings.Join(answers, "\n") + "\n" + logs.String()
	flat := digitsJoined(everything)
	leaked := 0
	for _, p := range planted {
		if strings.Contains(flat, p.card) {
			leaked++
			t.Errorf("leaked: %s (%s)", p.where, p.card)
		}
	}
	if len(planted) < 40 {
		t.Fatalf("only %d planted cases", len(planted))
	}
	t.Logf("%d of %d planted card numbers leaked", leaked, len(planted))
	if !strings.Contains(everything, "518600******") {
		t.Fatal("no masked card number anywhere: the test did not exercise the journal")
	}
}

// escapeDigits writes every digit of s as a JSON \u escape.
func escapeDigits(s string) string {
	var b strings.Builder
	for _, c := range s {
		fmt.Fprintf(&b, `\u%04x`, c)
	}
	return b.String()
}

// digitsJoined percent-decodes s and removes the separators between digits,
// so a card number written in groups or encoded reads as its digits.
func digitsJoined(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	} else {
		s = strings.NewReplacer("%20", " ", "%2D", "-", "%2d", "-", "%2F", "/", "%2C", ",", "%2B", "+").Replace(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(" +-./_,\t", c) >= 0 && i > 0 && s[i-1] >= '0' && s[i-1] <= '9' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// What is not a card number is journalled byte for byte: hex ciphertext,
// base64url, GUIDs, token references and numeric IDs that fail Luhn, in
// bodies, headers and correlation IDs.
func TestCiphertextAndIdentifiersJournalledByteForByte(t *testing.T) {
	n := &sealedArt{}
	sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{n}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	h := sim.Handler()
	r := rand.New(rand.NewSource(7))
	blob := func(k int) []byte {
		b := make([]byte, k)
		r.Read(b)
		return b
	}
	for i := 0; i < 300; i++ {
		id := uuid(r)
		tokenRef := "DM4MMC" + hex.EncodeToString(blob(16))
		body := fmt.Sprintf(`{"binRange":"518600", "artUri":"https://cdn.example/%s.png"}`, hex.EncodeToString(blob(40)))
		sealed := fmt.Sprintf(`{"encryptedData":"%s","encryptedKey":"%s","iv":"%s","jwe":"%s.%s"}`,
			hex.EncodeToString(blob(200)), hex.EncodeToString(blob(256)), hex.EncodeToString(blob(16)),
			base64.RawURLEncoding.EncodeToString(blob(30)), base64.RawURLEncoding.EncodeToString(blob(300)))
		req := httptest.NewRequest("POST", "/art/api/v1/art", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Key", "k")
		req.Header.Set("X-Request-Id", id)
		req.Header.Set("X-Ref", tokenRef)
		req.Header.Set("X-Sealed", sealed)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		es := sim.Journal().Find(journal.Query{Limit: 1})
		if len(es) != 1 {
			t.Fatal("not journalled")
		}
		e := es[0]
		if e.RequestBody != body || e.RequestPlain != sealed || e.RequestHeader["X-Request-Id"] != id ||
			e.RequestHeader["X-Ref"] != tokenRef || e.Notes["ref"] != tokenRef || len(e.CorrelationIDs) == 0 || e.CorrelationIDs[0] != id {
			b, _ := json.Marshal(e)
			t.Fatalf("changed in the journal:\nsent body %s\nsealed %s\nid %s ref %s\nentry %s", body, sealed, id, tokenRef, b)
		}
	}
}

func uuid(r *rand.Rand) string {
	var b [16]byte
	r.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
