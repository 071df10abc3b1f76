// An independent Discover client, written from the Discover Partner Product
// Portal developer guide's conventions (as openapi/discover/clicktopay.yaml
// restates them) with the jose npm package and node:crypto only: no c2psim
// code. It enrols a card, reads it back and changes it, and, when given a
// server certificate, receives the resulting notification over mutual TLS
// and verifies Discover's signature with the published JWKS.
//
// Input (stdin, JSON): {simulator: "http://host:port", card: "<PAN>",
//   notify: {certPem, keyPem}} (notify optional).
// Output (stdout, JSON): what each step saw, card numbers masked.
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import https from 'node:https';
import * as jose from 'jose';

const input = JSON.parse(await new Promise((resolve) => {
  let s = '';
  process.stdin.on('data', (d) => { s += d; });
  process.stdin.on('end', () => resolve(s));
}));
const enc = new TextEncoder();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mask = (s) => String(s).replace(/\d{12,19}/g, (m) => m.slice(0, 6) + '*'.repeat(m.length - 10) + m.slice(-4));
const out = { steps: [] };
const step = (name, detail) => out.steps.push({ name, ...detail });

// Onboarding: what Discover issues a partner per environment (client ID and
// secret, scope, API plan, consumer application certificate, the CA of its
// outgoing client certificate; the partner's signing key is registered with
// Discover, the sandbox hands one out).
async function admin(method, path, body) {
  const res = await fetch(input.simulator + '/_admin' + path, {
    method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}
const networks = await admin('GET', '/networks');
const base = input.simulator + networks.find((n) => n.id === 'discover').basePath;
const creds = Object.fromEntries((await admin('GET', '/networks/discover/credentials')).items.map((c) => [c.name, c]));
const clientId = creds['client-id'].value;
const clientSecret = creds['client-secret'].value;
const scope = creds.scope.value;
const plan = creds['api-plan'].value;
const partnerKey = await jose.importPKCS8(creds['partner-signing-private-key'].value, 'RS256');
const partnerKid = creds['partner-signing-private-key'].keyId;
const appCert = new X509Certificate(creds['app-certificate'].value).raw.toString('base64');

// §4.5: Discover's public keys, anonymous.
const jwksURL = new URL(base + '/dfs/jwk/v1/public-keys');
const jwksRes = await fetch(jwksURL, { headers: { Accept: 'application/json' } });
const jwks = await jwksRes.json();
const encJwk = jwks.keys.find((k) => k.use === 'enc');
const encKey = await jose.importJWK(encJwk, 'RSA-OAEP-256');
step('jwks', { status: jwksRes.status, uses: jwks.keys.map((k) => k.use).sort() });

// §5: client credentials, scope required, API plan on the token call,
// client authentication in the form body (the guide allows it instead of Basic).
const tokRes = await fetch(base + '/auth/oauth/v2/token', {
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'X-DFS-API-PLAN': plan },
  body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_id: clientId, client_secret: clientSecret }),
});
const tok = await tokRes.json();
step('token', { status: tokRes.status, tokenType: tok.token_type, expiresIn: tok.expires_in });
if (tokRes.status !== 200) throw new Error('token: ' + JSON.stringify(tok));

// §7: the Second Factor JWT, RS256 with the content hash of the exact body.
async function secondFactor(body) {
  const contentHash = createHash('sha256').update(body, 'utf8').digest('base64url');
  return new jose.SignJWT({ content_hash: contentHash })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: partnerKid })
    .setIssuedAt()
    .sign(partnerKey);
}

