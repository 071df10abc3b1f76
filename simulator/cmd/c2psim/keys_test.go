package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/c2psim/c2psim/client"
	"github.com/c2psim/c2psim/client/pan"
	mcnet "github.com/c2psim/c2psim/conformance/networks/mastercard"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store/pgstore/pgtest"
)

var fourNetworks = []string{"--networks", "amex,discover,mastercard,visa"}

// credentialsOf is what a process hands out for each of the four networks.
func credentialsOf(t *testing.T, p *proc) map[string][]simulator.Credential {
	t.Helper()
	out := map[string][]simulator.Credential{}
	for _, n := range []string{"amex", "discover", "mastercard", "visa"} {
		var c struct {
			Items []simulator.Credential `json:"items"`
		}
		if st := p.admin(t, http.MethodGet, "/networks/"+n+"/credentials", nil, &c); st != http.StatusOK || len(c.Items) == 0 {
			t.Fatalf("%s credentials: status %d, %d items", n, st, len(c.Items))
		}
		out[n] = c.Items
	}
	return out
}

// sameCredentials reports every credential (keys, certificates, key IDs,
// client IDs and secrets) that differs between two processes.
func sameCredentials(t *testing.T, what string, a, b map[string][]simulator.Credential) {
	t.Helper()
	for n, as := range a {
		byName := map[string]simulator.Credential{}
		for _, c := range b[n] {
			byName[c.Name] = c
		}
		if len(as) != len(b[n]) {
			t.Errorf("%s: %s hands out %d credentials, then %d", what, n, len(as), len(b[n]))
		}
		for _, c := range as {
			o, ok := byName[c.Name]
			switch {
			case !ok:
				t.Errorf("%s: %s %s is missing", what, n, c.Name)
			case o.Kind != c.Kind || o.KeyID != c.KeyID || o.Value != c.Value:
				t.Errorf("%s: %s %s differs (key IDs %q and %q)", what, n, c.Name, c.KeyID, o.KeyID)
			}
		}
	}
}

// mastercardEnrol enrols a fresh card at p with a client configured from
// creds: it succeeds only if p decrypts with the key creds name (kid) and
// verifies the signature with the key creds sign with.
func mastercardEnrol(t *testing.T, p *proc, creds []simulator.Credential, i int) {
	t.Helper()
	a, err := mcnet.New(creds, p.base+"/mastercard", &http.Client{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	partial := fmt.Sprintf("5204%011d", 73000000+i)
	card := client.Card{Ref: fmt.Sprintf("mc-card-%d", i), PAN: pan.MustParse(partial + string(pan.LuhnCheckDigit(partial))),
		Expiry: client.Expiry{Year: 2031, Month: 2}, NameOnCard: "Ada Lovelace",
		BillingAddress: client.Address{Line1: "1 Analytical Way", City: "London", PostalCode: "N1 9GU", Country: "GBR"}}
	consumer := amexConsumer(i)
	if _, err := a.EnrolCard(context.Background(), consumer, card); err != nil {
		t.Fatalf("enrolling at %s with credentials handed out elsewhere: %v\n%s", p.base, err, p.out)
	}
}

// Network keys and generated identities are made once per store: two
// replicas started together on an empty database hand out, sign and
// decrypt with the same ones, and so does a process started again on a
// data directory, or on the database after every replica is gone.
func TestNetworkKeysAreTheSameOnEveryReplicaAndAfterARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real binary several times")
	}
	url := pgtest.URL(t)
	procs := make([]*proc, 2)
	var wg sync.WaitGroup
	for i := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); procs[i] = startProc(t, append([]string{"--store", url}, fourNetworks...)...) }()
	}
	wg.Wait()
	a, b := credentialsOf(t, procs[0]), credentialsOf(t, procs[1])
	sameCredentials(t, "two replicas started together", a, b)
	mastercardEnrol(t, procs[1], a["mastercard"], 1)
	mastercardEnrol(t, procs[0], b["mastercard"], 2)
	procs[0].kill()
	procs[1].kill()
	c := startProc(t, append([]string{"--store", url}, fourNetworks...)...)
	sameCredentials(t, "a replica started after both were killed", a, credentialsOf(t, c))
	mastercardEnrol(t, c, a["mastercard"], 3)

	dir := t.TempDir()
	p := startProc(t, append([]string{"--data-dir", dir}, fourNetworks...)...)
	before := credentialsOf(t, p)
	p.kill()
	p = startProc(t, append([]string{"--data-dir", dir}, fourNetworks...)...)
	sameCredentials(t, "a restart on the data directory", before, credentialsOf(t, p))
	mastercardEnrol(t, p, before["mastercard"], 4)
}
