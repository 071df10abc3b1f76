// Package pdfcheck prints a certification report to PDF the way an
// auditor would (headless Chromium) and checks the PDF's text (pdftotext):
// it holds what it must and no card number in clear. Under CI both tools
// must be installed (.ci/run installs them); elsewhere a missing tool
// skips the test.
package pdfcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/client/pan"
)

// Check prints html (a package's report.html) to PDF and checks the PDF's
// text holds every want and none of the cards ClearCards finds; layout
// extracts the text keeping the page's physical layout (pdftotext -layout).
func Check(t testing.TB, html string, layout bool, masked []string, want ...string) {
	t.Helper()
	chromium, pdftotext := tool(t, "chromium", "chromium-browser", "google-chrome"), tool(t, "pdftotext")
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
		"--user-data-dir="+t.TempDir(), "--print-to-pdf="+pdf, "file://"+html)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	args := []string{pdf, "-"}
	if layout {
		args = append([]string{"-layout"}, args...)
	}
	out, err := exec.Command(pdftotext, args...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF lacks %q", w)
		}
	}
	if found := ClearCards(text, masked); len(found) > 0 {
		t.Errorf("the PDF holds full card numbers: %v", found)
	}
}

// tool finds one of the named programs; missing, the test fails under CI
// and is skipped elsewhere.
func tool(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (.ci/run installs it)", names[0])
	}
	t.Skipf("%s is not installed", names[0])
	return ""
}

// ClearCards finds card numbers in clear in a PDF's text: any Luhn-valid
// run of 13 to 19 digits standing alone, and any of the run's own cards
// (masked in its evidence as first six and last four) written out in full,
// even broken across lines. pdftotext breaks long identifiers and
// ciphertext at line ends, so the redactor's wider scan (digits touching
// letters, digits in groups) would read the pieces as card numbers.
func ClearCards(text string, masked []string) []string {
	var out []string
	for _, tok := range regexp.MustCompile(`[0-9]{13,19}`).FindAllStringIndex(text, -1) {
		before, after := byte(' '), byte(' ')
		if tok[0] > 0 {
			before = text[tok[0]-1]
		}
		if tok[1] < len(text) {
			after = text[tok[1]]
		}
		if s := text[tok[0]:tok[1]]; !isAlnum(before) && !isAlnum(after) && pan.Luhn(s) {
			out = append(out, pan.Mask(s))
		}
	}
	joined := strings.Join(strings.Fields(text), "")
	for _, m := range masked {
		if len(m) < 13 || !strings.Contains(m, "*") {
			continue
		}
		re := regexp.MustCompile(regexp.QuoteMeta(m[:6]) + fmt.Sprintf("[0-9]{%d}", len(m)-10) + regexp.QuoteMeta(m[len(m)-4:]))
		if re.MatchString(joined) {
			out = append(out, m)
		}
	}
	return out
}

func isAlnum(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' }
