package visa_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/visa"
	"github.com/c2psim/c2psim/client/visa/mle"
	"github.com/c2psim/c2psim/client/visa/notification"
	"github.com/c2psim/c2psim/client/visa/vtsjwe"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/journal"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// callbackSetup is setup with the callback codec and the issuer's handler
// registered as the simulator's callback target.
func callbackSetup(t *testing.T, settings map[string]string) (*simtest.Server, *client.Issuer, *client.MemorySink, *httptest.Server) {
	t.Helper()
	if settings == nil {
		settings = map[string]string{}
	}
	settings["visa.asyncDelay"] = "1ms"
	srv := simtest.Start(t, simtest.Options{Networks: []string{"visa"}, Settings: settings})
	a, err := visa.New(configFrom(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	signing := simCredentials(srv)["notification-signing-public-key"]
	signPub, err := visa.ParsePublicKeyPEM(signing.Value)
	if err != nil {
		t.Fatal(err)
	}
	ca := a.WithCallbacks(visa.CallbackConfig{SigningKeys: func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == signing.KeyID }})
	iss, err := client.New(client.WithAdapter(ca), client.WithPollInterval(2*time.Millisecond),
		client.WithRetryPolicy(client.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	sink := &client.MemorySink{}
	hs := httptest.NewServer(iss.CallbackHandler(nil, sink))
	t.Cleanup(hs.Close)
	if err := srv.Sim.SetCallbackTarget("visa", simulator.CallbackTarget{URL: hs.URL + "/visa", RetrySchedule: []time.Duration{}}); err != nil {
		t.Fatal(err)
	}
	return srv, iss, sink, hs
}

func TestCallbackEnrolmentAttemptVerifiedAndRecorded(t *testing.T) {
	srv, _, sink, hs := callbackSetup(t, nil)
	out, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", map[string]any{"panLast4": "1141"})
	if err != nil || out["status"] != 200 {
		t.Fatalf("trigger = %v, %v", out, err)
	}
	evs := sink.Events()
	if len(evs) != 1 || evs[0].Type != client.EventEnrolmentAttempt || evs[0].CardLast4 != "1141" || evs[0].Network != client.Visa {
		t.Fatalf("events = %+v", evs)
	}
	// The simulator checked the issuer's answer: 200 with no body.
	e := srv.Sim.Journal().Find(journal.Query{OperationID: "notifyEnrollmentAttempt"})
	if len(e) != 1 || e[0].Status != 200 || e[0].ResponseBody != "" || !e[0].ResponseCheck.OK {
		t.Fatalf("journal = %+v", e)
	}
	// A redelivery (same enrollmentID) is recorded as a duplicate, not applied twice.
	if _, err := srv.Sim.Trigger(context.Background(), "visa", "enrollmentAttempt", map[string]any{"enrollmentID": out["enrollmentID"]}); err != nil {
		t.Fatal(err)
	}
	if evs := sink.Events(); len(evs) != 2 || !evs[1].Duplicate {
		t.Fatalf("redelivery = %+v", evs)
	}

	// A forged notification (signed with another key under Visa's kid) is refused with 401.
	forger := privateKey(t, "visa-signing.pem")
	cfg := configFrom(t, srv)
	body, err := notification.Sealer{SignKey: forger, SignKeyID: simCredentials(srv)["notification-signing-public-key"].KeyID,
		EncKey: &cfg.ClientKey.PublicKey, EncKeyID: cfg.KeyID}.Seal([]byte(`{"clientInformation":{"firstName":"Eve","lastName":"X"},"enrollment":{"enrollmentID":"forged-1"}}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(hs.URL+"/visa/vtis/v1/tokenRequestors/40010075001/cardEnrollment/notification?eventType=CTP_ENROLLMENT_ATTEMPT", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(sink.Events()) != 2 {
		t.Fatalf("forged notification: %d, %d events", resp.StatusCode, len(sink.Events()))
	}
}

// The bundled client's handler accepts an enrolment-attempt notification
// that jose signed and encrypted as the spec says.
func TestInteropHandlerAcceptsJoseNotification(t *testing.T) {
	signPub := publicKey(t, "visa-signing.pub.pem")
	a, err := visa.New(visa.Config{BaseURL: "http://visa.invalid/visaIdCredential/v1", APIKey: "K", SharedSecret: "S", KeyID: "MLE-1",
		ServerKey: publicKey(t, "visa-mle-server.pub.pem"), ClientKey: privateKey(t, "issuer-mle-client.pem"), BID: "10000001"})
	if err != nil {
		t.Fatal(err)
	}
	ca := a.WithCallbacks(visa.CallbackConfig{
		SigningKeys:     func(kid string) (*rsa.PublicKey, bool) { return signPub, kid == "715EA257" },
		NotificationKey: privateKey(t, "issuer-notification.pem"),
	})
	iss, _ := client.New(client.WithAdapter(ca))
	sink := &client.MemorySink{}
	h := iss.CallbackHandler(nil, sink)
	post := func(body string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/visa/vtis/v1/tokenRequestors/40010075001/cardEnrollment/notification?eventType=CTP_ENROLLMENT_ATTEMPT", strings.NewReader(body)))
		if rec.Code == 200 && rec.Body.Len() != 0 {
			t.Fatalf("200 with a body: %q", rec.Body.String())
		}
		return rec.Code
	}
	seal := func(signKey string) string {
		return node(t, "notif-seal", map[string]any{
			"signKeyPem": string(readPEM(t, signKey)), "signKid": "715EA257",
			"encPublicKeyPem": string(readPEM(t, "issuer-notification.pub.pem")), "encKid": "ISS-1",
			"iat": time.Now().Unix(), "payload": `{"clientInformation":{"firstName":"Jane","lastName":"Doe"},"enrollment":{"enrollmentID":"jose-` + signKey + `","panLast4":"1140"}}`,
		})["body"].(string)
	}
	if code := post(seal("visa-signing.pem")); code != 200 {
		t.Fatalf("jose notification: %d", code)
	}
	if code := post(seal("issuer-mle-client.pem")); code != 401 {
		t.Fatalf("jose notification signed by someone else: %d", code)
	}
	if evs := sink.Events(); len(evs) != 1 || evs[0].Payload["clientInformation"] == nil {
		t.Fatalf("events = %+v", evs)
	}
}

func TestCallbackApproveProvisioningAnsweredByTheDecider(t *testing.T) {
	srv, iss, sink, _ := callbackSetup(t, nil)
	ctx := context.Background()
	op, err := iss.EnrolCard(ctx, ada(), card("c1", "4111111145551140"))
	if done := wait(t, iss, op, err); done.Status != client.Succeeded {
		t.Fatalf("enrolment = %+v", done)
	}
	evs := sink.Events()
	if len(evs) != 1 || evs[0].Type != client.EventTokenizationAuth || evs[0].Decision != client.Approve || evs[0].CardLast4 != "1140" {
		t.Fatalf("events = %+v", evs)
	}
	if strings.Contains(evs[0].Payload["cardholderInfo"].(map[string]any)["primaryAccountNumber"].(string), "4111111145551140") {
		t.Fatal("the recorded event holds the PAN in clear")
	}
	e := srv.Sim.Journal().Find(journal.Query{OperationID: "approveProvisioning"})
	if len(e) != 1 || !strings.Contains(e[0].ResponseBody, `"00"`) || !e[0].ResponseCheck.OK {
		t.Fatalf("journal = %+v", e)
	}

	// A stale or foreign shared-secret JWE is refused before any decision.
	cfg := configFrom(t, srv)
	h := iss.CallbackHandler(nil, sink)
	for name, jwe := range map[string]func() (string, error){
		"stale": func() (string, error) {
			return vtsjwe.Seal([]byte(`{}`), cfg.APIKey, cfg.SharedSecret, time.Now().Add(-time.Hour))
		},
		"another secret": func() (string, error) {
			return vtsjwe.Seal([]byte(`{}`), cfg.APIKey, "some-other-shared-secret", time.Now())
		},
	} {
		blob, err := jwe()
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/visa/vts/v1/tokenRequestors/40010075001/approveProvisioning",
			strings.NewReader(`{"requestID":"r-`+strings.ReplaceAll(name, " ", "-")+`","tokenInfo":{"tokenReferenceID":"T","tokenRequestorID":"40010075001","tokenType":"CLICK_TO_PAY"},"encryptedData":"`+blob+`"}`)))
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
	if len(sink.Events()) != 1 {
		t.Fatalf("refused calls were recorded: %+v", sink.Events())
	}
}

func TestCallbackStatusNotificationCompletesTheOperation(t *testing.T) {
	srv, iss, sink, _ := callbackSetup(t, map[string]string{"visa.statusNotifications": "true", "visa.approvalCalls": "false"})
	op, err := iss.EnrolCard(context.Background(), ada(), card("c1", "4111111145551140"))
	wait(t, iss, op, err)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got *client.NetworkEvent
		for _, ev := range sink.Events() {
			if ev.Type == client.EventOperationCompleted {
				got = &ev
			}
		}
		if got != nil {
			if got.OperationID != op.ID || got.Payload["status"] != string(client.Succeeded) {
				t.Fatalf("event = %+v", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no status notification recorded: %+v", sink.Events())
		}
		time.Sleep(2 * time.Millisecond) // delivery runs on the simulator's completion goroutine
	}
	// A status notification not encrypted to our key is refused.
	other := publicKey(t, "visa-mle-server.pub.pem")
	body, _ := mle.Seal([]byte(`{"requestTraceId":"x","status":"COMPLETED"}`), other, configFrom(t, srv).KeyID, time.Now())
	rec := httptest.NewRecorder()
	iss.CallbackHandler(nil, sink).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/visa/vica/v1/requestStatusNotification", bytes.NewReader(body)))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("foreign notification: %d", rec.Code)
	}
}
