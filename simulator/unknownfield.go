package simulator

import "context"

// UnknownField is the field no document declares that a network's
// unknownFields setting adds to its answers (ERR-04).
const UnknownField = "c2psimFutureField"

// UnknownFieldsSetting declares a network's unknownFields setting, which
// switches WithUnknownField on (read it with Settings.Bool("unknownFields", true)).
var UnknownFieldsSetting = Setting{Key: "unknownFields", Kind: "bool", Default: "true",
	Description: "add a field no document declares to every successful JSON answer, as a newer release would (clients must ignore it, ERR-04)"}

// WithUnknownField wraps h so that its successful JSON object answers carry
// UnknownField. Answers are open: an issuer whose client refuses a field it
// does not know breaks with the network's next release, and this finds it.
// Raw and error answers pass unchanged.
func WithUnknownField(h Handler) Handler {
	return func(ctx context.Context, req *Request) (*Response, error) {
		res, err := h(ctx, req)
		if err == nil && res != nil && res.Status < 300 {
			if m, ok := res.Body.(map[string]any); ok {
				m[UnknownField] = "clients must ignore fields they do not know"
			}
		}
		return res, err
	}
}
