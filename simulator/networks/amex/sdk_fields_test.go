package amex_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/client/amex/jwe"
	"github.com/c2psim/c2psim/openapi"
)

// sdkCommit is the commit of americanexpress/amex-api-java-client-core
// (R-A1) whose request classes sdkClasses states.
const sdkCommit = "e28b3c11d832c1779c3fc289b338030dcc5bd57a"

// sdkField is one JSON key an SDK request class writes: its place in the
// body (dot-separated), the Java type of the value (String, Integer, or an
// enum whose getValue/getType strings are given), whether the class always
// writes it (a map it puts whatever the builder was given) or only when
// the builder was given a value (JsonUtility's NON_NULL), and a valid value
// of that type for the test (not the SDK's: its tests and sample use
// placeholders such as "emailId").
type sdkField struct {
	path   string
	java   string
	enum   []string
	always bool
	sample any
}

// sdkClass is one request class of the SDK as its source at sdkCommit
// reads: the HTTP method and the target URI under /payments/digital/v2,
// the schema of the body in the served document, and the keys of the body
// and, for ProvisioningRequest, of the account_data plaintext it encrypts.
type sdkClass struct {
	file, method, path string
	body, plaintext    string // schema names; empty without a body
	fields, encrypted  []sdkField
}

// sdkClasses are facts read from the SDK's source files at sdkCommit
// (toJson, getAccountData, getUserData, getRiskData, getBillingAddress,
// getUri, getHttpAction; enums AccountInputMethod and NotificationType).
func sdkClasses() []sdkClass {
	str := func(path string, always bool, sample string) sdkField {
		return sdkField{path: path, java: "String", always: always, sample: sample}
	}
	integer := func(path string, sample int) sdkField {
		return sdkField{path: path, java: "Integer", sample: sample}
	}
	const dir = "src/main/java/io/aexp/api/client/core/tokenization/"
	return []sdkClass{
		{file: dir + "ProvisioningRequest.java", method: "POST", path: "/tokens/provisioning", body: "EnrolRequest", plaintext: "AccountDataPlaintext",
			fields: []sdkField{
				str("user_data.phone", false, "+0011112224444"),
				str("user_data.email", false, "cm@example.com"),
				str("user_data.name", false, "first|middle|last"),
				{path: "risk_assessment_data.account_input_method", java: "AccountInputMethod", enum: []string{"On File", "User Input"}, sample: "User Input"},
				str("risk_assessment_data.ip_address", false, "192.0.2.10"),
				str("account_data", true, ""), // the JWE of the plaintext below
			},
			encrypted: []sdkField{
				str("account_type", true, "credit_card"),
				str("credit_card.account_number", false, "371111111111111"),
				integer("credit_card.expiry_month", 12),
				integer("credit_card.expiry_year", 2030),
				str("billing_address.address_line1", false, "address1"),
				str("billing_address.address_line2", false, "address2"),
				str("billing_address.address_line3", false, "address3"),
				str("billing_address.city", false, "city"),
				str("billing_address.state", false, "state"),
				str("billing_address.postal_code", false, "11111"),
				str("billing_address.country", false, "USA"),
			}},
		{file: dir + "NotificationsRequest.java", method: "POST", path: "/tokens/notifications", body: "NotificationRequest",
			fields: []sdkField{
				str("token_ref_id", false, ""), // the token the test enrols
				{path: "notification_type", java: "NotificationType", enum: []string{"delete", "suspend", "resume"}, always: true, sample: "suspend"},
			}},
		{file: dir + "StatusRequest.java", method: "GET", path: "/tokens/{token_ref_id}/status"},
		{file: dir + "MetaDataRequest.java", method: "GET", path: "/tokens/{token_ref_id}/metadata"},
	}
}

// property follows a dot-separated path through a schema's properties.
func property(s *openapi3.Schema, path string) (*openapi3.Schema, error) {
	for _, k := range strings.Split(path, ".") {
		p := s.Properties[k]
		if p == nil || p.Value == nil {
			return nil, fmt.Errorf("the document has no %q (at %s)", k, path)
		}
		s = p.Value
	}
	return s, nil
}

// checkFields holds every SDK field to the schema: it exists with the
// JSON type of its Java type, takes every value of an enum, and the schema
// requires no key the SDK never writes (c2psim's additions are optional).
func checkFields(t *testing.T, class sdkClass, schema *openapi3.Schema, fields []sdkField) {
	t.Helper()
	sent := map[string]bool{}
	for _, f := range fields {
		parts := strings.Split(f.path, ".")
		for i := range parts {
			sent[strings.Join(parts[:i+1], ".")] = true
		}
		s, err := property(schema, f.path)
		if err != nil {
			t.Errorf("%s@%s writes %s: %v", class.file, sdkCommit[:12], f.path, err)
			continue
		}
		want := map[string]string{"String": openapi3.TypeString, "Integer": openapi3.TypeInteger}[f.java]
		if f.enum != nil {
			want = openapi3.TypeString
		}
		if !s.Type.Is(want) {
			t.Errorf("%s@%s: %s is a Java %s; the document types it %v", class.file, sdkCommit[:12], f.path, f.java, s.Type.Slice())
		}
		for _, v := range f.enum {
			if err := s.VisitJSON(v); err != nil {
				t.Errorf("%s@%s: %s %s.%s is refused: %v", class.file, sdkCommit[:12], f.path, f.java, v, err)
			}
		}
	}
	var walk func(prefix string, s *openapi3.Schema)
	walk = func(prefix string, s *openapi3.Schema) {
		for _, r := range s.Required {
			if !sent[prefix+r] {
				t.Errorf("%s@%s never writes %s, which the document requires", class.file, sdkCommit[:12], prefix+r)
			}
		}
		for k, p := range s.Properties {
			if p.Value != nil && p.Value.Type.Is(openapi3.TypeObject) && sent[prefix+k] {
				walk(prefix+k+".", p.Value)
			}
		}
	}
	walk("", schema)
}

