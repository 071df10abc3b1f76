package mastercard

import (
	"testing"
	"time"
)

// expiry reads a card's year and month as time.Parse("2006-01") does: the
// first instant after the month, or the zero time for anything else.
func TestExpiryReadsWhatTimeParseReads(t *testing.T) {
	want := func(year, month string) time.Time {
		p, err := time.Parse("2006-01", year+"-"+month)
		if err != nil {
			return time.Time{}
		}
		return p.AddDate(0, 1, 0)
	}
	years := []string{"2030", "1999", "0000", "9999", "30", "203", "20300", "20a0", "", " 2030", "+203", "-203"}
	months := []string{"01", "09", "10", "12", "00", "13", "1", "001", "1a", "", "-1", " 1"}
	for _, y := range years {
		for _, m := range months {
			if got, w := expiry(y, m), want(y, m); !got.Equal(w) || got.IsZero() != w.IsZero() {
				t.Errorf("expiry(%q, %q) = %v, want %v", y, m, got, w)
			}
		}
	}
}
