package pemkey_test

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/c2psim/c2psim/internal/pemkey"
)

func Example() {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	creds := map[string]string{"encryption-public-key": pemkey.EncodePublic(&k.PublicKey)}

	pub, err := pemkey.ParsePublicAtLeast(creds["encryption-public-key"], 2048)
	if err != nil {
		fmt.Println(fmt.Errorf("encryption-public-key: %w", err))
		return
	}
	fmt.Println(pub.N.BitLen(), "bits")

	_, err = pemkey.ParsePrivate(creds["signing-private-key"])
	fmt.Println(fmt.Errorf("signing-private-key: %w", err))
	// Output:
	// 2048 bits
	// signing-private-key: not PEM
}
