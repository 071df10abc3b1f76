package mastercard

import "testing"

func TestSplitPhoneByE164CallingCode(t *testing.T) {
	for in, want := range map[string][2]string{
		"12025550143":   {"1", "2025550143"},
		"447700900123":  {"44", "7700900123"},
		"79161234567":   {"7", "9161234567"},
		"353861234567":  {"353", "861234567"},
		"861012345678":  {"86", "1012345678"},
		"97150123456":   {"971", "50123456"},
		"4915123456789": {"49", "15123456789"},
	} {
		got := splitPhone(in)
		if got["countryCode"] != want[0] || got["phoneNumber"] != want[1] {
			t.Errorf("splitPhone(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestAlpha2(t *testing.T) {
	for in, want := range map[string]string{"GBR": "GB", "USA": "US", "DEU": "DE", "IRL": "IE"} {
		if got, err := alpha2(in); err != nil || got != want {
			t.Errorf("alpha2(%s) = %s, %v", in, got, err)
		}
	}
	for _, bad := range []string{"XYZ", "", "GB", "EUR"} {
		if _, err := alpha2(bad); err == nil {
			t.Errorf("alpha2(%q) accepted", bad)
		}
	}
}
