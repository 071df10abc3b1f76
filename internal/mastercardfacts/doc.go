// Package mastercardfacts holds, as test data, the example values Mastercard
// publishes in its machine-readable API documents: the request and answer
// samples of MDES Customer Service 2.0.7 (x-samples), the Notify Token
// Updated examples of the MDES Issuer Outbound (Pre-Digitization) API 2.0.21,
// and requests composed only of the field examples that document gives for
// its other operations. They are facts to test against (what a real
// counterpart sends and accepts), not c2psim's own choices: the tests feed
// them to the served documents and to the bundled client.
//
// Sources (see SOURCES.md of the steering notes):
//
//	R-MC1  MDES Customer Service, OpenAPI 3.0.1, version 2.0.7
//	R-MC3  MDES Issuer Outbound API (Pre-Digitization), document version 2.0.21
//
// Samples are kept as published, quirks included: Customer Service's
// search-by-reference answer sends TokenDeletedFromConsumerApp as a JSON
// boolean where the schema says string, several published answers are an
// empty object, and the Pre-Digitization examples print the decrypted object
// in place of the hex encryptedData (see Sample.PlaintextInPlace).
package mastercardfacts
