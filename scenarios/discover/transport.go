package discover

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	req "github.com/c2psim/c2psim/conformance/requirements"
	"github.com/c2psim/c2psim/simulator/fault"
	"github.com/c2psim/c2psim/simulator/journal"
)

// header is a journalled request header, whatever its case.
func header(e journal.Entry, name string) (string, bool) {
	for k, v := range e.RequestHeader {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// The developer guide's transport, as the issuer's calls carry it.
var _ = Describe("Discover transport", Label("discover"), func() {
	It("sends each call's family second factor, verified by the network", ds.Case("second-factor", req.DSSec12), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Enrolled(ctx, c, k)
		ds.Profile(ctx, c)
		op, err := ds.Act(ctx, "suspend", c, k, "LOST")
		Expect(err).NotTo(HaveOccurred(), "suspending the card")
		Expect(op.Status).To(Equal(client.Succeeded), "the enrolment did not succeed")
		families := map[string]string{
			"enrolConsumer": "X-DFS-C-APP-JWT", "updateTokenState": "X-DFS-C-APP-JWT",
			"getConsumer": "X-DFS-C-APP-CERT", "getOperation": "X-DFS-C-APP-CERT",
		}
		seen := map[string]bool{}
		for _, e := range ds.Exchanges(ctx, c, "") {
			want, ok := families[e.OperationID]
			if !ok {
				continue
			}
			seen[e.OperationID] = true
			_, has := header(e, want)
			Expect(has).To(BeTrue(), "%s carries no %s", e.OperationID, want)
			Expect(e.Auth).NotTo(BeNil(), "%s has no authentication verdict", e.OperationID)
			Expect(e.Auth.OK).To(BeTrue(), "the network refused the second factor of %s: %s", e.OperationID, e.Auth.Reason)
		}
		for _, op := range []string{"enrolConsumer", "updateTokenState", "getConsumer"} {
			Expect(seen).To(HaveKey(op), "the issuer made no %s call to judge", op)
		}
	})

	It("sends a fresh X-Request-ID on every call, a retry included", ds.Case("fresh-request-id", req.DSIdm05), func(ctx SpecContext) {
		c := ds.Consumer()
		k := ds.NewCard(ctx, c, "k1")
		ds.Fault(ctx, fault.Rule{Operation: "enrolConsumer", Card: pan.Mask(k.PAN), Status: http.StatusInternalServerError, Code: "30002", Times: 1})
		ds.Enrolled(ctx, c, k)
		ds.Profile(ctx, c)
		calls := ds.Exchanges(ctx, c, "")
		Expect(ds.Exchanges(ctx, c, "enrolConsumer")).To(HaveLen(2), "the refused enrolment was retried once")
		ids := map[string]string{}
		for _, e := range calls {
			id, ok := header(e, "X-Request-ID")
			Expect(ok).To(BeTrue(), "%s carries no X-Request-ID", e.OperationID)
			Expect(id).To(MatchRegexp(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`), "X-Request-ID of %s is a UUID", e.OperationID)
			Expect(ids).NotTo(HaveKey(strings.ToLower(id)), "X-Request-ID %s of %s was used before, by %s", id, e.OperationID, ids[strings.ToLower(id)])
			ids[strings.ToLower(id)] = e.OperationID
			cc, _ := header(e, "Cache-Control")
			Expect(cc).To(ContainSubstring("no-store"), "%s must say Cache-Control: no-store", e.OperationID)
			plan, _ := header(e, "X-DFS-API-PLAN")
			Expect(plan).NotTo(BeEmpty(), "%s carries no X-DFS-API-PLAN", e.OperationID)
		}
		Expect(len(ids)).To(BeNumerically(">=", 3), "two enrolment attempts and a read")
	})
})
