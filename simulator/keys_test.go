package simulator_test

import (
	"crypto/ecdsa"
	"strings"
	"testing"

	"github.com/c2psim/c2psim/internal/pemkey"
	"github.com/c2psim/c2psim/simulator"
	"github.com/c2psim/c2psim/simulator/store/boltstore"
)

// keyNet is artNet with keys from the engine and credentials around them.
type keyNet struct {
	artNet
	a, b  *simulator.RSAKey
	c     *ecdsa.PrivateKey
	same  bool // asking twice gave the same key
	id    string
	setup error
}

func (n *keyNet) Setup(env *simulator.Env) error {
	var err error
	if n.a, err = env.RSAKey("a-private-key"); err != nil {
		return err
	}
	if n.b, err = env.RSAKey("b-private-key"); err != nil {
		return err
	}
	again, _ := env.RSAKey("a-private-key")
	n.same = again == n.a
	if n.c, err = env.ECDSAKey("c-private-key"); err != nil {
		return err
	}
	n.id = "generated-id"
	return nil
}

func (n *keyNet) Credentials() []simulator.Credential {
	return []simulator.Credential{
		{Name: "client-id", Kind: "id", Value: n.id},
		{Name: "a-public-key", Kind: "rsa-public-key", Value: pemkey.EncodePublic(n.a.Public())},
	}
}

func (n *keyNet) RegisterCredential(c simulator.Credential) error {
	if c.Name != "client-id" || c.Kind != "id" {
		return simulator.Errorf(400, simulator.KindValidation, "keynet takes client-id only")
	}
	n.id = c.Value
	return nil
}

func newKeySim(t *testing.T, n *keyNet, creds map[string][]simulator.Credential) (*simulator.Simulator, error) {
	t.Helper()
	sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{n}, Credentials: creds})
	if err == nil {
		t.Cleanup(sim.Close)
	}
	return sim, err
}

func TestNetworkKeysAreGeneratedOrGiven(t *testing.T) {
	first := &keyNet{}
	sim, err := newKeySim(t, first, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !first.same {
		t.Error("asking twice for a key gave two keys")
	}
	if first.a.Private().N.BitLen() != simulator.RSAKeyBits || first.a.Private().Equal(first.b.Private()) {
		t.Fatal("generated keys are not two distinct 2048-bit keys")
	}
	keys := sim.Keys("art")
	var names []string
	for _, k := range keys {
		names = append(names, k.Name+"/"+k.Kind)
	}
	if got := strings.Join(names, " "); got != "a-private-key/rsa-private-key b-private-key/rsa-private-key c-private-key/ec-private-key" {
		t.Fatalf("Keys = %s", got)
	}

	// Started again with what the first one had, the keys are the same and
	// the other credentials are registered (or already held).
	saved := append(sim.Credentials("art"), keys...)
	for i := range saved {
		if saved[i].Name == "client-id" {
			saved[i].Value = "my-client"
		}
	}
	second := &keyNet{}
	if _, err := newKeySim(t, second, map[string][]simulator.Credential{"art": saved}); err != nil {
		t.Fatal(err)
	}
	if !second.a.Private().Equal(first.a.Private()) || !second.b.Private().Equal(first.b.Private()) || !second.c.Equal(first.c) {
		t.Error("given keys were not used")
	}
	if second.id != "my-client" {
		t.Errorf("client-id = %q, want the given one", second.id)
	}
}

func TestGivenCredentialsThatCannotBeUsedStopTheStart(t *testing.T) {
	short := "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\no3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2k\nTQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp7\n9mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uy\nv/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs\n/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00\n-----END RSA PRIVATE KEY-----\n"
	for _, c := range []struct {
		creds map[string][]simulator.Credential
		says  string
	}{
		{map[string][]simulator.Credential{"art": {{Name: "a-private-key", Kind: "rsa-private-key", Value: short}}}, "a-private-key"},
		{map[string][]simulator.Credential{"art": {{Name: "a-private-key", Kind: "rsa-private-key", Value: "not PEM"}}}, "not PEM"},
		{map[string][]simulator.Credential{"art": {{Name: "c-private-key", Kind: "ec-private-key", Value: "x"}}}, "c-private-key"},
		{map[string][]simulator.Credential{"art": {{Name: "colour", Kind: "id", Value: "red"}}}, `credential "colour"`},
		{map[string][]simulator.Credential{"nope": {{Name: "client-id", Kind: "id", Value: "x"}}}, `"nope"`},
	} {
		if _, err := newKeySim(t, &keyNet{}, c.creds); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%v: error %v, want one naming %q", c.creds, err, c.says)
		}
	}
}

// With a durable store, a network's keys (its own ones too) and their IDs
// are stored on the first start and used again on the next: replicas and
// restarts sign and decrypt with the same keys.
func TestNetworkKeysSurviveARestartOnADurableStore(t *testing.T) {
	dir := t.TempDir()
	start := func() *keyNet {
		st, err := boltstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		n := &keyNet{}
		sim, err := simulator.New(simulator.Options{Networks: []string{}, Extra: []simulator.Network{n}, Store: st})
		if err != nil {
			t.Fatal(err)
		}
		sim.Close()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	first, second := start(), start()
	if !second.a.Private().Equal(first.a.Private()) || !second.b.Private().Equal(first.b.Private()) || !second.c.Equal(first.c) {
		t.Fatal("keys changed across a restart on a durable store")
	}
}
