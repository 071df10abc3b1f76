package visa_test

import (
	"bytes"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/client/visa/vtsjwe"
)

// FuzzDecodeCallback feeds arbitrary bodies to each Visa call the issuer
// serves: the decoder must refuse or decode, never panic.
func FuzzDecodeCallback(f *testing.F) {
	signPub := publicKey(f, "visa-signing.pub.pem")
	a, err := visa.New(visa.Config{BaseURL: "http://visa.invalid/v1", APIKey: "K", SharedSecret: "fuzz-shared-secret-000", KeyID: "MLE-1",
		ServerKey: publicKey(f, "visa-mle-server.pub.pem"), ClientKey: privateKey(f, "issuer-mle-client.pem"), BID: "10000001",
		Now: func() time.Time { return time.Unix(1764043200, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	ca := a.WithCallbacks(visa.CallbackConfig{
		SigningKeys:     func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == "715EA257" },
		NotificationKey: privateKey(f, "issuer-notification.pem"),
	})
	good, _ := notification.Sealer{SignKey: privateKey(f, "visa-signing.pem"), SignKeyID: "715EA257", EncKey: publicKey(f, "issuer-notification.pub.pem")}.
		Seal([]byte(`{"clientInformation":{"firstName":"Jo","lastName":"X"},"enrollment":{"enrollmentID":"e"}}`), time.Unix(1764043200, 0))
	blob, _ := vtsjwe.Seal([]byte(`{"cardholderInfo":{"primaryAccountNumber":"4111111145551140"}}`), "K", "fuzz-shared-secret-000", time.Unix(1764043200, 0))
	f.Add(uint8(0), good)
	f.Add(uint8(1), []byte(`{"encData":"a.b.c.d.e"}`))
	f.Add(uint8(2), []byte(`{"requestID":"r","tokenInfo":{"tokenReferenceID":"T"},"encryptedData":"`+blob+`"}`))
	f.Add(uint8(0), []byte(`{"encryptedData":"eyJhbGciOiJub25lIn0.e30."}`))
	paths := []string{
		"/visa/vtis/v1/tokenRequestors/40010075001/cardEnrollment/notification?eventType=CTP_ENROLLMENT_ATTEMPT",
		"/visa/vica/v1/requestStatusNotification",
		"/visa/vts/v1/tokenRequestors/40010075001/approveProvisioning",
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r := httptest.NewRequest(http.MethodPost, paths[int(which)%len(paths)], bytes.NewReader(body))
		ev, err := ca.DecodeCallback(r)
		if err == nil && ev == nil {
			t.Fatal("nil event without error")
		}
	})
}
