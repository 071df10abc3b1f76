package visa

import (
	"context"

	"github.com/c2psim/c2psim/client/pan"
	"github.com/c2psim/c2psim/simulator"
)

var (
	_ simulator.TriggerDescriber = (*Network)(nil)
	_ simulator.StateViewer      = (*Network)(nil)
)

// DescribeTriggers implements simulator.TriggerDescriber (see Trigger and
// registerInOtherProduct for what each one does).
func (n *Network) DescribeTriggers() []simulator.TriggerInfo {
	str := func(name, desc string) simulator.TriggerParam {
		return simulator.TriggerParam{Name: name, Type: simulator.ParamString, Description: desc}
	}
	return []simulator.TriggerInfo{
		{Name: TriggerEnrollmentAttempt,
			Summary: "A consumer self-enrols one of the issuer's cards at a merchant: Visa sends the enrolment-attempt notification (a PS256 JWS over a JWE) to the issuer.",
			Params: []simulator.TriggerParam{
				{Name: "panLast4", Type: simulator.ParamString, Card: true, Default: "1140", Description: "The last four digits of the card (only they travel)."},
				str("accountNumber", "The card as a full Visa number instead of panLast4 (a test card or any Visa number); only its last four digits travel."),
				str("enrollmentID", "The attempt's ID; reuse one to deliver a duplicate."),
				{Name: "signature", Type: simulator.ParamString, Enum: []string{"valid", "forged"}, Default: "valid",
					Description: "forged signs with a key that is not Visa's, under Visa's kid: the issuer must refuse it."},
				{Name: "firstName", Type: simulator.ParamString, Default: "Ada", Description: "The consumer's first name."},
				{Name: "lastName", Type: simulator.ParamString, Default: "Lovelace", Description: "The consumer's last name."},
				{Name: "email", Type: simulator.ParamString, Default: "ada@example.com", Description: "The consumer's email address."},
				{Name: "phone", Type: simulator.ParamString, Default: "16504005555", Description: "The consumer's phone number, digits with country code."},
				{Name: "merchantName", Type: simulator.ParamString, Default: "c2psim merchant", Description: "Where the consumer enrolled."},
			},
			Examples: []simulator.TriggerExample{{Title: "Forged signature", Params: map[string]any{"signature": "forged"}}}},
		{Name: TriggerApproveProvisioning,
			Summary: "Visa sends one Approve Provisioning call for a card, outside an enrolment, optionally with a stale or foreign shared-secret JWE the issuer must refuse; the answer reports the issuer's actionCode.",
			Params: []simulator.TriggerParam{
				{Name: "accountNumber", Type: simulator.ParamString, Description: "The card, a full Visa number (a test card); or name an enrolled card by the three parameters below."},
				{Name: "externalConsumerIDOwnerBID", Type: simulator.ParamString, Card: true, Description: "The enrolled card's consumer: the issuer's BID."},
				{Name: "externalConsumerID", Type: simulator.ParamString, Card: true, Description: "The enrolled card's consumer: its ID at Visa."},
				{Name: "paymentInstrumentReferenceID", Type: simulator.ParamString, Card: true, Description: "The enrolled card's payment instrument reference (PI-…)."},
				{Name: "encryption", Type: simulator.ParamString, Enum: []string{"valid", "stale", "foreignSecret"}, Default: "valid",
					Description: "stale: an iat an hour old; foreignSecret: a shared secret that is not the project's."},
			}},
		{Name: TriggerRegisterInOtherProduct,
			Summary: "The issuer's enrolment of a consumer (and optionally a card) in another Visa product: afterwards Enroll Existing Issuer Data can enrol it into Click to Pay; the answer names the card's paymentInstrumentReferenceID.",
			Params: []simulator.TriggerParam{
				{Name: "externalConsumerID", Type: simulator.ParamString, Required: true, Card: true, Description: "The consumer's ID at Visa, as the issuer chose it."},
				{Name: "externalConsumerIDOwnerBID", Type: simulator.ParamString, Required: true, Card: true, Description: "The issuer's BID the consumer ID is scoped by."},
				{Name: "product", Type: simulator.ParamString, Default: "ALIAS_DIRECTORY", Description: "The other Visa product (anything but CLICK_TO_PAY)."},
				{Name: "firstName", Type: simulator.ParamString, Default: "Alex", Description: "The consumer's first name."},
				{Name: "lastName", Type: simulator.ParamString, Default: "Miller", Description: "The consumer's last name."},
				{Name: "email", Type: simulator.ParamString, Default: "alex.miller@example.com", Description: "The consumer's email address."},
				{Name: "phone", Type: simulator.ParamString, Default: "16504005555", Description: "The consumer's phone number."},
				{Name: "locale", Type: simulator.ParamString, Default: "en_US", Description: "The consumer's locale."},
				{Name: "countryCode", Type: simulator.ParamString, Default: "USA", Description: "The consumer's country (ISO 3166 alpha-3)."},
				str("accountNumber", "A card registered with the consumer, a full Visa number."),
				str("nameOnCard", "The card's name; default the consumer's."),
				str("expirationDate", "The card's expiry, YYYY-MM; default three years from now."),
			}},
	}
}

// StateItems implements simulator.StateViewer: Click to Pay consumers and
// their cards (each with its token reference).
func (n *Network) StateItems(ctx context.Context) ([]simulator.StateItem, error) {
	consumers, err := n.consumers.List(ctx)
	if err != nil {
		return nil, err
	}
	var items []simulator.StateItem
	for _, c := range consumers {
		ids := map[string]string{"externalConsumerID": c.Info.ExternalConsumerID, "externalConsumerIDOwnerBID": c.Info.ExternalConsumerIDOwnerBID}
		items = append(items, simulator.StateItem{Kind: simulator.ItemConsumer, ID: c.Info.ExternalConsumerID, Status: c.Info.Status,
			Refs: ids, CorrelationID: c.Key, Collection: "consumers", Key: c.Key})
		for _, k := range c.Cards {
			refs := map[string]string{"tokenReferenceId": k.TokenReference, "paymentInstrumentReferenceID": k.ReferenceID,
				"paymentAccountReference": k.PAR, "panLast4": last4(k.AccountNumber)}
			for name, v := range ids {
				refs[name] = v
			}
			items = append(items, simulator.StateItem{Kind: simulator.ItemCard, ID: k.ReferenceID, Status: k.Status,
				Card: pan.Mask(k.AccountNumber), Consumer: c.Info.ExternalConsumerID, Refs: refs,
				// Visa's calls are filed under the consumer (owner BID/ID).
				CorrelationID: c.Key, Collection: "consumers", Key: c.Key})
		}
	}
	return items, nil
}
