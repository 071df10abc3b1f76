// Interoperability driver: encrypts or decrypts JSON bodies with
// mastercard-client-encryption, configured exactly as an issuer would
// configure it. Usage:
//
//   node encryption.js   (JSON request on stdin, JSON answer on stdout)
//
// Request: {mode: "JWE"|"FLE", op: "encrypt"|"decrypt", url, bodies, config}
//   config is the library's own configuration object (paths, field names,
//   encryptionCertificate and privateKey as file paths, dataEncoding,
//   oaepPaddingDigestAlgorithm, publicKeyFingerprintType, ...).
// Answer:  {bodies}: each request body encrypted (JweEncryption.encrypt /
//   FieldLevelEncryption.encrypt) or each response body decrypted
//   (JweEncryption.decrypt / FieldLevelEncryption.decrypt), in order.
const { JweEncryption, FieldLevelEncryption } = require('mastercard-client-encryption');

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const r = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const config = Object.assign({}, r.config, { mode: r.mode === 'JWE' ? 'JWE' : undefined });
  const lib = r.mode === 'JWE' ? new JweEncryption(config) : new FieldLevelEncryption(config);
  const bodies = r.bodies.map((body) => {
    switch (r.op) {
      case 'encrypt':
        return lib.encrypt(r.url, {}, body).body;
      case 'decrypt':
        return lib.decrypt({ request: { url: r.url }, header: {}, body });
      default:
        throw new Error('op must be encrypt or decrypt, not ' + r.op);
    }
  });
  process.stdout.write(JSON.stringify({ bodies }));
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
