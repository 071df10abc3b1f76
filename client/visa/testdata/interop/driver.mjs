// An independent Visa issuer: a second implementation of the issuer side of
// VICA, written from Visa's published wire rules with the jose npm package
// and node:crypto only (no c2psim code), serving the harness's driver
// contract (openapi/driver.yaml) and Visa's calls to the issuer. The Visa
// conformance suite runs against it as an external target, so the suite's
// verdicts do not rest on the bundled Go client alone. It chooses its own
// externalConsumerIDs at Visa (never the harness's consumer refs) and
// reports them in networkIds, as the contract asks.
//
//   node driver.mjs --simulator http://127.0.0.1:8080 [--addr 127.0.0.1:0]
//
// It prints "jose-driver ready <url>/driver" once listening. Card numbers are
// kept in memory only to call Visa and never printed or returned in full.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import * as jose from 'jose';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const simURL = args.simulator;
if (!simURL) {
  process.stderr.write('--simulator http://host:port is required\n');
  process.exit(2);
}
const [listenHost, listenPort] = (args.addr ?? '127.0.0.1:0').split(':');
const BID = '10000001';
const enc = new TextEncoder();
const dec = new TextDecoder();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mask = (s) => String(s).replace(/\d{12,19}/g, (m) => m.slice(0, 6) + '*'.repeat(m.length - 10) + m.slice(-4));

