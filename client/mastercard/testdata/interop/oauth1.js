// Interoperability driver: builds one Mastercard OAuth 1.0a Authorization
// header with the mastercard-oauth1-signer package. Usage:
//
//   node oauth1.js   (JSON request on stdin, JSON answer on stdout)
//
// Request: {uri, method, payload, consumerKey, privateKeyPem,
//           signatureMethod?, nonce?, timestamp?}
// Answer:  {header}
// nonce and timestamp, when given, replace the library's random nonce and
// clock so that a header can be compared byte for byte.
const OAuth = require('mastercard-oauth1-signer');

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const r = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (r.nonce !== undefined) OAuth.getNonce = () => r.nonce;
  if (r.timestamp !== undefined) OAuth.getTimestamp = () => r.timestamp;
  const method = r.signatureMethod === 'RSA-PSS' ? OAuth.SignatureMethod.RSA_PSS_SHA256 : OAuth.SignatureMethod.RSA_SHA256;
  const header = OAuth.getAuthorizationHeader(r.uri, r.method, r.payload, r.consumerKey, r.privateKeyPem, method);
  process.stdout.write(JSON.stringify({ header }));
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