// build lays the fields out as a JSON object, every field (all) or only
// those the class always writes plus the ones the document requires.
func build(fields []sdkField, all bool, schema *openapi3.Schema) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		parts := strings.Split(f.path, ".")
		m, s := out, schema
		for _, k := range parts[:len(parts)-1] {
			if m[k] == nil {
				m[k] = map[string]any{} // the SDK puts its nested maps always
			}
			m, s = m[k].(map[string]any), s.Properties[k].Value
		}
		leaf := parts[len(parts)-1]
		if all || f.always || slices.Contains(s.Required, leaf) {
			m[leaf] = f.sample
		}
	}
	return out
}

// The SDK's request classes at R-A1's commit, field by field, against the
// served document: every key they write is declared with its type and
// enum values, the document requires nothing they never write, and bodies
// built from those facts alone (every field, and only what the SDK always
// writes plus what the document requires) are valid and served: the card
// enrols, reads back, and is suspended, resumed and deleted.
func TestTheSDKsClassFieldsAgainstTheServedDocument(t *testing.T) {
	doc, err := openapi.Load("amex/clicktopay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	classes := sdkClasses()
	schemas := map[string]*openapi3.Schema{}
	for _, c := range classes {
		item := doc.Paths.Find(c.path)
		if item == nil || item.GetOperation(c.method) == nil {
			t.Fatalf("%s@%s targets %s /payments/digital/v2%s; the document has no such operation", c.file, sdkCommit[:12], c.method, c.path)
		}
		for _, name := range []string{c.body, c.plaintext} {
			if name == "" {
				continue
			}
			ref := doc.Components.Schemas[name]
			if ref == nil || ref.Value == nil {
				t.Fatalf("no schema %s", name)
			}
			schemas[name] = ref.Value
		}
		if c.body != "" {
			checkFields(t, c, schemas[c.body], c.fields)
		}
		if c.plaintext != "" {
			checkFields(t, c, schemas[c.plaintext], c.encrypted)
		}
	}

	_, iss := start(t)
	prov, notif := classes[0], classes[1]
	for _, all := range []bool{true, false} {
		name := map[bool]string{true: "every field", false: "the fields always written and required"}[all]
		plain := build(prov.encrypted, all, schemas[prov.plaintext])
		if err := schemas[prov.plaintext].VisitJSON(plain, openapi3.MultiErrors()); err != nil {
			t.Fatalf("%s, %s: the account_data plaintext is refused by the document: %v", prov.file, name, err)
		}
		raw, _ := json.Marshal(plain)
		acct, err := jwe.Encrypt(raw, iss.creds["encryption-key"].KeyID, iss.key)
		if err != nil {
			t.Fatal(err)
		}
		fields := slices.Clone(prov.fields)
		fields[len(fields)-1].sample = acct
		body := build(fields, all, schemas[prov.body])
		if err := schemas[prov.body].VisitJSON(body, openapi3.MultiErrors()); err != nil {
			t.Fatalf("%s, %s: the body is refused by the document: %v", prov.file, name, err)
		}
		wire, _ := json.Marshal(body)
		enrol, requestID := iss.sdkCall(http.MethodPost, prov.path, wire, all)
		expect(t, enrol, 200, "")
		tok := enrol.str("token_ref_id")
		if tok == "" || enrol.str("consumer_ref") != requestID {
			t.Fatalf("%s, %s: enrol answer %s", prov.file, name, enrol.raw)
		}
		for _, c := range classes[2:] {
			a, _ := iss.sdkCall(c.method, strings.Replace(c.path, "{token_ref_id}", tok, 1), nil, all)
			expect(t, a, 200, "")
		}
		for _, step := range []struct{ typ, want string }{{"suspend", "SUSPENDED"}, {"resume", "ACTIVE"}, {"delete", "DELETED"}} {
			nf := slices.Clone(notif.fields)
			nf[0].sample, nf[1].sample = tok, step.typ
			n := build(nf, all, schemas[notif.body])
			if err := schemas[notif.body].VisitJSON(n, openapi3.MultiErrors()); err != nil {
				t.Fatalf("%s %s: refused by the document: %v", notif.file, step.typ, err)
			}
			wire, _ := json.Marshal(n)
			a, _ := iss.sdkCall(http.MethodPost, notif.path, wire, all)
			expect(t, a, 200, "")
			if a.str("token_status") != step.want {
				t.Fatalf("%s %s: %s", notif.file, step.typ, a.raw)
			}
		}
	}
}