// ---- the simulator's admin API: credentials, base path, callback URL ----
async function admin(method, path, body) {
  const res = await fetch(simURL + '/_admin' + path, {
    method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

const networks = await admin('GET', '/networks');
const visaInfo = networks.find((n) => n.id === 'visa');
const base = simURL + visaInfo.basePath;
const creds = Object.fromEntries((await admin('GET', '/networks/visa/credentials')).items.map((c) => [c.name, c]));
const kid = creds['mle-key-id'].value;
const serverKey = await jose.importSPKI(creds['mle-server-public-key'].value, 'RSA-OAEP-256');
const clientKey = await jose.importPKCS8(creds['mle-client-private-key'].value, 'RSA-OAEP-256');
const signingKey = await jose.importSPKI(creds['notification-signing-public-key'].value, 'PS256');
const signingKid = creds['notification-signing-public-key'].keyId;
const apiKey = creds['api-key'].value;
const sharedSecret = creds['shared-secret'].value;
const vtsKey = new Uint8Array(createHash('sha256').update(sharedSecret, 'utf8').digest());

// ---- VICA over X-Pay-Token and Message Level Encryption ----
class VisaError extends Error {
  constructor(status, code, message) {
    super(`visa ${status} ${code}: ${mask(message)}`);
    this.status = status;
    this.code = code;
    this.retryable = status >= 500 || status === 429 || status === 409 || code === 'VIDC-5000' || code === 'VIDC-3000';
  }
}

async function vica(method, op, plain) {
  let body = '';
  if (plain !== undefined) {
    const jwe = await new jose.CompactEncrypt(enc.encode(JSON.stringify(plain)))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A128GCM', kid, iat: Date.now(), typ: 'JWE' })
      .encrypt(serverKey);
    body = JSON.stringify({ encData: jwe });
  }
  const url = new URL(base + '/' + op);
  url.search = 'apikey=' + encodeURIComponent(apiKey);
  const ts = Math.floor(Date.now() / 1000).toString();
  const mac = createHmac('sha256', sharedSecret).update(ts + url.pathname.slice(1) + url.search.slice(1) + body).digest('hex');
  const headers = { Accept: 'application/json', keyId: kid, 'x-pay-token': `xv2:${ts}:${mac}`, 'eX-Correlation-Id': randomBytes(8).toString('hex') };
  if (body) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body || undefined });
  } catch (e) {
    throw new VisaError(599, 'TRANSPORT', e.message);
  }
  const raw = await res.text();
  let answer = {};
  try {
    const parsed = JSON.parse(raw);
    if (typeof parsed.encData === 'string') {
      const { plaintext } = await jose.compactDecrypt(parsed.encData, clientKey, { keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A128GCM'] });
      answer = JSON.parse(dec.decode(plaintext));
    } else {
      answer = parsed;
    }
  } catch {
    if (res.ok) throw new VisaError(502, 'UNREADABLE', 'the answer is not MLE-encrypted to our key');
  }
  if (!res.ok) {
    const rs = answer.responseStatus;
    throw new VisaError(res.status, answer.reason ?? rs?.code ?? 'HTTP_' + res.status, answer.message ?? rs?.message ?? '');
  }
  return answer;
}

// retried calls VICA, retrying what can succeed later with bounded,
// growing backoff (tripled each time, so the growth stays plain on a busy
// machine); terminal refusals go back at once.
async function retried(method, op, plain) {
  let delay = 300;
  for (let attempt = 1; ; attempt++) {
    try {
      return await vica(method, op, plain);
    } catch (e) {
      if (!(e instanceof VisaError) || !e.retryable || attempt >= 8) throw e;
      await sleep(delay + Math.floor(Math.random() * 20));
      delay = Math.min(delay * 3, 5000);
    }
  }
}

// ---- the issuer's own state ----
const consumers = new Map(); // ref -> {consumer, atVisa}
const cards = new Map(); // `${consumerRef}/${cardRef}` -> {pan, state, tokenRef, consumerRef, cardRef}
const operations = new Map(); // id -> operation
const optedOut = new Set(); // sha256 of card numbers whose holder opted out
const events = [];
const seenAttempts = new Set();
const busy = new Map(); // consumerRef -> promise of the request in flight (one at a time per consumer)
const panHash = (p) => createHash('sha256').update('opt-out:' + p).digest('hex');
const now = () => new Date().toISOString();

const products = [{ productCode: 'CLICK_TO_PAY' }];
// The issuer chooses its own externalConsumerID for each consumer the
// harness names (its ref): the harness learns it from networkIds.
const visaIds = new Map(); // harness consumer ref -> externalConsumerID
function visaId(ref) {
  if (!visaIds.has(ref)) visaIds.set(ref, 'jv' + randomBytes(9).toString('hex'));
  return visaIds.get(ref);
}
const consumerRef = (ref) => ({ externalConsumerID: visaId(ref), externalConsumerIDOwnerBID: BID });
function consumerInfo(c) {
  const ci = { ...consumerRef(c.ref), firstName: c.firstName, lastName: c.lastName, emails: c.emails, phones: c.phones, locale: c.locale.replace('-', '_'), countryCode: c.country };
  if (c.middleName) ci.middleName = c.middleName;
  return ci;
}
function instrument(k) {
  const a = k.billingAddress;
  const billingAddress = { addressLine1: a.line1, city: a.city, postalCode: a.postalCode, country: a.country };
  for (const [from, to] of [['line2', 'addressLine2'], ['line3', 'addressLine3'], ['state', 'state']]) if (a[from]) billingAddress[to] = a[from];
  return { type: 'CARD', accountNumber: k.pan, nameOnCard: k.nameOnCard, expirationDate: k.expiry, billingAddress };
}

function newOperation(id, kind, ref, cardRef, corr) {
  const op = { id, kind, network: 'visa', status: 'PENDING', networkStatus: 'IN_PROGRESS', consumerRef: ref, correlationId: id, startedAt: now(), updatedAt: now(),
    networkIds: { consumer: visaId(ref), owner: BID } };
  if (cardRef) op.cardRef = cardRef;
  if (corr) op.correlationId = id;
  operations.set(id, op);
  return op;
}

// track polls requestStatus until the request is COMPLETED, applying the
// outcome; the consumer's next request waits for it.
async function track(op) {
  for (let i = 0; i < 600 && op.status === 'PENDING'; i++) {
    await sleep(50);
    let st;
    try {
      st = await vica('GET', 'requestStatus/' + op.id);
    } catch (e) {
      if (e.retryable) continue;
      throw e;
    }
    apply(op, st);
  }
}

function apply(op, st) {
  op.networkStatus = st.status;
  op.updatedAt = now();
  if (st.status !== 'COMPLETED') return;
  const errors = [];
  for (const d of st.details ?? []) {
    if (d.tokenReferenceId && !op.tokenRef) op.tokenRef = op.networkIds.token = d.tokenReferenceId;
    if (d.status !== 'SUCCESS') {
      const code = d.errorDetail?.reason ?? 'FAILURE';
      errors.push({ code, message: mask(d.errorDetail?.message ?? ''), retryable: code === 'VIDC-5000', cardLast4: d.accountNumberLast4 });
    }
  }
  op.errors = errors;
  op.status = errors.length ? 'FAILED' : 'SUCCEEDED';
  const c = consumers.get(op.consumerRef);
  if (c && op.kind === 'ENROL') c.atVisa = true; // Enroll Data creates the consumer even when a card fails
  if (c && op.kind === 'DELETE_CONSUMER' && op.status === 'SUCCEEDED') c.atVisa = false;
  const k = op.cardRef && cards.get(`${op.consumerRef}/${op.cardRef}`);
  if (k && (op.kind === 'ENROL' || op.kind === 'ADD_CARD' || op.kind === 'REPLACE_CARD')) {
    k.state = op.status === 'SUCCEEDED' ? 'ACTIVE' : 'FAILED';
    k.tokenRef = op.tokenRef;
  }
  if (k && op.kind === 'DELETE_CARD' && op.status === 'SUCCEEDED') {
    // A replacement's removal of the old card is no opt-out of its holder.
    k.state = op.replacing ? 'REPLACED' : 'OPTED_OUT';
    if (!op.replacing) optedOut.add(panHash(k.pan));
  }
}

// serial runs fn once the consumer's previous request has completed.
async function serial(ref, fn) {
  const prior = busy.get(ref) ?? Promise.resolve();
  let release;
  const mine = new Promise((r) => { release = r; });
  busy.set(ref, prior.then(() => mine));
  await prior.catch(() => {});
  try {
    const op = await fn();
    if (op && op.status === 'PENDING') track(op).catch(() => {}).finally(release);
    else release();
    return op;
  } catch (e) {
    release();
    throw e;
  }
}

// submit sends an asynchronous VICA request and returns its operation.
async function submit(kind, method, opName, plain, ref, cardRef) {
  const ans = await retried(method, opName, plain);
  return newOperation(ans.requestTraceId, kind, ref, cardRef);
}

// profile reads Get Data into the contract's profile.
async function profile(ref) {
  const ans = await retried('POST', 'getData', { products, consumerInformation: consumerRef(ref) });
  const p = { network: 'visa', consumerRef: ref, enrolled: false, cards: [] };
  for (const d of ans.data ?? []) {
    if (d.errorDetail) {
      if (d.errorDetail.reason === 'VIDC-2001') continue;
      throw new VisaError(422, d.errorDetail.reason, d.errorDetail.message);
    }
    if (d.consumerInformation) Object.assign(p, { enrolled: true, firstName: d.consumerInformation.firstName, lastName: d.consumerInformation.lastName, emails: d.consumerInformation.emails, phones: d.consumerInformation.phones });
    for (const pi of d.paymentInstruments ?? []) {
      const num = String(pi.accountNumber ?? '');
      const card = { bin: num.slice(0, 6), last4: num.slice(-4), status: pi.status ?? 'ACTIVE', tokenRef: pi.tokenDetails?.tokenReferenceId, par: pi.paymentAccountReference };
      for (const k of cards.values()) if (k.consumerRef === ref && k.pan === num) card.cardRef = k.cardRef;
      p.cards.push(card);
    }
  }
  return p;
}

// enrol enrols a card: Enroll Data for a consumer Visa does not know yet,
// Enroll Payment Instruments otherwise. When an answer was lost, the retry
// meets "already enrolled" (VIDC-2000/2004): the card is then confirmed from
// Get Data instead of being sent again.
async function enrol(c, k, auto) {
  if (auto && optedOut.has(panHash(k.pan))) {
    throw Object.assign(new Error('the card was opted out of Click to Pay; it is not re-enrolled automatically'), { driverStatus: 422, driverCode: 'network_refused' });
  }
  const prev = consumers.get(c.ref);
  consumers.set(c.ref, { consumer: c, atVisa: prev?.atVisa ?? false });
  cards.set(`${c.ref}/${k.ref}`, { pan: k.pan, state: 'REQUESTED', consumerRef: c.ref, cardRef: k.ref });
  return serial(c.ref, async () => {
    const known = consumers.get(c.ref).atVisa;
    try {
      if (known) return await submit('ADD_CARD', 'POST', 'enrollPaymentInstruments', { products, consumerInformation: consumerRef(c.ref), paymentInstruments: [instrument(k)] }, c.ref, k.ref);
      return await submit('ENROL', 'POST', 'enrollData', { products, consumerInformation: consumerInfo(c), paymentInstruments: [instrument(k)] }, c.ref, k.ref);
    } catch (e) {
      if (!(e instanceof VisaError) || (e.code !== 'VIDC-2000' && e.code !== 'VIDC-2004')) throw e;
      consumers.get(c.ref).atVisa = true;
      const p = await profile(c.ref);
      if (!p.cards.some((x) => x.last4 === k.pan.slice(-4))) {
        return submit('ADD_CARD', 'POST', 'enrollPaymentInstruments', { products, consumerInformation: consumerRef(c.ref), paymentInstruments: [instrument(k)] }, c.ref, k.ref);
      }
      const op = newOperation('confirmed-' + randomUUID(), known ? 'ADD_CARD' : 'ENROL', c.ref, k.ref);
      apply(op, { status: 'COMPLETED', details: [{ status: 'SUCCESS', accountNumberLast4: k.pan.slice(-4) }] });
      return op;
    }
  });
}

// enrolExisting enrols into Click to Pay a consumer Visa knows from another
// Visa product: Enroll Existing Issuer Data, with the card, or by the
// reference of its registered instrument (no card data sent).
async function enrolExisting(c, k, { consumerId, instrumentRef }) {
  // Visa knows the consumer already, by the identifier given there: that
  // is the issuer's identifier for the consumer from now on.
  if (visaIds.has(c.ref) && visaIds.get(c.ref) !== consumerId) {
    throw Object.assign(new Error(`consumer ${c.ref} is ${visaIds.get(c.ref)} at Visa, not ${consumerId}`), { driverStatus: 409, driverCode: 'conflict' });
  }
  visaIds.set(c.ref, consumerId);
  consumers.set(c.ref, { consumer: c, atVisa: false });
  cards.set(`${c.ref}/${k.ref}`, { pan: k.pan, state: 'REQUESTED', consumerRef: c.ref, cardRef: k.ref });
  const path = 'enrollData/' + encodeURIComponent(consumerId);
  const owner = { externalConsumerIDOwnerBID: BID };
  return serial(c.ref, () => (instrumentRef
    ? submit('ENROL', 'PUT', path + '/paymentInstrumentReference', { products, consumerInformation: owner, paymentInstrumentReferences: [{ type: 'CARD', paymentInstrumentReferenceID: instrumentRef }] }, c.ref, k.ref)
    : submit('ENROL', 'PUT', path, { products, consumerInformation: owner, paymentInstruments: [instrument(k)] }, c.ref, k.ref)));
}

// ---- Visa's calls to the issuer ----
async function onCallback(path, query, raw, res) {
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (path.endsWith('/cardEnrollment/notification')) {
    // A PS256 JWS by Visa over a JWE to our MLE key: verify, then decrypt.
    let payload;
    try {
      const { payload: inner, protectedHeader } = await jose.compactVerify(body.encryptedData, signingKey, { algorithms: ['PS256'] });
      if (protectedHeader.kid !== signingKid) throw new Error('unknown signing kid');
      const { plaintext } = await jose.compactDecrypt(dec.decode(inner), clientKey, { keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A128GCM', 'A256GCM'] });
      payload = JSON.parse(dec.decode(plaintext));
    } catch {
      res.writeHead(401).end();
      return;
    }
    // Remembered only once verified: a forged first delivery must not
    // make the genuine redelivery look like a duplicate.
    const id = payload.enrollment?.enrollmentID;
    const duplicate = seenAttempts.has(id);
    seenAttempts.add(id);
    events.push({ id, network: 'visa', type: 'ENROLMENT_ATTEMPT', receivedAt: now(), cardLast4: payload.enrollment?.panLast4, duplicate, payload });
    res.writeHead(200).end();
    return;
  }
  if (path.endsWith('/approveProvisioning')) {
    let payload;
    try {
      const { plaintext, protectedHeader } = await jose.compactDecrypt(body.encryptedData, vtsKey, { keyManagementAlgorithms: ['A256GCMKW'], contentEncryptionAlgorithms: ['A256GCM'] });
      const iat = Number(protectedHeader.iat);
      if (protectedHeader.channelSecurityContext !== 'SHARED_SECRET' || protectedHeader.kid !== apiKey || !(Math.abs(Date.now() / 1000 - iat) <= 300)) throw new Error('stale or foreign');
      payload = JSON.parse(dec.decode(plaintext));
    } catch {
      res.writeHead(401).end();
      return;
    }
    const num = String(payload.cardholderInfo?.primaryAccountNumber ?? '');
    events.push({ id: body.requestID, network: 'visa', type: 'TOKENIZATION_AUTH_REQUEST', receivedAt: now(), cardBin: num.slice(0, 6), cardLast4: num.slice(-4), tokenRef: body.tokenInfo?.tokenReferenceID, decision: 'APPROVE' });
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ actionCode: '00' }));
    return;
  }
  if (path.endsWith('/requestStatusNotification')) {
    try {
      const { plaintext } = await jose.compactDecrypt(body.encData, clientKey, { keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A128GCM'] });
      const st = JSON.parse(dec.decode(plaintext));
      const op = operations.get(st.requestTraceId);
      if (op && op.status === 'PENDING') apply(op, st);
      events.push({ id: st.requestTraceId, network: 'visa', type: 'OPERATION_COMPLETED', receivedAt: now(), operationId: st.requestTraceId });
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200).end();
    return;
  }
  res.writeHead(404).end();
}

// ---- the driver contract ----
function send(res, status, v) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(v));
}
function fail(res, e) {
  if (e.driverStatus) return send(res, e.driverStatus, { error: { code: e.driverCode, message: e.message, network: 'visa' } });
  if (!(e instanceof VisaError)) return send(res, 502, { error: { code: 'network_unavailable', message: mask(e.message) } });
  const detail = { network: 'visa', networkCode: e.code, httpStatus: e.status, retryable: e.retryable };
  if (e.status === 401 || e.status === 403) return send(res, 502, { error: { code: 'network_auth', message: e.message, ...detail } });
  if (e.status >= 500) return send(res, 503, { error: { code: 'network_unavailable', message: e.message, ...detail } });
  if (e.status === 409) return send(res, 409, { error: { code: 'conflict', message: e.message, ...detail } });
  return send(res, 422, { error: { code: 'network_refused', message: e.message, ...detail } });
}
const unsupported = (res, what) => send(res, 501, { error: { code: 'unsupported', message: `Visa (VICA) has no ${what}`, network: 'visa' } });
const notVisa = (res) => send(res, 400, { error: { code: 'validation', message: 'this issuer drives Visa only' } });

async function onDriver(method, path, query, body, res) {
  let m;
  if (method === 'GET' && path === '/info') {
    return send(res, 200, { name: 'independent jose Visa issuer', vendor: 'c2psim interop', networks: ['visa'], callbacks: { visa: self + '/callbacks/visa' }, logs: false });
  }
  if (method === 'POST' && path === '/enrolments') {
    if (body.card.network && body.card.network !== 'visa') return notVisa(res);
    if (body.existing) return send(res, 200, await enrolExisting(body.consumer, body.card, body.existing));
    return send(res, 200, await enrol(body.consumer, body.card, body.auto === true));
  }
  if (method === 'GET' && path === '/enrolments') {
    return send(res, 200, {
      enrolments: [...cards.values()].map((k) => ({
        consumerRef: k.consumerRef, cardRef: k.cardRef, cardLast4: k.pan.slice(-4), network: 'visa', state: k.state, tokenRef: k.tokenRef,
        networkIds: k.tokenRef ? { consumer: visaId(k.consumerRef), owner: BID, token: k.tokenRef } : { consumer: visaId(k.consumerRef), owner: BID },
      })),
    });
  }
  if (method === 'GET' && path === '/events') return send(res, 200, { events });
  if ((m = path.match(/^\/consumers\/([^/]+)$/)) && method === 'PUT') {
    const c = consumers.get(m[1]);
    if (!c) return send(res, 404, { error: { code: 'not_found', message: 'unknown consumer' } });
    c.consumer = body;
    const op = await serial(m[1], () => submit('UPDATE_CONSUMER', 'PUT', 'manageConsumerInformation', { products, consumerInformation: consumerInfo(body) }, m[1]));
    return send(res, 200, { operations: [op] });
  }
  if ((m = path.match(/^\/consumers\/([^/]+)\/cards\/([^/]+)$/)) && method === 'PUT') {
    const k = cards.get(`${m[1]}/${m[2]}`);
    if (!k) return send(res, 404, { error: { code: 'not_found', message: 'unknown card' } });
    const op = await serial(m[1], () => submit('UPDATE_CARD', 'PUT', 'managePaymentInstruments', { products, consumerInformation: consumerRef(m[1]), paymentInstruments: [instrument({ ...body, pan: k.pan })] }, m[1], m[2]));
    return send(res, 200, op);
  }
  if ((m = path.match(/^\/consumers\/([^/]+)\/cards\/([^/]+)\/(suspend|resume|delete)$/)) && method === 'POST') {
    // VICA has no suspend or resume (a token's state is VTS's); the
    // contract's 501 says so, as the bundled client's does.
    if (m[3] !== 'delete') return unsupported(res, m[3] + ' operation');
    const k = cards.get(`${m[1]}/${m[2]}`);
    if (!k) return send(res, 404, { error: { code: 'not_found', message: 'unknown card' } });
    const op = await serial(m[1], () => submit('DELETE_CARD', 'POST', 'deletePaymentInstruments', { products, consumerInformation: consumerRef(m[1]), paymentInstruments: [{ type: 'CARD', accountNumber: k.pan }] }, m[1], m[2]));
    return send(res, 200, op);
  }
  if ((m = path.match(/^\/consumers\/([^/]+)\/cards\/([^/]+)\/replacement$/)) && method === 'POST') {
    // VICA cannot move an enrolment to a new card number: the old card is
    // deleted, then the new one enrolled for the same consumer.
    const k = cards.get(`${m[1]}/${m[2]}`);
    const c = consumers.get(m[1]);
    if (!k || !c) return send(res, 404, { error: { code: 'not_found', message: 'unknown card' } });
    if (body.network && body.network !== 'visa') return notVisa(res);
    const del = await serial(m[1], async () => {
      const op = await submit('DELETE_CARD', 'POST', 'deletePaymentInstruments', { products, consumerInformation: consumerRef(m[1]), paymentInstruments: [{ type: 'CARD', accountNumber: k.pan }] }, m[1], m[2]);
      op.replacing = true;
      return op;
    });
    await serial(m[1], async () => null); // the removal's outcome is known once the consumer is free
    if (del.status !== 'SUCCEEDED') return send(res, 422, { error: { code: 'network_refused', message: 'removing the old card failed: ' + (del.errors ?? []).map((e) => e.code).join(', '), network: 'visa' } });
    const op = await enrol(c.consumer, body, false);
    op.kind = 'REPLACE_CARD';
    return send(res, 200, op);
  }
  if ((m = path.match(/^\/networks\/([^/]+)\/consumers\/([^/]+)$/)) && method === 'DELETE') {
    if (m[1] !== 'visa') return notVisa(res);
    const op = await serial(m[2], () => submit('DELETE_CONSUMER', 'POST', 'deleteConsumerInformation', { products, consumerInformation: consumerRef(m[2]) }, m[2]));
    return send(res, 200, op);
  }
  if ((m = path.match(/^\/networks\/([^/]+)\/consumers\/([^/]+)\/profile$/)) && method === 'GET') {
    if (m[1] !== 'visa') return notVisa(res);
    return send(res, 200, await profile(m[2]));
  }
  if ((m = path.match(/^\/networks\/([^/]+)\/operations\/([^/]+)$/)) && method === 'GET') {
    const op = operations.get(decodeURIComponent(m[2]));
    if (!op) return send(res, 404, { error: { code: 'not_found', message: 'unknown operation' } });
    const w = /^(\d+)(ms|s)$/.exec(query.get('wait') ?? '0ms');
    const until = Date.now() + (w ? Number(w[1]) * (w[2] === 's' ? 1000 : 1) : 0);
    while (op.status === 'PENDING' && Date.now() < until) {
      try {
        apply(op, await vica('GET', 'requestStatus/' + op.id));
      } catch (e) {
        if (!(e instanceof VisaError) || !e.retryable) throw e;
      }
      if (op.status === 'PENDING') await sleep(50);
    }
    if (op.status === 'PENDING' && w && Number(w[1]) > 0) return send(res, 504, { error: { code: 'timeout', message: 'the operation is still pending' } });
    return send(res, 200, op);
  }
  return send(res, 404, { error: { code: 'not_found', message: `no driver operation ${method} ${path}` } });
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url, 'http://driver');
  try {
    if (url.pathname.startsWith('/callbacks/visa/')) return await onCallback(url.pathname, url.searchParams, raw, res);
    if (url.pathname.startsWith('/driver/')) {
      let body = {};
      if (raw) body = JSON.parse(raw);
      return await onDriver(req.method, url.pathname.slice('/driver'.length), url.searchParams, body, res);
    }
    send(res, 404, { error: { code: 'not_found', message: 'not found' } });
  } catch (e) {
    fail(res, e);
  }
});
let self = '';
server.listen(Number(listenPort), listenHost, async () => {
  self = `http://${listenHost}:${server.address().port}`;
  await admin('PUT', '/networks/visa/callback', { url: self + '/callbacks/visa', retrySchedule: ['50ms', '100ms'], timeout: '2s' });
  process.stdout.write(`jose-driver ready ${self}/driver\n`);
});
