package all_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/simulator"
)

var update = flag.Bool("update", false, "rewrite the generated README sections")

// The README's test-card and settings tables are generated from the plugins
// themselves; this test fails when they drift. Refresh with
//
//	go test ./simulator/networks/all -run README -update
func TestREADMETestCardsAreCurrent(t *testing.T) {
	const path = "../../../README.md"
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- test-cards:begin -->\n", "<!-- test-cards:end -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README lacks the %q … %q markers", begin, end)
	}
	want := s[:i+len(begin)] + generated() + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README test cards or settings are out of date: run go test ./simulator/networks/all -run README -update")
}

func generated() string {
	var b strings.Builder
	for _, id := range simulator.Registered() {
		n, _ := simulator.NewNetwork(id)
		fmt.Fprintf(&b, "### %s\n\n", n.Describe().Name)
		if tl, ok := n.(simulator.TestCardLister); ok {
			b.WriteString("| card number | outcome | what happens |\n| --- | --- | --- |\n")
			for _, c := range tl.TestCards() {
				fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.PAN, c.Outcome, c.Description)
			}
		}
		if settings := simulator.DeclaredSettings(n); len(settings) > 0 {
			fmt.Fprintf(&b, "\nSettings (`--set %s.<key>=<value>`; live ones also while running, `PATCH /_admin/networks/%s/settings`):\n\n| key | default | live | meaning |\n| --- | --- | --- | --- |\n", id, id)
			for _, s := range settings {
				live := ""
				if s.Live {
					live = "yes"
				}
				fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", s.Key, s.Default, live, s.Description)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
