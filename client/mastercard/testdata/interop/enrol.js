// Interoperability driver: an issuer's Click to Pay enrolment made only with
// Mastercard's published npm libraries. The card is JWE-encrypted into
// encryptedCard by mastercard-client-encryption (JweEncryption), the request
// is signed by mastercard-oauth1-signer (RSA-SHA256, its own nonce and clock)
// and posted with Node's fetch. Usage:
//
//   node enrol.js   (JSON request on stdin, JSON answer on stdout)
//
// Request: {url, consumerKey, signingKey, encryptionCertificate, body}
//   signingKey and encryptionCertificate are PEM file paths; body is the
//   putCard request with the card in clear under "card" (the shape of
//   EncryptedCardPlaintext), which the library replaces with encryptedCard.
// Answer:  {status, sent, answer}: the HTTP status, the body as sent and the
//   parsed answer.
const fs = require('fs');
const OAuth = require('mastercard-oauth1-signer');
const { JweEncryption } = require('mastercard-client-encryption');

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const r = JSON.parse(Buffer.concat(chunks).toString('utf8'));

  const jwe = new JweEncryption({
    mode: 'JWE',
    paths: [{
      path: '/src/api/digital/payments/cards$',
      toEncrypt: [{ element: 'card', obj: 'encryptedCard' }],
      toDecrypt: [],
    }],
    encryptedValueFieldName: 'encryptedCard',
    encryptionCertificate: r.encryptionCertificate,
  });
  const sent = jwe.encrypt(r.url, {}, r.body).body;
  const payload = JSON.stringify(sent);

  const signingKey = fs.readFileSync(r.signingKey, 'utf8');
  const authorization = OAuth.getAuthorizationHeader(r.url, 'POST', payload, r.consumerKey, signingKey);

  const res = await fetch(r.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: authorization },
    body: payload,
  });
  const text = await res.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch (e) {
    answer = text;
  }
  process.stdout.write(JSON.stringify({ status: res.status, sent, answer }));
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