// Every call: bearer, API plan, a fresh request ID, no-store, and the
// operation family's second factor (JWT on writes, certificate on reads).
async function call(method, path, payload, factor) {
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const headers = {
    Authorization: 'Bearer ' + tok.access_token, 'X-DFS-API-PLAN': plan, 'X-Request-ID': randomUUID(),
    'Cache-Control': 'no-store', Accept: 'application/json',
  };
  if (body) headers['Content-Type'] = 'application/json';
  if (factor === 'cert') headers['X-DFS-C-APP-CERT'] = appCert;
  else headers['X-DFS-C-APP-JWT'] = await secondFactor(body);
  const res = await fetch(base + path, { method, headers, body: body || undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// Optional: the issuer's notification endpoint, mutual TLS with Discover's
// client certificate, Discover's JWS checked against the JWKS.
let notified;
if (input.notify) {
  const discoverKeys = jose.createRemoteJWKSet(jwksURL);
  const received = [];
  notified = { received, server: https.createServer({
    key: input.notify.keyPem, cert: input.notify.certPem, ca: creds['notification-client-ca'].value,
    requestCert: true, rejectUnauthorized: true,
  }, async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    try {
      const { payload, protectedHeader } = await jose.jwtVerify(req.headers['x-dfs-c-app-jwt'], discoverKeys, { algorithms: ['RS256'], typ: 'JWT' });
      const hash = createHash('sha256').update(raw, 'utf8').digest('base64url');
      if (payload.content_hash !== hash) throw new Error('content_hash does not match the body');
      const ev = JSON.parse(raw);
      received.push({ kid: protectedHeader.kid, peer: req.socket.getPeerCertificate().subject?.CN, status: ev.status, tokenReferenceId: ev.tokenReferenceId });
      res.writeHead(204).end();
    } catch (e) {
      received.push({ refused: e.message });
      res.writeHead(401).end();
    }
  }) };
  await new Promise((r) => notified.server.listen(0, '127.0.0.1', r));
  await admin('PUT', '/networks/discover/callback', { url: `https://127.0.0.1:${notified.server.address().port}`, insecureSkipVerify: true });
}

// Enrol: the card JSON signed (JWS, the partner's key), then encrypted to
// Discover's key (JWE RSA-OAEP-256 / A256GCM, cty JWT): §8.4's nesting.
const consumerId = 'node-' + randomUUID().slice(0, 8);
const cardJSON = JSON.stringify({
  pan: input.card, expiryMonth: 2, expiryYear: 2031, nameOnCard: 'Grace Hopper',
  billingAddress: { line1: '1 Navy Way', city: 'Arlington', postalCode: '22201', state: 'VA', country: 'USA' },
});
const jws = await new jose.CompactSign(enc.encode(cardJSON)).setProtectedHeader({ alg: 'RS256', kid: partnerKid }).sign(partnerKey);
const encryptedCard = await new jose.CompactEncrypt(enc.encode(jws))
  .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: encJwk.kid })
  .encrypt(encKey);
const enrol = await call('POST', '/dci/clicktopay/v1/enrolments', {
  consumer: { consumerId, firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', phone: '12025550143', locale: 'en-US', country: 'USA' },
  card: { cardId: 'card-1', encryptedCard },
}, 'jwt');
step('enrol', { status: enrol.status, operationStatus: enrol.body?.status, code: enrol.body?.code, message: mask(enrol.body?.message ?? '') });
if (enrol.status !== 202) throw new Error('enrol: ' + mask(JSON.stringify(enrol.body)));

let op = enrol.body;
for (let i = 0; i < 50 && op.status === 'PENDING'; i++) {
  await sleep(200);
  const r = await call('GET', '/dci/clicktopay/v1/operations/' + op.operationId, undefined, 'cert');
  op = r.body;
}
step('operation', { status: op.status, tokenReferenceId: op.tokenReferenceId, hasPar: Boolean(op.par) });

const read = async (name) => {
  const r = await call('GET', '/dci/clicktopay/v1/consumers/' + consumerId, undefined, 'cert');
  step(name, { status: r.status, cards: (r.body?.cards ?? []).map((c) => ({ cardId: c.cardId, last4: c.last4, status: c.status, tokenReferenceId: c.tokenReferenceId })) });
};
await read('profile');

// Change it: the Stored Token Services token-state operation.
const change = await call('POST', '/globalpymt/ddx/stored-payment-token/operations/v1/token/state',
  { requestId: randomUUID(), tokenReferenceId: op.tokenReferenceId, operationType: 'Suspend', reason: 'LOST' }, 'jwt');
step('suspend', { status: change.status, tokenStatus: change.body?.tokenStatus, code: change.body?.code });
await read('profile-after');

if (notified) {
  for (let i = 0; i < 50 && notified.received.length === 0; i++) await sleep(100);
  step('notification', { received: notified.received });
  notified.server.close();
}
process.stdout.write(JSON.stringify(out));
