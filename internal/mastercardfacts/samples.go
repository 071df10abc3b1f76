package mastercardfacts

// Sample is one published exchange: the request and, where Mastercard
// published a non-empty one, the answer.
type Sample struct {
	Source    string // R-MC1 or R-MC3
	Name      string // the published sample's name
	Operation string // c2psim's operationId for it
	Path      string // the operation's path inside its document
	Request   string // JSON, as published
	Response  string // JSON, as published; "" when the published answer is empty
	// PlaintextInPlace marks a Pre-Digitization sample whose encryptedData
	// objects are printed decrypted: on the wire each is the hex ciphertext
	// of that object, so a test encrypts it before sending the sample.
	PlaintextInPlace bool
	// Composed marks a request assembled from the field examples of its
	// schema, the document giving no whole example for the operation.
	Composed bool
}

const auditInfo = `"AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "5555551234"}`

// CustomerService are the x-samples of MDES Customer Service 2.0.7 (R-MC1),
// one entry per published sample, in the document's order.
var CustomerService = []Sample{
	{Source: "R-MC1", Name: "account_holder_messaging", Operation: "accountHolderMessaging", Path: "/accountholdermessaging",
		Request: `{"AccountHolderMessagingRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"MessageText": " You have earned a statement credit ", "MessageExpiration": "2020-06-18T18:04:35-06:00",
			"MessageLanguageCode": "en", "MessageIdentifier": "6598123486451346764616431064", "IssuerApplicationMessageDisplay": "FALSE",
			` + auditInfo + `}}`,
		Response: `{"AccountHolderMessagingResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"}}}`},
	{Source: "R-MC1", Name: "example_mdes_search_token_unique_ref", Operation: "searchTokens", Path: "/search",
		Request: `{"SearchRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", ` + auditInfo + `}}`,
		Response: `{"SearchResponse": {"Accounts": {"Account": [{"AccountPanSuffix": "1234", "ExpirationDate": "1215",
			"AlternateAccountIdentifierSuffix": "", "Tokens": {"Token": [{
			"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"PrimaryAccountNumberUniqueReference": "FWSPMC0000000004793dac803f190a4dca4bad33c90a11d3",
			"TokenSuffix": "7639", "ExpirationDate": "0216", "AccountPanSequenceNumber": "02",
			"DigitizationRequestDateTime": "2015-01-20T18:04:35-06:00", "TokenActivatedDateTime": "2015-01-20T18:04:35-06:00",
			"FinalTokenizationDecision": "A", "CorrelationId": "101234", "CurrentStatusCode": "A", "CurrentStatusDescription": "Active",
			"ProvisioningStatusCode": "S", "ProvisioningStatusDescription": "Provisioning successful", "TokenRequestorId": "00212345678",
			"WalletId": "103", "PaymentAppInstanceId": "92de9357a535b2c21a3566e446f43c532a46b54c46", "TokenType": "S", "LastCommentId": "2376",
			"Device": {"DeviceId": "3e5edf24a24ba98e27d43e345b532a245e4723d7a9c4f624e93452c92de9357a535b2c21a3566e446f43c532d34s6",
				"DeviceName": "John Phone", "DeviceType": "09", "SecureElementId": "92de9357a535b2c21a3566e446f43c532a46b54c46"},
			"TokenDeletedFromConsumerApp": false}]}}]}}}`},
	{Source: "R-MC1", Name: "example_mdes_search_account_pan", Operation: "searchTokens", Path: "/search",
		Request: `{"SearchRequest": {"AccountPan": "5412345678901234", "ExcludeDeletedIndicator": "false", ` + auditInfo + `}}`},
	{Source: "R-MC1", Name: "example_mdes_search_token", Operation: "searchTokens", Path: "/search",
		Request: `{"SearchRequest": {"Token": "5598765432109876", "AuditInfo": {"UserId": "A14354773", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "5551234658"}}}`},
	{Source: "R-MC1", Name: "example_mdes_search_comment_id", Operation: "searchTokens", Path: "/search",
		Request: `{"SearchRequest": {"CommentId": "123456", ` + auditInfo + `}}`},
	{Source: "R-MC1", Name: "example_mdes_search_payment_app_id", Operation: "searchTokens", Path: "/search",
		Request: `{"SearchRequest": {"PaymentAppInstanceId": "645b532a245e4723d7a9c4f62b24f24a24ba98e27d43e34e", "AuditInfo": {"UserId": "A14354773", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "5551234658"}}}`},
	{Source: "R-MC1", Name: "example_mdes_system_status", Operation: "getSystemStatus", Path: "/systemstatus",
		Response: `{"SystemStatusResponse": {"CommentText": "<p><b>The MDES Customer Service Application has been updated as follows:</b><br>&#160;&#8226;&#160;&#160;The text 'UTC' (Coordinated Universal Time) will be displayed next to each date/time stamp to make date/time stamp more obvious.</p>"}}`},
	{Source: "R-MC1", Name: "example_mdes_token_activate_token_unique_ref", Operation: "activateToken", Path: "/token/activate",
		Request: `{"TokenActivateRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"CommentText": "Confirmed cardholder identity.", "ReasonCode": "C", ` + auditInfo + `}}`,
		Response: `{"TokenActivateResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentId": "1234"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_activate_pan_payment_app", Operation: "activateToken", Path: "/token/activate",
		Request: `{"TokenActivateRequest": {"AccountPan": "5412345678901234", "PaymentAppInstanceId": "645b532a245e4723d7a9c4f62b24f24a24ba98e27d43e34e",
			"CommentText": "Confirmed cardholder identity.", "ReasonCode": "A",
			"AuditInfo": {"UserId": "A14354773", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "5556789876"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_activation_methods", Operation: "getActivationMethods", Path: "/token/activationmethods",
		Request: `{"TokenActivationMethodsRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", ` + auditInfo + `}}`,
		Response: `{"TokenActivationMethodsResponse": {"ActivationMethods": {"ActivationMethod": [
			{"ActivationMethodType": "EMA", "ActivationMethodValue": "AXXXXXXD@mc.com", "ActivationMethodId": "123123122", "ResendIndicator": "FALSE"},
			{"ActivationMethodType": "CLC", "ActivationMethodValue": "(555)123-4567", "ActivationMethodId": "123123123", "ResendIndicator": "FALSE"}]}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_comments", Operation: "getTokenComments", Path: "/token/comments",
		Request: `{"TokenCommentsRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", ` + auditInfo + `}}`,
		Response: `{"TokenCommentsResponse": {"Comments": {"Comment": [
			{"CommentId": "1648", "CommentText": "Cardholder lost phone. Suspending device.", "CommentDateTime": "2015-01-21T18:04:35-06:00",
				"AuditInfo": {"UserId": "A14354774", "UserName": "Jade Mark", "Organization": "Any Bank", "Phone": "5555558888"}},
			{"CommentId": "1647", "CommentText": "Cardholder called to activate their digital card.", "CommentDateTime": "2015-01-19T11:02:25-06:00",
				"AuditInfo": {"UserId": "A14354773", "UserName": "Tom Smith", "Organization": "Any Bank", "Phone": "5555559999"}}]}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_delete", Operation: "deleteToken", Path: "/token/delete",
		Request: `{"TokenDeleteRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"CommentText": "Fraudulent transactions confirmed.", "ReasonCode": "T", ` + auditInfo + `}}`,
		Response: `{"TokenDeleteResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentId": "1234"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_resend_activation_code", Operation: "resendActivationCode", Path: "/token/resendactivationcode",
		Request: `{"TokenResendActivationCodeRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"ActivationMethodId": "123123122", ` + auditInfo + `}}`,
		Response: `{"TokenResendActivationCodeResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_reset_mobilepin", Operation: "resetMobilePin", Path: "/token/resetmobilepin",
		Request: `{"TokenResetMobilePinRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"CommentText": "Confirmed cardholder identity.", "ReasonCode": "N", ` + auditInfo + `}}`,
		Response: `{"TokenResetMobilePinResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentId": "2356"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_status_history", Operation: "getTokenStatusHistory", Path: "/token/statushistory",
		Request: `{"TokenStatusHistoryRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", ` + auditInfo + `}}`,
		Response: `{"TokenStatusHistoryResponse": {"Statuses": {"Status": [
			{"StatusCode": "D", "StatusDescription": "Deleted", "StatusDateTime": "2014-12-16T13:04:35-06:00", "Initiator": "C", "ReasonCode": "L"},
			{"StatusCode": "A", "StatusDescription": "Active", "StatusDateTime": "2014-12-15T11:05:35-06:00", "Initiator": "I", "ReasonCode": "A",
				"AuditInfo": {"UserId": "AI145530", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "6362205555"}},
			{"StatusCode": "S", "StatusDescription": "Suspended", "StatusDateTime": "2014-12-14T12:04:35-06:00", "Initiator": "I", "ReasonCode": "L",
				"AuditInfo": {"UserId": "AI145530", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "6362205555"}},
			{"StatusCode": "A", "StatusDescription": "Active", "StatusDateTime": "2014-12-13T11:05:35-06:00", "Initiator": "I", "ReasonCode": "A",
				"AuditInfo": {"UserId": "AI145530", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "6362205555"}},
			{"StatusCode": "U", "StatusDescription": "Unmapped", "StatusDateTime": "2014-12-12T10:04:35-06:00", "ReasonCode": "Z"}]}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_suspend", Operation: "suspendToken", Path: "/token/suspend",
		Request: `{"TokenSuspendRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"CommentText": "Suspected fraudulent transactions reported.", "ReasonCode": "T", ` + auditInfo + `}}`,
		Response: `{"TokenSuspendResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentId": "1234"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_unsuspend", Operation: "unsuspendToken", Path: "/token/unsuspend",
		Request: `{"TokenUnsuspendRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"CommentText": "Transactionsc confirmed as not fraudulent.", "ReasonCode": "T", ` + auditInfo + `}}`,
		Response: `{"TokenUnsuspendResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentId": "1234"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_update_pan_exp_token_unique_ref", Operation: "updateToken", Path: "/token/update",
		Request: `{"TokenUpdateRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"NewAccountPan": "5412345678908888", "ExpirationDate": "0125", "AccountPanSequenceNumber": "1", "UpdateWalletProviderIndicator": "1",
			"CommentText": "Confirmed cardholder identity.", ` + auditInfo + `}}`,
		Response: `{"TokenUpdateResponse": {"Tokens": {"Token": [{"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentId": "2345"}]}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_update_pan_exp_current_pan", Operation: "updateToken", Path: "/token/update",
		Request: `{"TokenUpdateRequest": {"CurrentAccountPan": "1234567890123456", "NewAccountPan": "5412345678908888", "ExpirationDate": "1219",
			"AccountPanSequenceNumber": "1", "CommentText": "Cardholder has a new Account Pan.",
			"AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "555 1234"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_update_issuer_prod_config_single_token_by_token_unique_ref", Operation: "updateToken", Path: "/token/update",
		Request: `{"TokenUpdateRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c",
			"IssuerProductConfigurationId": "ANYGOLD101", "CommentText": "Update gold artwork",
			"AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "555 1234"}}}`},
	{Source: "R-MC1", Name: "example_mdes_token_update_issuer_prod_config_token_by_pan", Operation: "updateToken", Path: "/token/update",
		Request: `{"TokenUpdateRequest": {"CurrentAccountPan": "1234567890123456", "IssuerProductConfigurationId": "ANYGOLD101", "CommentText": "Update gold artwork",
			"AuditInfo": {"UserId": "A1435477", "UserName": "John Smith", "Organization": "Any Bank", "Phone": "555 1234"}}}`},
	{Source: "R-MC1", Name: "example_mdes_transactions", Operation: "getTransactions", Path: "/transactions",
		Request: `{"TransactionsRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", ` + auditInfo + `}}`,
		Response: `{"TransactionsResponse": {"Transactions": {"Transaction": [
			{"CurrencyCode": "USD", "TransactionAmount": "123.45", "TransactionTypeCode": "PURCH", "TransactionTypeDescription": "Purchase",
				"TransactionStatusCode": "AUTH", "MerchantName": "FOODMART", "MerchantCategoryCode": "1234", "MerchantCategoryDescription": "GROCERY STORES, SUPERMARKETS", "POSEntryMode": "90"},
			{"CurrencyCode": "USD", "TransactionAmount": "29.47", "TransactionTypeCode": "PURCB", "TransactionTypeDescription": "Purchase with Cashback",
				"TransactionStatusCode": "COMP", "MerchantName": "RXMART", "MerchantCategoryCode": "5678", "MerchantCategoryDescription": "DRUG STORES, PHARMACIES", "POSEntryMode": "91"},
			{"CurrencyCode": "USD", "TransactionAmount": "-16.30", "TransactionTypeCode": "REFND", "TransactionTypeDescription": "Refund",
				"TransactionStatusCode": "COMP", "MerchantName": "AUTOMART", "MerchantCategoryCode": "9012", "MerchantCategoryDescription": "AUTOMOTIVE PARTS, ACCESSORIES STORES", "POSEntryMode": "07"},
			{"CurrencyCode": "USD", "TransactionAmount": "41.89", "TransactionTypeCode": "AFD", "TransactionTypeDescription": "Purchase Pre-Auth AFD",
				"TransactionStatusCode": "PAUTC", "MerchantName": "GASMART", "MerchantCategoryCode": "3456", "MerchantCategoryDescription": "FUEL DISPENSER, AUTOMATED", "POSEntryMode": "90"}]}}}`},
	{Source: "R-MC1", Name: "example_mdes_update_token_assurance", Operation: "updateTokenAssurance", Path: "/updatetokenassurance",
		Request:  `{"UpdateTokenAssuranceRequest": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentText": "Updating assurance.", ` + auditInfo + `}}`,
		Response: `{"UpdateTokenAssuranceResponse": {"Token": {"TokenUniqueReference": "DWSPMC00000000010906a349d9ca4eb1a4d53e3c90a11d9c", "CommentId": "12345"}}}`},
}

// CustomerServiceError is the published error object of R-MC1: Recoverable
// is a string.
const CustomerServiceError = `{"Errors": {"Error": [{"Description": "The date field is missing.", "ErrorCode": "DATE", "ReasonCode": "EMPTY_RESULT",
	"Source": "Atms.Atm.Location.Address.Line1", "Recoverable": "true"}]}}`

const (
	ntuTokenRef   = "DWSPMC000000000fcb2f4136b2f4136a0532d2f4136a0532"
	ntuEnvelope   = `"publicKeyFingerprint": "4c4ead5927f0df8117f178eea9308daa58e27c2b", "encryptedKey": "A1B2C3D4E5F611223344556678965434", "oaepHashingAlgorithm": "SHA512", "iv": "31323334353637383930313233343536"`
	ntuTokenData  = `"tokenData": {"token": "5345678901234521", "expiryMonth": "07", "expiryYear": "26", "sequenceNumber": "01"}`
	asTokenRef    = "DWSPMC000000000fcb2f4136b2f4136a0532d2f4136a0532"
	asPanRef      = "FWSPMC000000000159f71f703d2141efaf04dd26803f922b"
	dacTokenRef   = "DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45"
	fundingAcData = `{"source": "ACCOUNT_ON_FILE", "dataValidUntilTimestamp": "2026-07-04T12:09:56.123-07:00",
		"cardAccountData": {"accountNumber": "5123456789012345", "expiryMonth": "12", "expiryYear": "26", "securityCode": "123"},
		"paymentAccountReference": "512381d9f8e0629211e3949a08002",
		"accountHolderData": {"accountHolderName": "John Doe", "accountHolderAddress": {"line1": "100 1st Street", "line2": "Apt. 4B", "city": "St. Louis", "countrySubdivision": "MO", "postalCode": "61000", "country": "USA"},
			"sourceIp": "127.0.0.1", "deviceLocation": "38.63/-90.2", "consumerIdentifier": "1b24f24a24ba98e27d43e345b532a245e4723d7a9c4f624e93452c1b24f24a24b",
			"accountHolderEmailAddress": "abcdef@xyz.com", "accountHolderMobilePhoneNumber": {"countryDialInCode": "1", "phoneNumber": "4692392391"}}}`
	deviceInfo = `{"deviceName": "My Phone", "serialNumber": "2F6D63", "formFactor": "PHONE", "isoDeviceType": "09", "osName": "ANDROID", "osVersion": "4.4.4",
		"imei": "352099001761481", "msisdn": "7307406945", "paymentTypes": ["NFC"], "storageTechnology": "SE", "cardCaptureTechnology": "CAMERA"}`
)

// PreDigitization are the examples of the Issuer Outbound API 2.0.21
// (R-MC3): its six Notify Token Updated examples, then one request per other
// operation composed of the schema's field examples (the document has no
// whole example for them) and the answers likewise.
var PreDigitization = []Sample{
	{Source: "R-MC3", Name: "For TOKEN EXPIRY", Operation: "notifyTokenUpdated", Path: "/notifyTokenUpdated", PlaintextInPlace: true,
		Request: `{"requestId": "123456", "reasonCode": "REDIGITIZATION_COMPLETE", "tokens": [{"tokenUniqueReference": "` + ntuTokenRef + `", "tokenExpiry": "0726",
			"fundingAccountInfo": {"encryptedPayload": {"encryptedData": {"dataValidUntilTimestamp": "2026-07-04T19:09:56.123Z", ` + ntuTokenData + `}, ` + ntuEnvelope + `}}}]}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "For FPAN Update in Different Range", Operation: "notifyTokenUpdated", Path: "/notifyTokenUpdated", PlaintextInPlace: true,
		Request: `{"requestId": "123456", "reasonCode": "REDIGITIZATION_COMPLETE", "tokens": [{"tokenUniqueReference": "` + ntuTokenRef + `", "tokenExpiry": "0726",
			"fundingAccountInfo": {"encryptedPayload": {"encryptedData": {"dataValidUntilTimestamp": "2026-07-04T19:09:56.123Z", ` + ntuTokenData + `}, ` + ntuEnvelope + `}}}]}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "For FPAN Update in Same Range", Operation: "notifyTokenUpdated", Path: "/notifyTokenUpdated", PlaintextInPlace: true,
		Request: `{"requestId": "123456", "reasonCode": "FUNDING_ACCOUNT_UPDATE", "tokens": [{"tokenUniqueReference": "` + ntuTokenRef + `", "tokenExpiry": "0726",
			"fundingAccountInfo": {"encryptedPayload": {"encryptedData": {"dataValidUntilTimestamp": "2026-07-04T19:09:56.123Z",
				"cardAccountData": {"accountNumber": "5215678901236812", "expiryMonth": "04", "expiryYear": "28"}, ` + ntuTokenData + `}, ` + ntuEnvelope + `}}}]}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "For Token Status Update", Operation: "notifyTokenUpdated", Path: "/notifyTokenUpdated",
		Request:  `{"requestId": "123456", "reasonCode": "STATUS_UPDATE", "tokens": [{"tokenUniqueReference": "` + ntuTokenRef + `", "status": "SUSPENDED", "suspendedBy": ["TOKEN_REQUESTOR"], "tokenExpiry": "0726"}]}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "For AUTHENTICATION_PERFORMED", Operation: "notifyTokenUpdated", Path: "/notifyTokenUpdated",
		Request:  `{"requestId": "123456", "reasonCode": "AUTHENTICATION_PERFORMED", "tokens": [{"tokenUniqueReference": "` + ntuTokenRef + `", "tokenExpiry": "0726"}]}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "For DELETED_FROM_CONSUMER_APP", Operation: "notifyTokenUpdated", Path: "/notifyTokenUpdated",
		Request:  `{"requestId": "123456", "reasonCode": "DELETED_FROM_CONSUMER_APP", "tokens": [{"tokenUniqueReference": "` + ntuTokenRef + `"}]}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "authorizeService field examples", Operation: "authorizeService", Path: "/authorizeService", PlaintextInPlace: true, Composed: true,
		Request: `{"requestId": "123456", "services": ["DIGITIZATION"], "correlationId": "D98765432104", "tokenRequestorId": "12345678901",
			"walletId": "123", "paymentAppInstanceId": "1b24f24a24ba98e27d43e345b532a245e4723d7a9c4f624e",
			"accountIdHash": "5ae9c9890b326bd23bfa9db9672298ae3b10a9388e56ec17a001e191f24572aa", "mobileNumberSuffix": "1234", "activeTokenCount": "3",
			"deviceInfo": ` + deviceInfo + `,
			"walletProviderDecisioningInfo": {"recommendedDecision": "REQUIRE_ADDITIONAL_AUTHENTICATION", "recommendationStandardVersion": "1.0.0",
				"deviceScore": "3", "accountScore": "4", "phoneNumberScore": "4", "accountLifeTime": "4", "recommendationReasons": ["ACCOUNT_TOO_NEW"]},
			"tokenType": "CLOUD", "consumerFacingEntityName": "My Merchant",
			"fundingAccountInfo": {"tokenUniqueReference": "` + asTokenRef + `", "panUniqueReference": "` + asPanRef + `",
				"encryptedPayload": {"encryptedData": ` + fundingAcData + `, ` + ntuEnvelope + `}}}`,
		Response: `{"responseId": "123456", "services": ["DIGITIZATION"], "decision": "REQUIRE_ADDITIONAL_AUTHENTICATION",
			"activationMethods": [{"type": "CARDHOLDER_TO_CALL_AUTOMATED_NUMBER", "value": "1-800-BANK-NUMBER"}],
			"panSequenceNumber": "001", "issuerProductConfigId": "I1234D7890", "cvcResponse": "MATCH", "avsResponse": "ADDRESS_AND_POSTAL_MATCH",
			"tokenRequestorId": "12345678901", "tcis": ["New York"], "auxTcis": ["Chicago"], "chipDataValidationResponse": "VALID"}`},
	{Source: "R-MC3", Name: "requestActivationMethods field examples", Operation: "requestActivationMethods", Path: "/requestActivationMethods", PlaintextInPlace: true, Composed: true,
		Request: `{"requestId": "123456", "services": ["DIGITIZATION"], "correlationId": "D98765432104", "tokenRequestorId": "12345678901",
			"walletId": "123", "paymentAppInstanceId": "1b24f24a24ba98e27d43e345b532a245e4723d7a9c4f624e",
			"accountIdHash": "5ae9c9890b326bd23bfa9db9672298ae3b10a9388e56ec17a001e191f24572aa", "mobileNumberSuffix": "1234",
			"tokenType": "CLOUD", "reasonCodes": ["ADD_CARD"], "consumerFacingEntityName": "My Merchant",
			"fundingAccountInfo": {"tokenUniqueReference": "` + asTokenRef + `", "panUniqueReference": "` + asPanRef + `",
				"encryptedPayload": {"encryptedData": ` + fundingAcData + `, ` + ntuEnvelope + `}}}`,
		Response: `{"responseId": "123456", "activationMethods": [{"type": "CARDHOLDER_TO_CALL_AUTOMATED_NUMBER", "value": "1-800-BANK-NUMBER"}]}`},
	{Source: "R-MC3", Name: "deliverActivationCode field examples", Operation: "deliverActivationCode", Path: "/deliverActivationCode", Composed: true,
		Request: `{"requestId": "123456", "tokenUniqueReference": "` + dacTokenRef + `", "correlationId": "D98765432104", "activationCode": "A1B2C3D4",
			"expirationDateTime": "2026-07-04T12:08:56.123-07:00", "activationMethod": {"type": "CARDHOLDER_TO_CALL_AUTOMATED_NUMBER", "value": "1-800-BANK-NUMBER"},
			"reasonCodes": ["ADD_CARD"], "consumerFacingEntityName": "My Merchant"}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "validateActivationCode field examples", Operation: "validateActivationCode", Path: "/validateActivationCode", Composed: true,
		Request:  `{"requestId": "123456", "tokenUniqueReference": "` + dacTokenRef + `", "correlationId": "D98765432104", "activationCode": "A1B2C3D4"}`,
		Response: `{"responseId": "123456", "result": "SUCCESS"}`},
	{Source: "R-MC3", Name: "notifyServiceActivated field examples", Operation: "notifyServiceActivated", Path: "/notifyServiceActivated", PlaintextInPlace: true, Composed: true,
		Request: `{"requestId": "123456", "services": ["DIGITIZATION"], "correlationId": "D98765432104", "tokenRequestorId": "12345678901",
			"walletId": "123", "paymentAppInstanceId": "1b24f24a24ba98e27d43e345b532a245e4723d7a9c4f624e", "tokenType": "CLOUD",
			"secureElementId": "1b24f24a24ba98e27d43e345b532a245e4723d7a9c4f624e93452c", "accountPanSuffix": "1234",
			"serviceRequestDateTime": "2023-07-04T12:08:56.123-07:00", "termsAndConditionsAssetId": "a9f027e5-629d-11e3-949a-0800200c9a66",
			"termsAndConditionsAcceptedTimestamp": "2023-07-04T12:09:56.123-07:00", "productConfigurationId": "1234", "consumerLanguage": "en",
			"decision": "REQUIRE_ADDITIONAL_AUTHENTICATION", "decisionMadeBy": "RULES", "tokenActivatedDateTime": "2026-07-04T12:09:57.123-07:00",
			"numberOfActivationAttempts": 1, "numberOfActiveTokens": 2, "tokenAssuranceLevel": 1, "consumerFacingEntityName": "My Merchant",
			"deviceInfo": ` + deviceInfo + `,
			"fundingAccountInfo": {"panUniqueReference": "` + asPanRef + `", "tokenUniqueReference": "` + dacTokenRef + `",
				"encryptedPayload": {"encryptedData": {"cardAccountData": {"accountNumber": "5123456789012345", "expiryMonth": "12", "expiryYear": "26"},
					"tokenData": {"token": "5345678901234521", "expiryMonth": "10", "expiryYear": "26", "sequenceNumber": "17"}}, ` + ntuEnvelope + `}}}`,
		Response: `{"responseId": "123456"}`},
	{Source: "R-MC3", Name: "getAccountInformation field examples", Operation: "getAccountInformation", Path: "/getAccountInformation", PlaintextInPlace: true, Composed: true,
		Request: `{"requestId": "123456", "fundingAccountInfo": {"tokenUniqueReference": "` + asTokenRef + `", "panUniqueReference": "` + asPanRef + `",
			"encryptedPayload": {"encryptedData": {"cardAccountData": {"accountNumber": "5123456789012345", "expiryMonth": "12", "expiryYear": "26"}}, ` + ntuEnvelope + `}}}`,
		Response: `{"responseId": "123456", "encryptedPayload": {"publicKeyFingerprint": "4c4ead5927f0df8117f178eea9308daa58e27c2b", "encryptedKey": "A1B2C3D4E5F611223344556678965434",
			"oaepHashingAlgorithm": "SHA512", "iv": "31323334353637383930313233343536",
			"encryptedData": {"dataValidUntilTimestamp": "2026-07-04T12:09:56.123-07:00", "balanceInformation": {"amount": "25.36", "currencyCode": "USD", "balanceDateTime": "2023-07-04T12:08:56.123-07:00"}, "accountStatus": "INVALID"}}}`},
	{Source: "R-MC3", Name: "notifySuspiciousEvents field examples", Operation: "notifySuspiciousEvents", Path: "/notifySuspiciousEvents", Composed: true,
		Request: `{"requestId": "123456", "tokenUniqueReference": "` + ntuTokenRef + `", "paymentAppInstanceId": "1b24f24a24ba98e27d43e345b532a245e4723d7a9c4f624e",
			"status": "ACTIVE", "events": {"eventName": "REPLENISH",
				"walletAtcStatus": {"unusedDiscarded": ["1234"], "usedForContactless": ["1234"], "usedForDsrp": ["1234"], "unusedActive": ["1234"]},
				"systemAtcStatus": {"atcNotFound": ["1234"], "atcAlreadyProcessed": ["1234"], "atcReportedUsedByWallet": ["1234"], "unusedActive": ["1234"]}}}`,
		Response: `{"responseId": "123456"}`},
}

// PreDigitizationError is the published error object of R-MC3 (field
// examples).
const PreDigitizationError = `{"responseId": "123456", "errorCode": "INVALID_JSON", "errorDescription": "Invalid JSON"}`

const (
	tcFundingAccount = `{"cardAccountData": {"accountNumber": "5123456789012345", "expiryMonth": "12", "expiryYear": "21"},
		"accountHolderData": {"accountHolderName": "John Doe",
			"accountHolderAddress": {"line1": "100 1st Street", "line2": "Apt. 4B", "city": "St. Louis", "countrySubdivision": "MO", "postalCode": "61000", "country": "USA"},
			"accountHolderEmailAddress": "john.doe@anymail.com", "accountHolderMobilePhoneNumber": {"countryDialInCode": "1", "phoneNumber": "7181234567"}},
		"dataValidUntilTimestamp": "2019-07-04T12:09:56.123-07:00"}`
	// The published encryptedKey example is cut with "(...)"; its two
	// published ends are joined here.
	tcEnvelope   = `"publicKeyFingerprint": "243e6992ea467f1cbb9973facfcc3bf17b5cd007", "encryptedKey": "d5112fa08e554e3dbc455d062852e826dd10311cf0d63bbfb231a1a63ecc13", "oaepHashingAlgorithm": "SHA512", "iv": "1b9396c98ab2bfd195de661d70905a45"`
	tcPushMethod = `{"type": "WEB", "uri": "http://www.tokenrequestor1.com/pushtoken"}`
)

// TokenConnect are requests and answers of MDES Token Connect 2.0.8
// (R-MC4) composed of its schemas' field examples (the document has no
// whole example).
var TokenConnect = []Sample{
	{Source: "R-MC4", Name: "getEligibleTokenRequestors field examples", Operation: "getEligibleTokenRequestors", Path: "/connect/1/0/getEligibleTokenRequestors", Composed: true,
		Request: `{"requestId": "123456", "accountRanges": ["5123456789"], "supportsTokenConnect": true}`,
		Response: `{"responseId": "123456", "tokenRequestors": [{"tokenRequestorId": "50123456789", "name": "Sunrise Ave. Ltd", "consumerFacingEntityName": "Happy Sunrise Online",
			"imageAssetId": "dbc55444-496a-4896-b41c-5d5e2dd431e2", "tokenRequestorType": "MERCHANT", "walletId": "123", "enabledAccountRanges": [5123456789000000000],
			"supportedPushMethods": ["ANDROID"], "supportsMultiplePushedCards": true, "supportedAccountHolderData": ["ADDRESS"], "supportsCardHolderAuthentication": true,
			"supportsTokenConnect": true, "availablePushMethods": [` + tcPushMethod + `], "supportIssuerInitiatedDigitizationData": false}]}`},
	{Source: "R-MC4", Name: "getAsset field examples", Operation: "getAsset", Path: "/issuer-assets/1/0/asset/tokenrequestor/{AssetId}", Composed: true,
		Response: `{"mediaContents": [{"type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUgAAAXcAAAF3CAIAAADRopypAAAABGdBTUEAANbY1E9YMgAAAAlwSFlzAAAASAAAAEgARslrPgAAGtNJREFUeNrt3W9oW", "height": "192", "width": "192"}]}`},
	{Source: "R-MC4", Name: "pushAccount field examples", Operation: "pushAccount", Path: "/connect/1/0/pushAccount", Composed: true, PlaintextInPlace: true,
		Request:  `{"requestId": "123456", "tokenRequestorId": "50123456789", "pushFundingAccount": {"encryptedPayload": {"encryptedData": ` + tcFundingAccount + `, ` + tcEnvelope + `}}}`,
		Response: `{"responseId": "123456", "pushAccountReceipt": "MCC-C307F0AE-298E-48EB-AA43-A7C40B32DDDE", "availablePushMethods": [` + tcPushMethod + `]}`},
	{Source: "R-MC4", Name: "pushMultipleAccounts field examples", Operation: "pushMultipleAccounts", Path: "/connect/1/0/pushMultipleAccounts", Composed: true, PlaintextInPlace: true,
		Request: `{"requestId": "123456", "tokenRequestorId": "50123456789",
			"pushFundingAccounts": {"encryptedPayload": {"encryptedData": [{"pushAccountId": "CA-132d72d4fcb2f4136a0532d3093ff1ab", "fundingAccountData": ` + tcFundingAccount + `}], ` + tcEnvelope + `}},
			"signatureData": {"callbackURL": "http://www.tokenIssuer1.com/pushtoken", "completeIssuerAppActivation": false, "completeWebsiteActivation": false, "accountHolderDataSupplied": false, "locale": "en_US"},
			"requestIssuerInitiatedDigitizationData": false, "pushAccountReceiptsValidityPeriod": 15}`,
		Response: `{"responseId": "123456", "pushAccountReceipts": [{"pushAccountId": "CA-132d72d4fcb2f4136a0532d3093ff1ab", "pushAccountReceipt": "MCC-C307F0AE-298E-48EB-AA43-A7C40B32DDDE",
			"issuerInitiatedDigitizationData": "eyJmdW5kaW5nQWNjb3VudEluZm8iOnsicHVzaEFjY291bnRSZWNlaXB0IjoiTUNDLVNUTC00OTZCNjNBOC02OTQzLTRFM0YtOEYzNi1DMjU0M0Q4OTg1ODQifX0="}],
			"availablePushMethods": [` + tcPushMethod + `], "tokenRequestorSignatureSupport": true,
			"signature": "ew0KImFsZyI6ICJSUzI1NiIsDQoNCiJraWQiOiAiYXNkZmctcXdlcnR5LXp4Y3ZiIg0KfQ.ew0KDQrCoCJwdXNoQWNjb3VudFJlY2VpcHQiOiAiTUNDLVNUTC0xMzQzMTNCRi01NTg1LTRFNzEtQUIyNC1FQ0RCQzI4RjIzRjEiLA0KImlzc3VlckNhbGxCYWNrIjogImh0dHBzOi8vaXNzdWVyY2FsbGJhY2sudXJsIiwNCiJjYWxsYmFja1JlcXVpcmVkIjogdHJ1ZSwNCiJjb21wbGV0ZVdlYnNpdGVBY3RpdmF0aW9uIjogdHJ1ZSwNCiJhY2NvdW50SG9sZGVyRGF0YVN1cHBsaWVkIjogdHJ1ZSwNCiJsb2NhbGUiOiAiZW5fVVMiDQoNCn0.dBjftJeZ4CVP-"}`},
}

// TokenConnectError is the published error wrapper of R-MC4 (field
// examples).
const TokenConnectError = `{"errors": [{"source": "INPUT", "reasonCode": "INVALID_FIELD_LENGTH", "description": "Invalid Field Length - {field name}", "errorCode": "1234", "recoverable": true}],
	"responseId": "5d4ecdc5-e6cd-47cc-94fc-d6b2dfd3338c"}`
