package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/conformance"
)

func TestLabelFilter(t *testing.T) {
	f, err := labelFilter([]string{"visa"}, []string{"c2p-enr-01"}, "MUST")
	if err != nil || f != "(net:visa) && level:must && (req:C2P-ENR-01)" {
		t.Fatalf("filter = %q, %v", f, err)
	}
	_, err = labelFilter([]string{"vsia"}, []string{"VI-NOPE-01", "XX-ENR-01"}, "sometimes")
	for _, w := range []string{"VI-NOPE-01", "XX-ENR-01", "sometimes", "vsia"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Fatalf("every mistake should be reported (%s): %v", w, err)
		}
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		r    conformance.Report
		want int
	}{{conformance.Report{ExitCode: 0}, 0}, {conformance.Report{ExitCode: 1}, 1}, {conformance.Report{ExitCode: 2}, 2}} {
		if got := summarise(&tc.r, "/tmp/x", &bytes.Buffer{}); got != tc.want {
			t.Errorf("summarise = %d, want %d", got, tc.want)
		}
	}
	var stderr bytes.Buffer
	if run([]string{"bogus"}, &bytes.Buffer{}, &stderr) != 2 || !strings.Contains(stderr.String(), "report merge") {
		t.Error("an unknown command is not exit 2 with the usage (report merge included)")
	}
	for _, help := range []string{"help", "--help", "-h"} {
		stderr.Reset()
		if run([]string{help}, &bytes.Buffer{}, &stderr) != 0 || !strings.Contains(stderr.String(), "c2pconform report merge --out DIR") {
			t.Errorf("%s does not list report merge: %s", help, stderr.String())
		}
	}
	for _, cmd := range []string{"requirements", "features"} {
		stderr.Reset()
		var stdout bytes.Buffer
		if run([]string{cmd, "--network", "vsia"}, &stdout, &stderr) != 2 || !strings.Contains(stderr.String(), `unknown network "vsia"`) || stdout.Len() != 0 {
			t.Errorf("%s --network vsia: want exit 2 naming the network and nothing listed, got %q / %q", cmd, stderr.String(), stdout.String())
		}
	}
	var out bytes.Buffer
	if run([]string{"config", "init"}, &out, &bytes.Buffer{}) != 0 || !strings.Contains(out.String(), `"target": "bundled"`) {
		t.Error("config init")
	}
}

func TestConfigInitLoadsBack(t *testing.T) {
	var out bytes.Buffer
	run([]string{"config", "init"}, &out, &bytes.Buffer{})
	path := t.TempDir() + "/c.json"
	if err := writeFile(path, out.Bytes()); err != nil {
		t.Fatal(err)
	}
	cfg, err := conformance.LoadConfig(path)
	if err != nil || cfg.Target != "bundled" || len(cfg.Networks) != 4 || cfg.Settings["mastercard.batchDelay"] != "200ms" {
		t.Fatalf("config init output does not load: %+v, %v", cfg, err)
	}
	bad := t.TempDir() + "/bad.json"
	_ = writeFile(bad, []byte(`{"target":"cloud","networks":["jcb"],"colour":1}`))
	if _, err := conformance.LoadConfig(bad); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("bad config: %v", err)
	}
}

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o600) }
