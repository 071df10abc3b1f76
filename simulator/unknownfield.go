package simulator

import "encoding/json"

// UnknownField is the field no document declares that the engine adds to the
// answers of networks with Description.UnknownFields while their
// unknownFields setting is on (ERR-04). Answers are open: an issuer whose
// client refuses a field it does not know breaks with the network's next
// release, and this finds it.
const UnknownField = "c2psimFutureField"

// unknownFieldValue is what UnknownField carries.
const unknownFieldValue = "clients must ignore fields they do not know"

// unknownFieldsKey is the setting the engine declares for networks with
// Description.UnknownFields.
var unknownFieldsKey = Key[bool]{Name: "unknownFields", Default: true, Live: true,
	Description: "add a field no document declares to every successful answer (inside the encrypted payload where answers are encrypted), as a newer release would (clients must ignore it, ERR-04)"}

// addUnknownField adds UnknownField to a successful JSON object answer,
// whether the handler gave a map or a struct; raw and error answers, and
// answers that are not objects, pass unchanged.
func addUnknownField(res *Response) {
	if res == nil || res.Status >= 300 || res.Raw != nil || res.Body == nil {
		return
	}
	if m, ok := res.Body.(map[string]any); ok {
		m[UnknownField] = unknownFieldValue
		return
	}
	b, err := json.Marshal(res.Body)
	if err != nil || len(b) < 2 || b[0] != '{' {
		return // not an object (or respond reports the marshalling error)
	}
	if len(b) > 2 {
		b = append(b[:len(b)-1], ',')
	} else {
		b = b[:1]
	}
	res.Raw = append(append(b, unknownMember...), '}')
	res.Body = nil
}

// unknownMember is UnknownField as a JSON object member.
const unknownMember = `"` + UnknownField + `":"` + unknownFieldValue + `"`

// DeclaredSettings lists every setting of a network, its own and those the
// engine declares for it (unknownFields), as the engine checks them and the
// admin API lists them. It needs no Setup.
func DeclaredSettings(n Network) []Setting {
	var out []Setting
	if sd, ok := n.(SettingsDeclarer); ok {
		out = append(out, sd.Settings()...)
	}
	if n.Describe().UnknownFields {
		out = append(out, unknownFieldsKey.Setting())
	}
	return out
}
