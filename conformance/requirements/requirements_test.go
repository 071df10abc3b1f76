package requirements

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	_ "github.com/c2psim/c2psim/simulator/networks/all"
)

var idPattern = regexp.MustCompile(`^(MC|VI|AX|DS|C2P)-(ENR|DAT|LCM|NTF|SEC|ERR|IDM)-[0-9]{2}$`)

// markers are words that belong to one network: a title that uses another
// network's words, or a shared rule's title that uses any, is wrong.
var markers = map[Network]*regexp.Regexp{
	Mastercard: regexp.MustCompile(`\b(Mastercard|MDES|MC|srcCorrelationId|externalConsumerId|TRID)\b`),
	Visa:       regexp.MustCompile(`\b(Visa|VICA|VTS|VIDC-[0-9]+|V|externalConsumerID|requestTraceId)\b`),
	Amex:       regexp.MustCompile(`\b(American Express|Amex|AX|x-amex-[a-z-]+|token_ref_id)\b`),
	Discover:   regexp.MustCompile(`\b(Discover|D1|DS|x-dfs-[a-z-]+)\b`),
}

func TestCatalogIsWellFormed(t *testing.T) {
	if len(problems) > 0 {
		t.Fatalf("catalog problems:\n%s", strings.Join(problems, "\n"))
	}
	byPrefix := map[string]Network{}
	for n, p := range prefixes {
		byPrefix[p] = n
	}
	all := All()
	if len(all) < 40 {
		t.Fatalf("catalog has %d requirements", len(all))
	}
	for _, r := range all {
		m := idPattern.FindStringSubmatch(r.ID)
		if m == nil {
			t.Errorf("%s: ID does not match %s", r.ID, idPattern)
			continue
		}
		if a, _ := AreaOf(r.ID); a != r.Area {
			t.Errorf("%s: area %q does not match its ID", r.ID, r.Area)
		}
		if r.Title == "" || (r.Level != Must && r.Level != Should) {
			t.Errorf("%s: title and level are required", r.ID)
		}
		if len(r.Statements) == 0 || len(r.Statements) != len(r.Networks) {
			t.Errorf("%s: %d statements for networks %v", r.ID, len(r.Statements), r.Networks)
		}
		if n, ok := byPrefix[m[1]]; ok && (len(r.Networks) != 1 || r.Networks[0] != n) {
			t.Errorf("%s: a %s requirement applies to %s alone, not %v", r.ID, m[1], n, r.Networks)
		}
		if m[1] == "C2P" {
			for n, re := range markers {
				if w := re.FindString(r.Title); w != "" {
					t.Errorf("%s: the shared rule's title speaks of %s (%q)", r.ID, n, w)
				}
			}
		}
		for _, s := range r.Statements {
			st, _ := r.On(s.Network)
			if s.Source == "" {
				t.Errorf("%s on %s: a statement needs its public source", r.ID, s.Network)
			}
			if m[1] == "C2P" && s.Title == "" && s.Operations != nil {
				t.Errorf("%s on %s: a shared rule's statement says it in the network's terms", r.ID, s.Network)
			}
			for n, re := range markers {
				if n == s.Network {
					continue
				}
				if w := re.FindString(st.Title); w != "" {
					t.Errorf("%s on %s: the title speaks of %s (%q): %s", r.ID, s.Network, n, w, st.Title)
				}
			}
		}
	}
	if r, ok := Lookup("c2p-enr-01"); !ok || r != C2PEnr01 {
		t.Error("Lookup is not case-insensitive")
	}
}

// A statement marked documented names only operations c2psim's own
// documents mark documented, so the catalog agrees with each network's
// fidelity; every operation named exists. A statement may name one part of
// an operation whose document splits its fidelity (x-c2psim-fidelity-parts,
// "requestStatus#envelope"): a rule about the envelope rests on that.
func TestDocumentedAgreesWithFidelity(t *testing.T) {
	sim, err := simulator.New(simulator.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	fidelity := map[string]string{}
	for _, info := range sim.Info() {
		for _, op := range info.Operations {
			fidelity[info.ID+"/"+op.OperationID] = op.Fidelity
		}
		for _, d := range info.Documents {
			doc, err := openapi.Load(d.Path)
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range doc.Paths.Map() {
				for _, op := range item.Operations() {
					parts, _ := op.Extensions["x-c2psim-fidelity-parts"].(map[string]any)
					for part, v := range parts {
						m, _ := v.(map[string]any)
						f, _ := m["fidelity"].(string)
						fidelity[info.ID+"/"+op.OperationID+"#"+part] = f
					}
				}
			}
		}
	}
	for _, r := range All() {
		for _, s := range r.Statements {
			var inferred []string
			for _, op := range s.Operations {
				f, ok := fidelity[string(s.Network)+"/"+op]
				switch {
				case !ok:
					t.Errorf("%s on %s: no operation %q in the network's documents", r.ID, s.Network, op)
				case f != "documented":
					inferred = append(inferred, fmt.Sprintf("%s (%s)", op, f))
				}
			}
			if s.Documented && len(inferred) > 0 {
				t.Errorf("%s on %s is marked documented but rests on %s: mark it inferred", r.ID, s.Network, strings.Join(inferred, ", "))
			}
		}
	}
}
