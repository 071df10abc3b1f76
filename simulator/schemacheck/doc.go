// Package schemacheck compiles an OpenAPI 3.0 schema once into a checker
// that validates JSON bytes directly, with the findings kin-openapi's
// Schema.VisitJSON reports for the decoded value: the same JSON pointer,
// schema field and reason, in the same order. The engine checks every
// request body, answer and decrypted plaintext with it, and needs no
// decoded copy of the document to do so; reading a clean document and
// finding nothing wrong allocates nothing.
//
//	c, err := schemacheck.Compile(schema, schemacheck.Request, doc.IsOpenAPI31OrLater())
//	if err != nil {
//		// *Unsupported: validate with kin-openapi, as before
//	}
//	findings, clean := c.Check(body)
//	if !clean {
//		// not a document the checker reads itself: decode it and
//		// validate with kin-openapi, which explains what is wrong
//	}
//
// It compiles types (and nullable), enum, not, oneOf, anyOf, allOf,
// properties, additionalProperties, required, minProperties and
// maxProperties, items, minItems and maxItems, minLength, maxLength and
// pattern, minimum, maximum and both exclusive bounds, the string, number
// and integer formats registered with kin-openapi (c2psim's strict email
// among them), and readOnly and writeOnly by direction. Compile refuses
// (*Unsupported) what it does not implement exactly as kin-openapi does:
// discriminator, uniqueItems, multipleOf, object or array enum values,
// boolean schemas, the JSON Schema 2020-12 keywords, and every schema of an
// OpenAPI 3.1 document (kin-openapi checks those with a JSON Schema
// 2020-12 validator whose messages differ). Check leaves to the caller a
// document that is not strict JSON, holds invalid UTF-8, a duplicate key,
// a key with escapes, a number beyond float64 or nesting deeper than 512.
//
// Most schema patterns are runs of one-rune sets or of alternatives of one
// length, ^[0-9]{12,19}$, a UUID's, ^(0[1-9]|1[0-2])$: those whose runs
// cannot hand a rune to one another are matched in one pass without the
// regexp machine (pattern.go; TestRunPattern* and FuzzRunPattern hold it
// to regexp's answer), the others by regexp.
//
// The equivalence is tested, not assumed: TestSameFindingsAsKinOpenAPI
// compares both on every schema of every document in openapi/ (and on
// testdata/features.yaml, which uses every compiled feature), in each
// direction, with the documents' examples and hundreds of thousands of
// variants (-schemacheck.all); FuzzCheck compares them on arbitrary bytes
// and keeps its corpus in testdata/fuzz.
package schemacheck
