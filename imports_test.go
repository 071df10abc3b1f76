package c2psim_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The dependency rules of the design, checked on the real build graph
// (non-test imports, transitively):
//
//		scenarios -> conformance -> client, simulator -> openapi
//
//	  - client imports neither simulator nor conformance: an issuer library
//	    never ships a simulator;
//	  - only conformance and scenarios import ginkgo/gomega;
//	  - nothing imports scenarios but the c2pconform command, which ships the
//	    suite compiled in (scenarios/suite);
//	  - the engine imports no network plugin (plugins depend on it);
//	  - openapi imports nothing of ours.
func TestImportRules(t *testing.T) {
	const mod = "github.com/c2psim/c2psim"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
		Deps       []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("only %d packages listed", len(pkgs))
	}
	in := func(path, area string) bool { return path == mod+"/"+area || strings.HasPrefix(path, mod+"/"+area+"/") }
	ginkgo := func(d string) bool {
		return strings.HasPrefix(d, "github.com/onsi/ginkgo") || strings.HasPrefix(d, "github.com/onsi/gomega")
	}
	for _, p := range pkgs {
		for _, d := range p.Deps {
			switch {
			case in(p.ImportPath, "client") && (in(d, "simulator") || in(d, "conformance") || in(d, "scenarios")):
				t.Errorf("%s depends on %s: the client must not ship the simulator or the harness", p.ImportPath, d)
			case in(p.ImportPath, "openapi") && strings.HasPrefix(d, mod+"/"):
				t.Errorf("%s depends on %s: openapi is the bottom layer", p.ImportPath, d)
			}
		}
		for _, d := range p.Imports {
			switch {
			case ginkgo(d) && !in(p.ImportPath, "conformance") && !in(p.ImportPath, "scenarios"):
				t.Errorf("%s imports %s: only conformance and scenarios may", p.ImportPath, d)
			case in(d, "scenarios") && !in(p.ImportPath, "scenarios") &&
				!(p.ImportPath == mod+"/conformance/cmd/c2pconform" && d == mod+"/scenarios/suite"):
				t.Errorf("%s imports %s: nothing imports the scenarios (c2pconform imports scenarios/suite alone)", p.ImportPath, d)
			case in(d, "simulator/networks") && !in(p.ImportPath, "simulator/networks") && !in(p.ImportPath, "simulator/cmd") &&
				in(p.ImportPath, "simulator"):
				t.Errorf("%s imports %s: the engine must not depend on a network plugin", p.ImportPath, d)
			case in(p.ImportPath, "simulator") && in(d, "conformance"):
				t.Errorf("%s imports %s: the simulator does not depend on the harness", p.ImportPath, d)
			}
		}
	}
}
