package mastercard_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/c2psim/c2psim/simulator/networks/mastercard"
	"github.com/c2psim/c2psim/simulator/simtest"
)

// BenchmarkEnrolmentHandler is BenchmarkEnrolment without the network: the
// simulator's handler called in process with requests signed ahead, each a
// new consumer, paired round by round with its RSA-2048 bound (one OAEP
// decrypt and one PKCS #1 v1.5 verify) and measured by the process's CPU
// time, so a machine whose speed drifts moves both alike. %bound is the
// bound's total over the handler's: 100 % would be a handler that costs
// nothing but the RSA work. BenchmarkEnrolmentBound (simulator/cmd/c2psim)
// is the same figure over loopback HTTP against the binary.
func BenchmarkEnrolmentHandler(b *testing.B) {
	srv := simtest.Start(b, simtest.Options{Networks: []string{mastercard.ID}})
	is := newBenchIssuer(b, srv)
	u := is.url
	type signed struct {
		body []byte
		auth string
	}
	reqs := make([]signed, b.N)
	var wg sync.WaitGroup
	for w := range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := w; i < b.N; i += runtime.GOMAXPROCS(0) {
				body := is.body(fmt.Sprintf("bench-%d", i), fmt.Sprintf("k%d", i), is.cardJWE())
				auth, _ := is.signer.Header(http.MethodPost, u, body)
				reqs[i] = signed{body, auth}
			}
		})
	}
	wg.Wait()
	h := srv.Sim.Handler()
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	cek := make([]byte, 32)
	ct, _ := rsa.EncryptOAEP(sha256.New(), rand.Reader, &k.PublicKey, cek, nil)
	digest := sha256.Sum256([]byte("base string"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
	var tb, th []float64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := procCPU()
		if _, err := rsa.DecryptOAEP(sha256.New(), nil, k, ct, nil); err != nil {
			b.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
		t1 := procCPU()
		tb = append(tb, float64(t1-t0))
		req := httptest.NewRequest(http.MethodPost, u.String(), bytes.NewReader(reqs[i].body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", reqs[i].auth)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d: %s", w.Code, w.Body)
		}
		th = append(th, float64(procCPU()-t1))
	}
	sort.Float64s(tb)
	sort.Float64s(th)
	var sb, sh float64
	for i := range tb {
		sb += tb[i]
		sh += th[i]
	}
	b.ReportMetric(tb[len(tb)/2]/1e3, "bound-med-us")
	b.ReportMetric(th[len(th)/2]/1e3, "handler-med-us")
	b.ReportMetric(100*sb/sh, "%bound")
}

// procCPU is the CPU time of the whole process, every thread.
func procCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRSABound is the RSA work of one enrolment alone.
func BenchmarkRSABound(b *testing.B) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	cek := make([]byte, 32)
	ct, _ := rsa.EncryptOAEP(sha256.New(), rand.Reader, &k.PublicKey, cek, nil)
	digest := sha256.Sum256([]byte("base string"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
	for b.Loop() {
		if _, err := rsa.DecryptOAEP(sha256.New(), nil, k, ct, nil); err != nil {
			b.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
