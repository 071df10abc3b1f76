package mastercard

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/c2psim/c2psim/client/mastercard/encryption"
	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

// CallbackSpec is the issuer-side document.
const CallbackSpec = "mastercard/issuer-predigitization.yaml"

// authorize calls the issuer's Authorize Service for a card about to be
// tokenised, when the issuer registered a callback URL. It returns the token
// status to set, or a *simulator.Error failing the enrolment.
func (n *Network) authorize(ctx context.Context, p pan.PAN, c cardPlaintext, tokenRef, correlationID string) (string, error) {
	if !n.env.Callbacks.Configured() {
		return "ACTIVE", nil
	}
	plain, _ := json.Marshal(map[string]any{"cardAccountData": map[string]any{
		"accountNumber": p.Reveal(), "expiryMonth": c.PanExpirationMonth, "expiryYear": c.PanExpirationYear[2:],
	}})
	env, err := encryption.SealFLE(plain, n.issuerFLEKey(), "SHA256")
	if err != nil {
		return "", err
	}
	body, _ := json.Marshal(map[string]any{
		"requestId":              n.env.IDs.Digits(12),
		"services":               []string{"DIGITIZATION"},
		"correlationId":          n.env.IDs.Hex(16),
		"tokenRequestorId":       TokenRequestorID,
		"tokenType":              "CLOUD",
		"accountPanSuffix":       p.Last4(),
		"serviceRequestDateTime": n.env.Clock.Now().UTC().Format(time.RFC3339),
		"fundingAccountInfo": map[string]any{
			"panUniqueReference":   "FPAN" + cardRef(p.Reveal())[:28],
			"tokenUniqueReference": tokenRef,
			"encryptedPayload":     env,
		},
	})
	res, err := n.env.Callbacks.Send(ctx, &simulator.Callback{
		Spec: CallbackSpec, OperationID: "authorizeService", Method: http.MethodPost, Path: "/authorizeService",
		Header: http.Header{"Content-Type": []string{"application/json"}},
		Body:   body, Plaintext: plain, CorrelationIDs: []string{correlationID},
	})
	if err != nil {
		return "", svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "the issuer's Authorize Service did not answer; nothing was enrolled")
	}
	var answer struct {
		Decision string `json:"decision"`
	}
	_ = json.Unmarshal(res.Body, &answer)
	switch answer.Decision {
	case "APPROVED":
		return "ACTIVE", nil
	case "DECLINED":
		return "", svcErr(http.StatusUnprocessableEntity, simulator.KindUnprocessable, "DECLINED", "card %s: the issuer's Authorize Service declined tokenisation; nothing was enrolled", p.Masked())
	case "REQUIRE_ADDITIONAL_AUTHENTICATION":
		return "INACTIVE", nil
	}
	return "", svcErr(http.StatusServiceUnavailable, simulator.KindUnavailable, "UNAVAILABLE", "the issuer's Authorize Service answered decision %q; nothing was enrolled", pan.RedactText(answer.Decision))
}
