package simulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Body decoders and string formats are process-global in kin-openapi;
// every one c2psim needs beyond the library's defaults is registered here,
// in one place, for every network.
func init() {
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/javascript", openapi3filter.PlainBodyDecoder) // the console's script
	openapi3filter.RegisterBodyDecoder("text/css", openapi3filter.PlainBodyDecoder)        // and styles
	openapi3filter.RegisterBodyDecoder("application/x-www-form-urlencoded", closedFormDecoder)
	openapi3.DefineStringFormatValidator("email", openapi3.NewCallbackValidator(checkEmail))
}

// closedFormDecoder is kin-openapi's form decoder, except that a field a
// closed schema (additionalProperties: false) does not declare is kept, so
// the schema check refuses it as it refuses an unknown JSON field; the
// library's decoder drops it silently.
func closedFormDecoder(body io.Reader, h http.Header, schema *openapi3.SchemaRef, enc openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	v, err := openapi3filter.UrlencodedBodyDecoder(bytes.NewReader(raw), h, schema, enc)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	ap := schema.Value.AdditionalProperties
	if !ok || ap.Has == nil || *ap.Has {
		return v, nil
	}
	values, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, err
	}
	for k, vs := range values {
		if _, declared := schema.Value.Properties[k]; !declared {
			obj[k] = strings.Join(vs, ",")
		}
	}
	return obj, nil
}

// checkEmail is a strict "email" format: an RFC 5321 mailbox with a
// dot-atom local part (no leading, trailing or repeated dot, at most 64
// octets) and a domain of at least two LDH labels (1 to 63 octets, no
// leading or trailing hyphen, the last one not all digits), at most 254
// octets in all. Quoted local parts, comments and address literals, which
// no card network accepts for a consumer, are refused. kin-openapi's
// default checks only for one "@".
func checkEmail(s string) error {
	if len(s) > 254 {
		return errors.New("an email address is at most 254 characters")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.Contains(domain, "@") {
		return errors.New("an email address has exactly one @")
	}
	if local == "" || len(local) > 64 {
		return errors.New("the part before @ must be 1 to 64 characters")
	}
	for _, atom := range strings.Split(local, ".") {
		if atom == "" {
			return fmt.Errorf("the part before @ (%q) must not start or end with a dot or hold two dots in a row", local)
		}
		for _, c := range atom {
			if !atext(c) {
				return fmt.Errorf("the part before @ may not hold %q", c)
			}
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return fmt.Errorf("the domain %q needs at least two labels (example.com)", domain)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("the domain %q has an empty, too long or hyphen-edged label", domain)
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("the domain %q may not hold %q", domain, c)
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return fmt.Errorf("the domain %q ends in a numeric label", domain)
	}
	return nil
}

// atext reports an RFC 5322 atom character.
func atext(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", c)
}
