package visa_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa/vtsjwe"
	"github.com/c2psim/c2psim/simulator"
)

// An enrolled card shows in the state view with the references that name
// it, and approveProvisioning fires for it by those references alone (no
// card number), as the console does for a card chosen in its State view.
func TestApproveProvisioningForAnEnrolledCardByItsReferences(t *testing.T) {
	srv, c := start(t)
	e := withIssuerEndpoint(t, srv, "00")
	a := c.call("POST", "enrollData", enrolment("cons-view", "4111111145551141"))
	srv.Clock.Advance(2 * time.Second)
	waitStatus(t, c, a.str("requestTraceId"), "COMPLETED")
	items, _, err := srv.Sim.StateItems(context.Background(), simulator.StateQuery{Network: "visa", Kind: simulator.ItemCard, Text: "1141"})
	if err != nil || len(items) != 1 {
		t.Fatalf("state items: %+v %v", items, err)
	}
	it := items[0]
	if it.Card != "411111******1141" || it.Status != "ACTIVE" || it.Consumer != "cons-view" || !strings.HasPrefix(it.Refs["tokenReferenceId"], "DNITHE") {
		t.Fatalf("the card in the state view: %+v", it)
	}
	before := len(e.bodies("/approveProvisioning"))
	params := map[string]any{}
	for _, k := range []string{"externalConsumerIDOwnerBID", "externalConsumerID", "paymentInstrumentReferenceID"} {
		params[k] = it.Refs[k]
	}
	out, err := srv.Sim.Trigger(context.Background(), "visa", "approveProvisioning", params)
	if err != nil || out["actionCode"] != "00" {
		t.Fatalf("approveProvisioning by references: %v %v", out, err)
	}
	calls := e.bodies("/approveProvisioning")
	if len(calls) != before+1 {
		t.Fatalf("%d approval calls, want %d", len(calls), before+1)
	}
	var call struct{ EncryptedData string }
	_ = json.Unmarshal(calls[len(calls)-1], &call)
	o, err := vtsjwe.Opener{Secret: func(k string) (string, bool) { return c.secret, k == c.apiKey }, Now: srv.Clock.Now}.Open(call.EncryptedData)
	if err != nil || !strings.Contains(string(o.Payload), `"primaryAccountNumber":"4111111145551141"`) {
		t.Fatalf("the approval names another card: %v", err)
	}
	params["paymentInstrumentReferenceID"] = "PI-NOPE"
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "approveProvisioning", params); err == nil || !strings.Contains(err.Error(), "PI-NOPE") {
		t.Fatalf("an unknown reference: %v", err)
	}
}
