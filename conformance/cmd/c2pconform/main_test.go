package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/conformance"
)

func TestLabelFilter(t *testing.T) {
	f, err := labelFilter([]string{"visa"}, []string{"vi-enr-01"}, "MUST")
	if err != nil || f != "(net:visa || net:all) && level:must && (req:VI-ENR-01)" {
		t.Fatalf("filter = %q, %v", f, err)
	}
	_, err = labelFilter(nil, []string{"VI-NOPE-01", "XX-ENR-01"}, "sometimes")
	if err == nil || !strings.Contains(err.Error(), "VI-NOPE-01") || !strings.Contains(err.Error(), "XX-ENR-01") || !strings.Contains(err.Error(), "sometimes") {
		t.Fatalf("every mistake should be reported: %v", err)
	}
}

func TestExitCodes(t *testing.T) {
	passed := conformance.Report{Scenarios: []conformance.Scenario{{Verdict: conformance.Passed}}}
	failed := conformance.Report{Scenarios: []conformance.Scenario{{Verdict: conformance.Failed}}, MustFailed: 1}
	empty := conformance.Report{Scenarios: []conformance.Scenario{{Verdict: conformance.Skipped}}}
	for _, tc := range []struct {
		r    conformance.Report
		want int
	}{{passed, 0}, {failed, 1}, {empty, 2}} {
		if got := summarise(tc.r, "/tmp/x", &bytes.Buffer{}); got != tc.want {
			t.Errorf("summarise = %d, want %d", got, tc.want)
		}
	}
	if run([]string{"bogus"}, &bytes.Buffer{}, &bytes.Buffer{}) != 2 {
		t.Error("unknown command is not exit 2")
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
