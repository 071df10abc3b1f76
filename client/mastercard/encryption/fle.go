package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// FLE is Mastercard's legacy field-level encryption envelope (MDES APIs and
// Pre-Digitization callbacks, the encryptedPayload object): a single-use
// AES-128 key wraps the data with AES-CBC (PKCS#7 padding, 16-byte IV) and is
// itself wrapped with RSA-OAEP under the recipient's key; binary values are
// hex-encoded. The MDES Issuer Outbound API also allows the key wrapped
// with PKCS#1 v1.5 (oaepHashingAlgorithm absent) and a zero IV (iv absent);
// OpenFLE reads both, SealFLEWith writes them.
type FLE struct {
	EncryptedData        string `json:"encryptedData"`
	EncryptedKey         string `json:"encryptedKey"`
	IV                   string `json:"iv,omitempty"`
	OAEPHashingAlgorithm string `json:"oaepHashingAlgorithm,omitempty"` // SHA256 | SHA512 | absent: PKCS#1 v1.5
	PublicKeyFingerprint string `json:"publicKeyFingerprint"`
}

// FLEOptions chooses one of the legal forms of the envelope.
type FLEOptions struct {
	// OAEPHashing is SHA256 or SHA512; "" wraps the key with PKCS#1 v1.5
	// and leaves oaepHashingAlgorithm out.
	OAEPHashing string
	// ZeroIV encrypts with an IV of zero and leaves iv out.
	ZeroIV bool
	// KeySize is the AES key length in bytes, 16 (default) or 32.
	KeySize int
}

// Errors returned by OpenFLE.
var (
	ErrFLEMalformed   = errors.New("field-level encryption: encryptedData, encryptedKey and iv must be hex, iv 16 bytes, data a whole number of AES blocks")
	ErrFLEHash        = errors.New("field-level encryption: oaepHashingAlgorithm must be SHA256 or SHA512")
	ErrFLEFingerprint = errors.New("field-level encryption: publicKeyFingerprint is not the fingerprint of a known key")
	ErrFLEDecrypt     = errors.New("field-level encryption: the key or the data does not decrypt")
)

func oaepHash(name string) (hash.Hash, error) {
	switch strings.ToUpper(name) {
	case "SHA256", "SHA-256":
		return sha256.New(), nil
	case "SHA512", "SHA-512":
		return sha512.New(), nil
	}
	return nil, ErrFLEHash
}

// SealFLE encrypts plaintext to pub with the given OAEP hash (SHA256 or SHA512).
func SealFLE(plaintext []byte, pub *rsa.PublicKey, oaepHashing string) (FLE, error) {
	if _, err := oaepHash(oaepHashing); err != nil {
		return FLE{}, err
	}
	return SealFLEWith(plaintext, pub, FLEOptions{OAEPHashing: oaepHashing})
}

// SealFLEWith encrypts plaintext to pub in the form opts chooses.
func SealFLEWith(plaintext []byte, pub *rsa.PublicKey, opts FLEOptions) (FLE, error) {
	fp, err := Fingerprint(pub)
	if err != nil {
		return FLE{}, err
	}
	size := opts.KeySize
	if size == 0 {
		size = 16
	}
	if size != 16 && size != 32 {
		return FLE{}, fmt.Errorf("field-level encryption: AES key size %d, want 16 or 32", size)
	}
	key, iv := make([]byte, size), make([]byte, aes.BlockSize)
	if _, err := rand.Read(key); err != nil {
		return FLE{}, err
	}
	if !opts.ZeroIV {
		if _, err := rand.Read(iv); err != nil {
			return FLE{}, err
		}
	}
	var wrapped []byte
	if opts.OAEPHashing == "" {
		wrapped, err = rsa.EncryptPKCS1v15(rand.Reader, pub, key)
	} else {
		h, herr := oaepHash(opts.OAEPHashing)
		if herr != nil {
			return FLE{}, herr
		}
		wrapped, err = rsa.EncryptOAEP(h, rand.Reader, pub, key, nil)
	}
	if err != nil {
		return FLE{}, fmt.Errorf("field-level encryption: %w", err)
	}
	block, _ := aes.NewCipher(key)
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	data := append(append([]byte(nil), plaintext...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(data, data)
	out := FLE{
		EncryptedData:        hex.EncodeToString(data),
		EncryptedKey:         hex.EncodeToString(wrapped),
		PublicKeyFingerprint: fp,
	}
	if !opts.ZeroIV {
		out.IV = hex.EncodeToString(iv)
	}
	if opts.OAEPHashing != "" {
		out.OAEPHashingAlgorithm = strings.ToUpper(strings.ReplaceAll(opts.OAEPHashing, "-", ""))
	}
	return out, nil
}

// OpenFLE decrypts an envelope with the key its publicKeyFingerprint names.
// An absent oaepHashingAlgorithm means the key is wrapped with PKCS#1 v1.5,
// an absent iv an IV of zero; hex is read in either case.
func (r KeyRing) OpenFLE(e FLE) ([]byte, error) {
	var h hash.Hash
	if e.OAEPHashingAlgorithm != "" {
		var err error
		if h, err = oaepHash(e.OAEPHashingAlgorithm); err != nil {
			return nil, err
		}
	}
	key, ok := r[strings.ToLower(e.PublicKeyFingerprint)]
	if !ok {
		return nil, ErrFLEFingerprint
	}
	data, err1 := hex.DecodeString(e.EncryptedData)
	wrapped, err2 := hex.DecodeString(e.EncryptedKey)
	iv := make([]byte, aes.BlockSize)
	var err3 error
	if e.IV != "" {
		iv, err3 = hex.DecodeString(e.IV)
	}
	if err1 != nil || err2 != nil || err3 != nil || len(iv) != aes.BlockSize || len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, ErrFLEMalformed
	}
	var aesKey []byte
	var err error
	if h == nil {
		aesKey, err = rsa.DecryptPKCS1v15(nil, key, wrapped)
	} else {
		aesKey, err = rsa.DecryptOAEP(h, nil, key, wrapped, nil)
	}
	if err != nil || (len(aesKey) != 16 && len(aesKey) != 24 && len(aesKey) != 32) {
		return nil, ErrFLEDecrypt
	}
	block, _ := aes.NewCipher(aesKey)
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(out[len(out)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, ErrFLEDecrypt
	}
	return out[:len(out)-pad], nil
}
