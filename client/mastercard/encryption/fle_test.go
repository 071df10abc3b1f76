package encryption

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestFLERoundTripAndRefusals(t *testing.T) {
	k, other := key(t), key(t)
	ring := KeyRing{}
	fp, _ := ring.Add(k)
	pt := []byte(`{"cardAccountData":{"accountNumber":"5186001700008785"}}`)
	for _, h := range []string{"SHA256", "SHA512"} {
		e, err := SealFLE(pt, &k.PublicKey, h)
		if err != nil {
			t.Fatal(err)
		}
		if e.PublicKeyFingerprint != fp || e.OAEPHashingAlgorithm != h || len(e.IV) != 32 {
			t.Fatalf("envelope %+v", e)
		}
		// Independent check of the layout: unwrap and decrypt by hand.
		if h == "SHA256" {
			wrapped, _ := hex.DecodeString(e.EncryptedKey)
			aesKey, err := rsa.DecryptOAEP(sha256.New(), nil, k, wrapped, nil)
			if err != nil || len(aesKey) != 16 {
				t.Fatalf("AES key: %d bytes, %v", len(aesKey), err)
			}
			iv, _ := hex.DecodeString(e.IV)
			data, _ := hex.DecodeString(e.EncryptedData)
			block, _ := aes.NewCipher(aesKey)
			cipher.NewCBCDecrypter(block, iv).CryptBlocks(data, data)
			if string(data[:len(pt)]) != string(pt) {
				t.Fatal("AES-CBC layout differs")
			}
		}
		got, err := ring.OpenFLE(e)
		if err != nil || string(got) != string(pt) {
			t.Fatalf("%s: OpenFLE = %q, %v", h, got, err)
		}
	}
	e, _ := SealFLE(pt, &other.PublicKey, "SHA256")
	if _, err := ring.OpenFLE(e); !errors.Is(err, ErrFLEFingerprint) {
		t.Errorf("other key: %v", err)
	}
	e.PublicKeyFingerprint = fp
	if _, err := ring.OpenFLE(e); !errors.Is(err, ErrFLEDecrypt) {
		t.Errorf("fingerprint lies: %v", err)
	}
	e, _ = SealFLE(pt, &k.PublicKey, "SHA256")
	e.OAEPHashingAlgorithm = "SHA1"
	if _, err := ring.OpenFLE(e); !errors.Is(err, ErrFLEHash) {
		t.Errorf("SHA1: %v", err)
	}
	e, _ = SealFLE(pt, &k.PublicKey, "SHA256")
	e.IV = "00"
	if _, err := ring.OpenFLE(e); !errors.Is(err, ErrFLEMalformed) {
		t.Errorf("short iv: %v", err)
	}
	if _, err := SealFLE(pt, &k.PublicKey, "MD5"); !errors.Is(err, ErrFLEHash) {
		t.Errorf("seal MD5: %v", err)
	}
}

func TestFLEEveryPublishedForm(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ring := KeyRing{}
	if _, err := ring.Add(key); err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"tokenData":{"token":"5345678901234521","expiryMonth":"07","expiryYear":"26"}}`)
	for _, o := range []FLEOptions{
		{OAEPHashing: "SHA256"}, {OAEPHashing: "SHA512"}, {OAEPHashing: ""}, {OAEPHashing: "SHA512", ZeroIV: true}, {ZeroIV: true, KeySize: 32},
	} {
		env, err := SealFLEWith(plain, &key.PublicKey, o)
		if err != nil {
			t.Fatal(err)
		}
		if (env.OAEPHashingAlgorithm == "") != (o.OAEPHashing == "") || (env.IV == "") != o.ZeroIV {
			t.Errorf("%+v: envelope %+v does not say its form", o, env)
		}
		env.EncryptedData = strings.ToUpper(env.EncryptedData) // hex is case-insensitive
		got, err := ring.OpenFLE(env)
		if err != nil || string(got) != string(plain) {
			t.Errorf("%+v: opened %q, %v", o, got, err)
		}
	}
}
