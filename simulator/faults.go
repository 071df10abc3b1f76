package simulator

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/c2psim/c2psim/simulator/fault"
)

// checkFault is every check a fault passes before it may shape an answer,
// for rules added through the admin API and for the X-C2PSim-Fault header
// alike (the header's scope is the one operation it came with): the rule on
// its own (fault.Rule.Validate), the network and operation it names, and a
// status some operation in its scope declares, so an injected failure is
// always an answer the network could give and a rule can match at all. Every
// problem is reported.
func (s *Simulator) checkFault(r fault.Rule) error {
	errs := []error{r.Validate()}
	switch {
	case r.Network != "":
		if m, ok := s.byID[r.Network]; !ok {
			errs = append(errs, fmt.Errorf("network %q is not mounted (mounted: %s)", r.Network, strings.Join(s.Networks(), ", ")))
		} else {
			errs = append(errs, m.checkFaultScope(r))
		}
	case r.Operation != "":
		errs = append(errs, errors.New("an operation scope needs a network"))
	case r.Status != 0:
		declared := false
		for _, m := range s.networks {
			if m.checkFaultScope(r) == nil {
				declared = true
				break
			}
		}
		if !declared {
			errs = append(errs, fmt.Errorf("no operation of any mounted network (%s) declares status %d, so the rule could never apply", strings.Join(s.Networks(), ", "), r.Status))
		}
	}
	return errors.Join(errs...)
}

func (m *mounted) checkFaultScope(r fault.Rule) error {
	var ops []*openapi3.Operation
	var names []string
	for _, d := range m.docs {
		for _, rt := range operationsOf(d.doc) {
			names = append(names, rt.Operation.OperationID)
			if r.Operation == "" || rt.Operation.OperationID == r.Operation {
				ops = append(ops, rt.Operation)
			}
		}
	}
	if len(ops) == 0 {
		sort.Strings(names)
		return fmt.Errorf("network %s has no operation %q (operations: %s)", m.id, r.Operation, strings.Join(names, ", "))
	}
	if r.Status == 0 {
		return nil
	}
	for _, op := range ops {
		if operationDeclares(op, r.Status) {
			return nil
		}
	}
	if r.Operation != "" {
		return fmt.Errorf("operation %s does not declare status %d; a fault may only answer as the network could (declared: %s)", r.Operation, r.Status, strings.Join(declaredStatuses(ops[0]), ", "))
	}
	return fmt.Errorf("no operation of %s declares status %d, so the rule could never apply", m.id, r.Status)
}

func declaredStatuses(op *openapi3.Operation) []string {
	var out []string
	for k := range op.Responses.Map() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// headerFault reads the X-C2PSim-Fault header of a request to one of m's
// operations, checked exactly as a rule for that operation would be; a
// problem is a 400 naming the header and, for a status, the ones the
// operation declares. The admin API takes no faults (nil, nil).
func (m *mounted) headerFault(req *Request) (*fault.Rule, *Error) {
	v := req.HTTP.Header.Get(fault.Header)
	if v == "" || m == m.sim.admin {
		return nil, nil
	}
	rule, err := fault.ParseHeader(v)
	if err == nil {
		scoped := *rule
		scoped.Network, scoped.Operation = m.id, req.OperationID
		if cerr := m.sim.checkFault(scoped); cerr != nil {
			err = fmt.Errorf("%s header: %s", fault.Header, strings.ReplaceAll(cerr.Error(), "\n", "; "))
		}
	}
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Kind: KindValidation, Message: err.Error(),
			Fields: []FieldError{{Field: fault.Header, In: "header", Rule: "format", Message: err.Error()}}}
	}
	return rule, nil
}
