package specplugin_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/simtest"
	"github.com/c2psim/c2psim/simulator/specplugin"
)

func TestSpecOnlyNetworkValidatesAndAnswersFromExamples(t *testing.T) {
	n, err := specplugin.New("cardart", openapi.FS, "examples/card-art.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{n}})
	resp, err := http.Post(srv.URL+"/cardart/api/v1/art", "application/json", strings.NewReader(`{"binRange":"518600","artUri":"https://x/a.png"}`))
	if err != nil {
		t.Fatal(err)
	}
	var art map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&art)
	resp.Body.Close()
	if resp.StatusCode != 201 || art["artId"] != "art-0001" {
		t.Fatalf("answer = %d %v", resp.StatusCode, art)
	}
	// No example for getArt's 200: generated from the schema, valid by construction
	// (simtest fails the test otherwise).
	resp, _ = http.Get(srv.URL + "/cardart/api/v1/art/art-0042")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("generated answer: %d", resp.StatusCode)
	}
	// Errors fill the document's own error schema.
	resp, _ = http.Post(srv.URL+"/cardart/api/v1/art", "application/json", strings.NewReader(`{"binRange":"x"}`))
	var e map[string]map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(e["error"]["message"], "artUri") {
		t.Fatalf("error = %d %v", resp.StatusCode, e)
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{"noequals", "=x.yaml", "Bad=x.yaml", "_admin=x.yaml", "ok=/does/not/exist.yaml"} {
		if _, err := specplugin.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
