package mastercard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/internal/uuid"
	"github.com/c2psim/c2psim/client/mastercard/encryption"
)

// tokenConnectAPI is MDES Token Connect's path (openapi/mastercard/token-connect.yaml).
const tokenConnectAPI = "/mdes/connect/1/0"

var _ client.PushProvisioner = (*Adapter)(nil)

// PushCard implements client.PushProvisioner with MDES Token Connect and
// the Push Provisioning Enroll API ("Add to Click to Pay"): it checks that
// Click to Pay (token requestor 50123197928) takes the card's account range
// (getEligibleTokenRequestors), pushes the card to it (pushMultipleAccounts,
// the card encrypted to Mastercard's key) and enrols the card with the
// receipt (putCard, enrolmentReferenceData PUSH_ACCOUNT_RECEIPT). An
// account range Click to Pay does not take is client.ErrIneligible.
func (a *Adapter) PushCard(ctx context.Context, c client.Consumer, k client.Card) (*client.Operation, error) {
	cons, err := a.enrolConsumer(c)
	if err != nil {
		return nil, err
	}
	number := k.PAN.Reveal()
	var eligible struct {
		TokenRequestors []struct {
			TokenRequestorID string `json:"tokenRequestorId"`
		} `json:"tokenRequestors"`
	}
	if err := a.do(ctx, http.MethodPost, tokenConnectAPI+"/getEligibleTokenRequestors",
		map[string]any{"requestId": uuid.New(), "accountRanges": []string{number[:10]}}, &eligible); err != nil {
		return nil, fmt.Errorf("asking which token requestors take card %s: %w", k.Ref, err)
	}
	found := false
	for _, tr := range eligible.TokenRequestors {
		found = found || tr.TokenRequestorID == TokenRequestorID
	}
	if !found {
		return nil, &client.NetworkError{Network: client.Mastercard, HTTPStatus: http.StatusOK, Code: "ACCOUNT_INELIGIBLE", Kind: client.ErrIneligible,
			Message: fmt.Sprintf("Click to Pay is not enabled for the account range of card %s", k.PAN)}
	}
	receipt, err := a.push(ctx, c, k)
	if err != nil {
		return nil, err
	}
	return a.enrolRequest(ctx, cons, k.Ref, map[string]any{
		"enrolmentReferenceData": map[string]string{"enrolmentReferenceId": receipt, "enrolmentReferenceType": "PUSH_ACCOUNT_RECEIPT"},
	})
}

// push sends the card to Click to Pay through Token Connect and returns its
// pushAccountReceipt.
func (a *Adapter) push(ctx context.Context, c client.Consumer, k client.Card) (string, error) {
	holder := map[string]any{}
	if name := strings.TrimSpace(k.NameOnCard); name != "" {
		if len(name) > 27 {
			name = name[:27]
		}
		holder["accountHolderName"] = name
	}
	if len(c.Emails) > 0 {
		holder["accountHolderEmailAddress"] = c.Emails[0]
	}
	if len(c.Phones) > 0 {
		ph := splitPhone(c.Phones[0])
		holder["accountHolderMobilePhoneNumber"] = map[string]string{"countryDialInCode": ph["countryCode"], "phoneNumber": ph["phoneNumber"]}
	}
	if ad := k.BillingAddress; ad.Line1 != "" {
		addr := map[string]string{"line1": ad.Line1, "city": ad.City, "country": ad.Country}
		for f, v := range map[string]string{"line2": ad.Line2, "countrySubdivision": ad.State, "postalCode": ad.PostalCode} {
			if v != "" {
				addr[f] = v
			}
		}
		holder["accountHolderAddress"] = addr
	}
	id := k.Ref
	if len(id) > 36 {
		id = id[:36]
	}
	plain, err := json.Marshal([]any{map[string]any{"pushAccountId": id, "fundingAccountData": map[string]any{
		"cardAccountData":   map[string]string{"accountNumber": k.PAN.Reveal(), "expiryMonth": fmt.Sprintf("%02d", k.Expiry.Month), "expiryYear": fmt.Sprintf("%02d", k.Expiry.Year%100)},
		"accountHolderData": holder,
	}}})
	if err != nil {
		return "", err
	}
	env, err := encryption.SealFLE(plain, a.cfg.EncryptionKey, "SHA512")
	if err != nil {
		return "", fmt.Errorf("encrypting card %s for Token Connect: %w", k.Ref, err)
	}
	var out struct {
		PushAccountReceipts []struct {
			PushAccountID      string `json:"pushAccountId"`
			PushAccountReceipt string `json:"pushAccountReceipt"`
			Errors             []struct {
				ReasonCode  string `json:"reasonCode"`
				Description string `json:"description"`
			} `json:"errors"`
		} `json:"pushAccountReceipts"`
		Errors []struct {
			ReasonCode  string `json:"reasonCode"`
			Description string `json:"description"`
		} `json:"errors"`
	}
	body := map[string]any{"requestId": uuid.New(), "tokenRequestorId": TokenRequestorID,
		"pushFundingAccounts": map[string]any{"encryptedPayload": env},
		"signatureData":       map[string]any{"accountHolderDataSupplied": len(holder) > 0}}
	if err := a.do(ctx, http.MethodPost, tokenConnectAPI+"/pushMultipleAccounts", body, &out); err != nil {
		return "", fmt.Errorf("pushing card %s to Click to Pay: %w", k.Ref, err)
	}
	refuse := func(code, msg string) error {
		kind := client.ErrValidation
		if code == "ACCOUNT_INELIGIBLE" {
			kind = client.ErrIneligible
		}
		return &client.NetworkError{Network: client.Mastercard, HTTPStatus: http.StatusOK, Code: code, Message: msg, Kind: kind}
	}
	if len(out.Errors) > 0 {
		return "", refuse(out.Errors[0].ReasonCode, out.Errors[0].Description)
	}
	for _, r := range out.PushAccountReceipts {
		if r.PushAccountID != id {
			continue
		}
		if r.PushAccountReceipt != "" {
			return r.PushAccountReceipt, nil
		}
		if len(r.Errors) > 0 {
			return "", refuse(r.Errors[0].ReasonCode, r.Errors[0].Description)
		}
	}
	return "", fmt.Errorf("pushing card %s: Token Connect gave no receipt for it", k.Ref)
}
