package simulator_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/openapi"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// Every admin operation, sent what a careless or hostile caller sends,
// answers only statuses admin.yaml declares for it: strict mode fails the
// test on any other (a simulator finding), and the test checks each answer
// against the operation's declared statuses itself.
func TestAdminAnswersOnlyDeclaredStatuses(t *testing.T) {
	srv := simtest.Start(t, simtest.Options{Networks: []string{}, Extra: []simulator.Network{&artNet{}}, MaxBodyBytes: 256,
		Admin: simulator.AdminOptions{Token: "tok"}})
	doc, err := openapi.Load("admin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fill := regexp.MustCompile(`\{[^}]+\}`)
	values := map[string]string{"{network}": "art", "{format}": "yaml", "{trigger}": "x", "{id}": "f1", "{collection}": "art", "{seq}": "1", "{asset}": "console.js"}
	auth := []string{"Authorization", "Bearer tok"}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			url := "/_admin" + fill.ReplaceAllStringFunc(path, func(p string) string { return values[p] })
			cases := map[string]struct {
				url, body string
				hdr       []string
			}{
				"plain":           {url, "", auth},
				"no token":        {url, "", nil},
				"foreign host":    {url, "", append([]string{"Host", "evil.example"}, auth...)},
				"a JSON body":     {url, "{}", append([]string{"Content-Type", "application/json"}, auth...)},
				"a text body":     {url, "x", append([]string{"Content-Type", "text/plain"}, auth...)},
				"a large body":    {url, `{"x":"` + strings.Repeat("y", 300) + `"}`, append([]string{"Content-Type", "application/json"}, auth...)},
				"another origin":  {url, "", append([]string{"Origin", "http://evil.example"}, auth...)},
				"odd path values": {"/_admin" + fill.ReplaceAllString(path, "XML"), "", auth},
			}
			if strings.Contains(path, "{format}") {
				cases["another format"] = struct {
					url, body string
					hdr       []string
				}{strings.Replace(url, "openapi.yaml", "openapi.xml", 1), "", auth}
			}
			for name, c := range cases {
				r := adminDo(t, srv, method, c.url, c.body, c.hdr...)
				if r.status == 404 && name == "odd path values" || r.status == 405 {
					continue // no operation: nothing declares anything
				}
				if op.Responses.Status(r.status) == nil {
					t.Errorf("%s %s (%s), %s: %d, which %s does not declare: %.200s", method, c.url, op.OperationID, name, r.status, op.OperationID, r.raw)
				}
			}
		}
	}
}
