// An independent Mastercard issuer: a second implementation of the issuer
// side of Mastercard Click to Pay, written from Mastercard's published wire
// rules with Mastercard's own npm libraries (mastercard-oauth1-signer signs
// every call; mastercard-client-encryption encrypts the card as a JWE for
// putCard and batch records and by field-level encryption for Token
// Connect, decrypts the Credential Directory's card data and opens the
// field-level encryption envelopes of the Pre-Digitization calls) and
// node-forge for the issuer's own certificate; no c2psim code. It serves the harness's driver
// contract (openapi/driver.yaml) and MDES's calls to the issuer, so the
// Mastercard conformance suite runs against it as an external target and no
// Mastercard verdict rests on the bundled Go client alone.
//
//   node driver.js --simulator http://127.0.0.1:8080 [--addr 127.0.0.1:0]
//
// It prints "mc-driver ready <url>/driver" once listening. What it does not
// implement it answers 501 (Enroll Existing, card replacement). It chooses its own identifiers at Mastercard (consumer and
// credential IDs), and its own field-level encryption key pair, whose public
// key it registers with the simulator as a Mastercard issuer registers its
// key. Card numbers are kept in memory only to call Mastercard and to know
// its own cards in Authorize Service (by a keyed hash), never printed or
// returned in full.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const forge = require('node-forge');
const OAuth = require('mastercard-oauth1-signer');
const { JweEncryption, FieldLevelEncryption, EncryptionUtils } = require('mastercard-client-encryption');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const simURL = args.simulator;
if (!simURL) {
  process.stderr.write('--simulator http://host:port is required\n');
  process.exit(2);
}
const [listenHost, listenPort] = (args.addr ?? '127.0.0.1:0').split(':');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => new Date().toISOString();
const uuid = () => crypto.randomUUID();
const mask = (s) => String(s).replace(/\d{12,19}/g, (m) => m.slice(0, 6) + '*'.repeat(m.length - 10) + m.slice(-4));

// ---- the sandbox portal (the simulator's admin API): credentials, base path ----
async function admin(method, p, body) {
  const res = await fetch(simURL + '/_admin' + p, {
    method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`admin ${method} ${p}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

// The libraries read keys and certificates from files once, when they are
// configured (libraries below); the files are removed right after.
const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-issuer-'));
const keyFile = (name, pem) => {
  const f = path.join(keyDir, name);
  fs.writeFileSync(f, pem, { mode: 0o600 });
  return f;
};

async function setup() {
  const info = (await admin('GET', '/networks')).find((n) => n.id === 'mastercard');
  if (!info) throw new Error('the simulator serves no mastercard network');
  const creds = Object.fromEntries((await admin('GET', '/networks/mastercard/credentials')).items.map((c) => [c.name, c]));
  // The issuer's own field-level encryption key pair: MDES encrypts card
  // data to its public key, which the issuer registers with Mastercard.
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ownPub = publicKey.export({ type: 'spki', format: 'pem' });
  const ownKey = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(ownPub);
  cert.serialNumber = '01' + crypto.randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: 'independent issuer field-level encryption' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(ownKey), forge.md.sha256.create());
  await admin('PUT', '/networks/mastercard/credentials', { name: 'issuer-fle-public-key', kind: 'rsa-public-key', value: ownPub });
  return {
    // Mastercard's APIs share one host: the Enroll API's base path names it.
    api: simURL + info.basePath.replace(/\/src\/api\/digital\/payments\/?$/, ''),
    consumerKey: creds['consumer-key'].value,
    signingKey: creds['signing-private-key'].value,
    mastercardCert: keyFile('mastercard-encryption.crt', creds['encryption-certificate'].value),
    ownCert: keyFile('issuer-fle.crt', forge.pki.certificateToPem(cert)),
    ownKey: keyFile('issuer-fle.key', ownKey),
    srcClientId: creds['src-client-id'].value,
    serviceId: creds['service-id'].value,
    directoryId: creds['directory-id'].value,
  };
}

// ---- Mastercard's libraries, configured as an issuer configures them ----
let cfg;
let cardJwe; // encrypts putCard's card into encryptedCard, to Mastercard's key
let batchJwe; // encrypts a batch record's enrollmentData, to Mastercard's key
let pushFle; // encrypts Token Connect's pushFundingAccounts, to Mastercard's key
let dataJwe; // decrypts Credential Directory encryptedCardData, with the issuer's key
let fle; // opens Pre-Digitization encryptedPayload envelopes, with the issuer's key
let ownFingerprint;

function libraries() {
  cardJwe = new JweEncryption({
    mode: 'JWE',
    paths: [{ path: '/src/api/digital/payments/cards$', toEncrypt: [{ element: 'card', obj: 'encryptedCard' }], toDecrypt: [] }],
    encryptedValueFieldName: 'encryptedCard',
    encryptionCertificate: cfg.mastercardCert,
  });
  batchJwe = new JweEncryption({
    mode: 'JWE',
    paths: [{ path: '/batches$', toEncrypt: [{ element: 'records.0.enrollmentData', obj: 'records.0' }], toDecrypt: [] }],
    encryptedValueFieldName: 'enrollmentData',
    encryptionCertificate: cfg.mastercardCert,
  });
  pushFle = new FieldLevelEncryption({
    paths: [{ path: '/pushMultipleAccounts$', toEncrypt: [{ element: 'pushFundingAccounts.encryptedPayload', obj: 'pushFundingAccounts.encryptedPayload' }], toDecrypt: [] }],
    ivFieldName: 'iv', encryptedKeyFieldName: 'encryptedKey', encryptedValueFieldName: 'encryptedData',
    oaepHashingAlgorithmFieldName: 'oaepHashingAlgorithm', publicKeyFingerprintFieldName: 'publicKeyFingerprint',
    publicKeyFingerprintType: 'publicKey', dataEncoding: 'hex', oaepPaddingDigestAlgorithm: 'SHA-512',
    encryptionCertificate: cfg.mastercardCert,
  });
  dataJwe = new JweEncryption({
    mode: 'JWE',
    paths: [{ path: '/credential$', toEncrypt: [], toDecrypt: [{ element: 'encryptedCardData', obj: 'cardData' }] }],
    encryptedValueFieldName: 'encryptedCardData',
    encryptionCertificate: cfg.ownCert,
    privateKey: cfg.ownKey,
  });
  const fleConfig = {
    paths: [{ path: '/fundingAccountInfo$', toEncrypt: [], toDecrypt: [{ element: 'fundingAccountInfo.encryptedPayload', obj: 'fundingAccountInfo.encryptedPayload' }] }],
    ivFieldName: 'iv', encryptedKeyFieldName: 'encryptedKey', encryptedValueFieldName: 'encryptedData',
    oaepHashingAlgorithmFieldName: 'oaepHashingAlgorithm', publicKeyFingerprintFieldName: 'publicKeyFingerprint',
    publicKeyFingerprintType: 'publicKey', dataEncoding: 'hex', oaepPaddingDigestAlgorithm: 'SHA-256',
    encryptionCertificate: cfg.ownCert, privateKey: cfg.ownKey,
  };
  fle = new FieldLevelEncryption(fleConfig);
  ownFingerprint = EncryptionUtils.computePublicFingerprint(fleConfig, EncryptionUtils.readPublicCertificate(cfg.ownCert), 'hex');
}

class CryptoError extends Error {}

// openFunding decrypts a fundingAccountInfo's encryptedPayload with the
// library; an envelope for another key, or one that does not decrypt, is a
// CryptoError (answered CRYPTOGRAPHY_ERROR, nothing applied).
function openFunding(fundingAccountInfo) {
  const env = fundingAccountInfo?.encryptedPayload;
  if (!env || typeof env.encryptedData !== 'string') throw new CryptoError('fundingAccountInfo.encryptedPayload is missing');
  if (env.publicKeyFingerprint !== ownFingerprint) throw new CryptoError('encryptedPayload is not encrypted to this issuer\'s key');
  let out;
  try {
    out = fle.decrypt({ request: { url: 'https://issuer.example/fundingAccountInfo' }, header: {}, body: { fundingAccountInfo: { encryptedPayload: env } } });
  } catch {
    throw new CryptoError('encryptedPayload does not decrypt with this issuer\'s key');
  }
  const d = out?.fundingAccountInfo?.encryptedPayload;
  if (!d || typeof d !== 'object' || d.encryptedData) throw new CryptoError('encryptedPayload does not decrypt to FundingAccountData');
  if (d.dataValidUntilTimestamp && Date.parse(d.dataValidUntilTimestamp) < Date.now()) throw new CryptoError('the encrypted data has expired');
  return d;
}

function openCardData(jwe) {
  const out = dataJwe.decrypt({ request: { url: 'https://issuer.example/credential' }, header: {}, body: { encryptedCardData: jwe } });
  return out.cardData ?? {};
}

// ---- calls to Mastercard, signed with OAuth 1.0a ----
class MastercardError extends Error {
  constructor(status, code, message, recoverable) {
    super(`mastercard ${status} ${code}: ${mask(message)}`);
    this.status = status;
    this.code = code;
    this.retryable = status === 429 || status >= 500 || recoverable === true;
  }
}

// errorOf reads any of Mastercard's error envelopes: the enrolment
// service's {code, status, message, details}, the gateway's and MDES
// Customer Service's {Errors: {Error: [{ReasonCode, Description,
// Recoverable}]}} (Recoverable a boolean or "true"/"false"), MDES's
// {errorCode, errorDescription}.
function errorOf(status, answer) {
  const a = answer && typeof answer === 'object' ? answer : {};
  if (typeof a.status === 'string') return new MastercardError(status, a.status, a.message ?? '');
  if (a.reason) return new MastercardError(status, a.reason, a.message ?? '');
  if (a.errorCode) return new MastercardError(status, a.errorCode, a.errorDescription ?? '');
  const list = a.Errors?.Error ?? a.Errors ?? a.errors;
  const first = Array.isArray(list) ? list[0] : undefined;
  if (first) {
    const rec = String(first.Recoverable ?? first.recoverable ?? '').toLowerCase() === 'true';
    return new MastercardError(status, first.ReasonCode ?? first.reasonCode ?? first.ErrorCode ?? 'ERROR', first.Description ?? first.description ?? '', rec);
  }
  return new MastercardError(status, 'HTTP_' + status, typeof answer === 'string' ? answer : '');
}

async function call(method, p, body) {
  const url = cfg.api + p;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const authorization = OAuth.getAuthorizationHeader(url, method, payload, cfg.consumerKey, cfg.signingKey);
  const headers = { Accept: 'application/json', Authorization: authorization };
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload });
  } catch (e) {
    throw new MastercardError(599, 'TRANSPORT', e.message);
  }
  const text = await res.text();
  let answer = text;
  try {
    answer = text ? JSON.parse(text) : {};
  } catch {
    // left as text
  }
  if (!res.ok) throw errorOf(res.status, answer);
  return answer;
}

// retried calls Mastercard, retrying what can succeed later (429, 5xx, a
// recoverable Customer Service error, a lost answer) with bounded backoff
// that triples each time; terminal refusals go back at once.
async function retried(method, p, bodyFor) {
  let delay = 300;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(method, p, typeof bodyFor === 'function' ? bodyFor() : bodyFor);
    } catch (e) {
      if (!(e instanceof MastercardError) || !e.retryable || attempt >= 8) throw e;
      await sleep(delay + crypto.randomInt(20));
      delay = Math.min(delay * 3, 5000);
    }
  }
}

// ---- the issuer's own records ----
const secret = crypto.randomBytes(32);
const cardKey = (pan) => crypto.createHmac('sha256', secret).update(String(pan)).digest('hex');
const consumers = new Map(); // harness ref -> {id (externalConsumerId), consumer}
const cards = new Map(); // `${consumerRef}/${cardRef}` -> record
const ownCards = new Set(); // cardKey of every card this issuer asked Mastercard to enrol
const optedOut = new Set(); // cardKey of cards whose holder opted out
const operations = new Map();
const events = [];
const applied = new Set(); // requestIds of Notify Token Updated already applied
const codes = new Map(); // tokenUniqueReference -> {code, expires, attempts}
const holders = new Map(); // tokenUniqueReference -> activation methods (masked contact points)

const byToken = (tur) => [...cards.values()].find((k) => k.tokenRef === tur);
const ownId = (prefix) => prefix + crypto.randomBytes(12).toString('hex');

function consumerOf(ref) {
  let c = consumers.get(ref);
  if (!c) {
    c = { id: ownId('cons-') };
    consumers.set(ref, c);
  }
  return c;
}

const alpha2 = {
  GBR: 'GB', USA: 'US', CAN: 'CA', AUS: 'AU', NZL: 'NZ', IRL: 'IE', FRA: 'FR', DEU: 'DE', ESP: 'ES', ITA: 'IT', PRT: 'PT', NLD: 'NL',
  BEL: 'BE', LUX: 'LU', CHE: 'CH', AUT: 'AT', POL: 'PL', CZE: 'CZ', SVK: 'SK', HUN: 'HU', ROU: 'RO', BGR: 'BG', GRC: 'GR', HRV: 'HR',
  SVN: 'SI', DNK: 'DK', SWE: 'SE', NOR: 'NO', FIN: 'FI', ISL: 'IS', EST: 'EE', LVA: 'LV', LTU: 'LT', MLT: 'MT', CYP: 'CY', UKR: 'UA',
  TUR: 'TR', ISR: 'IL', ARE: 'AE', SAU: 'SA', QAT: 'QA', EGY: 'EG', ZAF: 'ZA', NGA: 'NG', KEN: 'KE', MAR: 'MA', IND: 'IN', PAK: 'PK',
  CHN: 'CN', HKG: 'HK', TWN: 'TW', JPN: 'JP', KOR: 'KR', SGP: 'SG', MYS: 'MY', THA: 'TH', VNM: 'VN', IDN: 'ID', PHL: 'PH', MEX: 'MX',
  BRA: 'BR', ARG: 'AR', CHL: 'CL', COL: 'CO', PER: 'PE', URY: 'UY',
};
function country(a3, what) {
  const a2 = alpha2[a3];
  if (!a2) throw Object.assign(new Error(`${what} country ${a3} is not one this issuer serves`), { driverStatus: 400, driverCode: 'validation' });
  return a2;
}

// E.164 country calling codes are a prefix code: 1 and 7 are one digit,
// these two digits, every other three.
const twoDigit = new Set(('20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 ' +
  '81 82 84 86 90 91 92 93 94 95 98').split(' '));
function mobileNumber(p) {
  const n = p[0] === '1' || p[0] === '7' ? 1 : twoDigit.has(p.slice(0, 2)) ? 2 : 3;
  return { countryCode: p.slice(0, n), phoneNumber: p.slice(n) };
}

function enrolConsumer(id, c) {
  const m = { externalConsumerId: id, firstName: c.firstName, lastName: c.lastName, countryCode: country(c.country, 'the consumer\'s'),
    languageCode: c.locale.replace('-', '_'), consumerIdentity: { identityType: 'EMAIL_ADDRESS', identityValue: c.emails[0] } };
  if (c.middleName) m.middleName = c.middleName;
  if (c.phones?.length) m.mobileNumber = mobileNumber(c.phones[0]);
  return m;
}

// consumerData is the consumer as the Credential Directory and batch
// records take it (no identifier: the path or the record gives it).
function consumerData(c) {
  const m = { firstName: c.firstName, lastName: c.lastName, emailAddress: c.emails[0], locale: c.locale.replace('-', '_'),
    countryCode: country(c.country, 'the consumer\'s') };
  if (c.phones?.length) m.mobileNumber = mobileNumber(c.phones[0]);
  return m;
}

function cardPlain(k) {
  const a = k.billingAddress;
  const addr = { line1: a.line1, city: a.city, countryCode: country(a.country, 'the billing address\'s') };
  for (const [from, to] of [['line2', 'line2'], ['line3', 'line3'], ['state', 'state'], ['postalCode', 'zip']]) if (a[from]) addr[to] = a[from];
  const [year, month] = k.expiry.split('-');
  return { primaryAccountNumber: k.pan, panExpirationMonth: month, panExpirationYear: year, cardholderFullName: k.nameOnCard, billingAddress: addr };
}

const compliance = {
  privacy: { latestVersionUri: 'https://www.mastercard.com/global/click-to-pay/country-listing/privacy.html' },
  tnc: { latestVersionUri: 'https://www.mastercard.com/global/click-to-pay/country-listing/terms.html' },
};

const enrolAPI = '/src/api/digital/payments';
const consumerPath = (id) => `${enrolAPI}/directories/${encodeURIComponent(cfg.directoryId)}/consumers/${encodeURIComponent(id)}`;
const credentialPath = (cid, kid) => `${consumerPath(cid)}/credentials/${encodeURIComponent(kid)}`;

// An MDES token status as the issuer's view of an enrolment and operation.
const opStatus = (s) => (s === 'ACTIVE' || s === 'SUSPENDED' ? 'SUCCEEDED' : s === 'DEACTIVATED' ? 'FAILED' : 'PENDING');
const stateOf = (s) => ({ ACTIVE: 'ACTIVE', SUSPENDED: 'SUSPENDED', DEACTIVATED: 'OPTED_OUT', INACTIVE: 'PENDING' })[s] ?? 'PENDING';

function newOperation(kind, consumerRef, k, id, fields = {}) {
  const c = consumers.get(consumerRef);
  const op = { id, kind, network: 'mastercard', status: 'SUCCEEDED', consumerRef, startedAt: now(), updatedAt: now(),
    networkIds: { consumer: c.id }, ...fields };
  if (k) {
    op.cardRef = k.cardRef;
    op.networkIds.card = k.credId;
    if (k.tokenRef) op.tokenRef = op.networkIds.token = k.tokenRef;
  }
  operations.set(op.id, op);
  return op;
}

// directoryEntry is the consumer as the Credential Directory holds it, or
// null when Mastercard does not know it.
async function directoryEntry(consumerId) {
  try {
    return await retried('GET', consumerPath(consumerId));
  } catch (e) {
    if (e instanceof MastercardError && (e.status === 404 || e.code === 'NOT_FOUND')) return null;
    throw e;
  }
}

// enrol sends putCard: the consumer and the card, which the library
// encrypts to Mastercard's key. An answer lost on the way is retried; the
// retry then meets ALREADY_EXISTS, and the card is confirmed from the
// Credential Directory instead of being sent again.
// requested records that the issuer is enrolling card for consumer c: its
// own credential ID, and the card known by its keyed hash from now on, so
// Authorize Service approves it. The cardholder asking again lifts an
// earlier opt-out (an automatic enrolment of an opted-out card is refused
// before it gets here).
function requested(c, card) {
  const cons = consumerOf(c.ref);
  cons.consumer = c;
  const key = `${c.ref}/${card.ref}`;
  const k = cards.get(key) ?? { consumerRef: c.ref, cardRef: card.ref, credId: ownId('cred-') };
  Object.assign(k, { pan: card.pan, key: cardKey(card.pan), last4: card.pan.slice(-4), state: 'REQUESTED', updatedAt: now() });
  cards.set(key, k);
  ownCards.add(k.key);
  optedOut.delete(k.key);
  return { cons, k };
}

async function enrol(c, card) {
  const kind = consumers.has(c.ref) ? 'ADD_CARD' : 'ENROL';
  const { cons, k } = requested(c, card);
  const plain = cardPlain(card);
  return putCard(kind, c, cons, k, (b) => cardJwe.encrypt(cfg.api + enrolAPI + '/cards', {}, { ...b, complianceSettings: compliance, card: plain }).body);
}

// putCard sends the Enroll API's putCard with the card as withCard puts it
// into the body (encryptedCard, or a push receipt).
async function putCard(kind, c, cons, k, withCard) {
  const consumer = enrolConsumer(cons.id, c);
  let srcCorrelationId;
  const body = () => {
    srcCorrelationId = uuid();
    return withCard({ srcClientId: cfg.srcClientId, serviceId: cfg.serviceId, srcCorrelationId, cardSource: 'ISSUER',
      externalCredentialId: k.credId, consumer });
  };
  let masked;
  try {
    masked = (await retried('POST', enrolAPI + '/cards', body)).maskedCard ?? {};
  } catch (e) {
    if (!(e instanceof MastercardError) || e.code !== 'ALREADY_EXISTS') {
      k.state = 'FAILED';
      throw e;
    }
    const held = (await directoryEntry(cons.id))?.credentials?.find((x) => x.externalCredentialId === k.credId);
    if (!held) {
      k.state = 'FAILED';
      throw e;
    }
    masked = { srcDigitalCardId: held.srcDigitalCardId, tokenUniqueReference: held.tokenUniqueReference, digitalCardData: { status: held.status } };
  }
  const status = masked.digitalCardData?.status;
  k.tokenRef = masked.tokenUniqueReference;
  k.state = stateOf(status);
  k.updatedAt = now();
  return newOperation(kind, c.ref, k, masked.srcDigitalCardId || ownId('enrol-'), { status: opStatus(status), networkStatus: status, correlationId: srcCorrelationId });
}

// ---- batch enrolment (automatic portfolio runs) ----
const batches = new Map(); // batchId -> {directory: true once its record succeeded with the token awaiting activation}

// enrolBatch submits one record through Batch Enroll: 202 is accepted, not
// enrolled; the outcome comes from Batch Status.
async function enrolBatch(c, card) {
  const kind = consumers.has(c.ref) ? 'ADD_CARD' : 'ENROL';
  const { cons, k } = requested(c, card);
  const externalBatchId = 'batch-' + uuid();
  const record = { ...cardPlain(card), consumer: consumerData(c) };
  // The same externalBatchId with the same content is the same batch, so a
  // retry after a lost answer cannot submit it twice.
  const ans = await retried('POST', `${enrolAPI}/directories/${encodeURIComponent(cfg.directoryId)}/batches`, () => batchJwe.encrypt(cfg.api + '/batches', {}, {
    srcClientId: cfg.srcClientId, serviceId: cfg.serviceId, externalBatchId,
    records: [{ externalConsumerId: cons.id, externalCardId: k.credId, enrollmentData: record }],
  }).body);
  k.state = 'PENDING';
  batches.set(ans.batchId, {});
  return newOperation(kind, c.ref, k, ans.batchId, { status: 'PENDING', networkStatus: 'PENDING', correlationId: externalBatchId });
}

async function refreshBatch(op, k) {
  const st = await retried('GET', `${enrolAPI}/directories/${encodeURIComponent(cfg.directoryId)}/batches/${encodeURIComponent(op.id)}`);
  const r = (st.records ?? []).find((x) => x.externalCardId === k.credId);
  op.networkStatus = st.status;
  op.updatedAt = now();
  if (!r) return;
  if (r.tokenUniqueReference) k.tokenRef = op.tokenRef = op.networkIds.token = r.tokenUniqueReference;
  if (r.status === 'SUCCEEDED') {
    op.status = opStatus(r.tokenStatus);
    k.state = stateOf(r.tokenStatus);
    if (op.status === 'PENDING') batches.get(op.id).directory = true; // enrolled, token awaiting activation
  } else if (r.status === 'FAILED') {
    op.status = 'FAILED';
    k.state = 'FAILED';
    const reason = r.error?.reason ?? 'FAILED';
    op.errors = [{ code: reason, message: mask(r.error?.message ?? ''), retryable: reason === 'INTERNAL' || reason === 'UNAVAILABLE', cardLast4: k.last4 }];
  }
}

// ---- push provisioning ("Add to Click to Pay" in the issuer's app) ----
const tokenConnect = '/mdes/connect/1/0';
const clickToPay = '50123197928'; // Mastercard's Click to Pay token requestor

// pushCard asks MDES Token Connect whether Click to Pay takes the card's
// account range, pushes the card to it (the library encrypts it to
// Mastercard's key) and enrols it with the receipt through putCard.
async function pushCard(c, card) {
  const kind = consumers.has(c.ref) ? 'ADD_CARD' : 'ENROL';
  const eligible = await retried('POST', tokenConnect + '/getEligibleTokenRequestors', () => ({ requestId: uuid(), accountRanges: [card.pan.slice(0, 10)] }));
  if (!(eligible.tokenRequestors ?? []).some((tr) => tr.tokenRequestorId === clickToPay)) {
    throw new MastercardError(422, 'ACCOUNT_INELIGIBLE', 'Click to Pay does not take the card\'s account range');
  }
  const { cons, k } = requested(c, card);
  const a = card.billingAddress;
  const holder = { accountHolderName: card.nameOnCard.slice(0, 27), accountHolderEmailAddress: c.emails[0],
    accountHolderAddress: { line1: a.line1, city: a.city, country: a.country } };
  if (a.line2) holder.accountHolderAddress.line2 = a.line2;
  if (a.state) holder.accountHolderAddress.countrySubdivision = a.state;
  if (a.postalCode) holder.accountHolderAddress.postalCode = a.postalCode;
  if (c.phones?.length) {
    const ph = mobileNumber(c.phones[0]);
    holder.accountHolderMobilePhoneNumber = { countryDialInCode: ph.countryCode, phoneNumber: ph.phoneNumber };
  }
  const [year, month] = card.expiry.split('-');
  const pushAccountId = ownId('push-');
  const accounts = [{ pushAccountId, fundingAccountData: { cardAccountData: { accountNumber: card.pan, expiryMonth: month, expiryYear: year.slice(2) }, accountHolderData: holder } }];
  const ans = await retried('POST', tokenConnect + '/pushMultipleAccounts', () => pushFle.encrypt(cfg.api + tokenConnect + '/pushMultipleAccounts', {}, {
    requestId: uuid(), tokenRequestorId: clickToPay, pushFundingAccounts: { encryptedPayload: accounts }, signatureData: { accountHolderDataSupplied: true },
  }).body);
  const refused = ans.errors?.[0] ?? ans.pushAccountReceipts?.find((r) => r.pushAccountId === pushAccountId)?.errors?.[0];
  const receipt = ans.pushAccountReceipts?.find((r) => r.pushAccountId === pushAccountId)?.pushAccountReceipt;
  if (!receipt) {
    k.state = 'FAILED';
    throw new MastercardError(422, refused?.reasonCode ?? 'NO_RECEIPT', refused?.description ?? 'Token Connect gave no receipt for the card');
  }
  return putCard(kind, c, cons, k, (b) => ({ ...b, enrolmentReferenceData: { enrolmentReferenceId: receipt, enrolmentReferenceType: 'PUSH_ACCOUNT_RECEIPT' } }));
}

// ---- MDES Customer Service ----
const audit = { UserId: 'ISSUER-SYSTEM', UserName: 'Independent issuer system', Organization: 'Independent Issuer' };
const suspendReasons = { LOST: 'L', STOLEN: 'S', FRAUDULENT: 'T' };
const unsuspendReasons = { FOUND: 'F', FRAUDULENT: 'T' };

async function tokenStatus(tur) {
  const ans = await retried('POST', '/mdes/csapi/v2/search', { SearchRequest: { TokenUniqueReference: tur, AuditInfo: audit } });
  for (const acct of ans.SearchResponse?.Accounts?.Account ?? []) {
    for (const t of acct.Tokens?.Token ?? []) {
      if (t.TokenUniqueReference === tur) return { A: 'ACTIVE', S: 'SUSPENDED', D: 'DEACTIVATED', U: 'INACTIVE' }[t.CurrentStatusCode];
    }
  }
  return undefined;
}

async function cardAction(consumerRef, k, action, reason) {
  if (action === 'delete') {
    await retried('DELETE', credentialPath(consumers.get(consumerRef).id, k.credId));
    k.state = 'OPTED_OUT';
    k.updatedAt = now();
    optedOut.add(k.key);
    return newOperation('DELETE_CARD', consumerRef, k, ownId('delete-'), { networkStatus: 'DEACTIVATED' });
  }
  if (!k.tokenRef) throw Object.assign(new Error('the card has no Click to Pay token'), { driverStatus: 409, driverCode: 'conflict' });
  const [op, wrapper, code] = action === 'suspend'
    ? ['suspend', 'TokenSuspendRequest', suspendReasons[reason] ?? 'Z']
    : ['unsuspend', 'TokenUnsuspendRequest', unsuspendReasons[reason] ?? 'Z'];
  await retried('POST', '/mdes/csapi/v2/token/' + op, { [wrapper]: { TokenUniqueReference: k.tokenRef, ReasonCode: code, AuditInfo: audit } });
  // Several parties can suspend a token: lifting the issuer's suspension
  // leaves it SUSPENDED while another's remains, so read what it is now.
  const status = action === 'suspend' ? 'SUSPENDED' : (await tokenStatus(k.tokenRef)) ?? 'ACTIVE';
  k.state = stateOf(status);
  k.updatedAt = now();
  return newOperation(action === 'suspend' ? 'SUSPEND' : 'RESUME', consumerRef, k, ownId(op + '-'), { networkStatus: status });
}

// refresh reads a pending enrolment's outcome: a batch's from Batch
// Status, then (and a synchronous enrolment's) its token from the
// Credential Directory.
async function refresh(op) {
  const c = consumers.get(op.consumerRef);
  const k = cards.get(`${op.consumerRef}/${op.cardRef}`);
  const batch = batches.get(op.id);
  if (batch && !batch.directory) return refreshBatch(op, k);
  const held = (await directoryEntry(c.id))?.credentials?.find((x) => x.externalCredentialId === k.credId);
  if (!held) return;
  op.networkStatus = held.status;
  op.status = opStatus(held.status);
  op.updatedAt = now();
  if (held.tokenUniqueReference) k.tokenRef = op.tokenRef = op.networkIds.token = held.tokenUniqueReference;
  if (op.status !== 'PENDING' && k.state === 'PENDING') k.state = stateOf(held.status);
}

async function profile(ref) {
  const p = { network: 'mastercard', consumerRef: ref, enrolled: false, cards: [] };
  const c = consumers.get(ref);
  const w = c && (await directoryEntry(c.id));
  if (!w) return p;
  p.enrolled = true;
  Object.assign(p, { firstName: w.consumer?.firstName, lastName: w.consumer?.lastName });
  const email = w.consumer?.consumerIdentity?.identityValue ?? w.consumer?.emailAddress;
  if (email) p.emails = [email];
  if (w.consumer?.mobileNumber) p.phones = [w.consumer.mobileNumber.countryCode + w.consumer.mobileNumber.phoneNumber];
  for (const cred of w.credentials ?? []) {
    const data = cred.encryptedCardData ? openCardData(cred.encryptedCardData) : {};
    const mine = [...cards.values()].find((k) => k.consumerRef === ref && k.credId === cred.externalCredentialId);
    const card = { bin: data.panBin, last4: data.panLastFour ?? '', status: cred.status, tokenRef: cred.tokenUniqueReference };
    if (mine) card.cardRef = mine.cardRef;
    p.cards.push(card);
  }
  return p;
}

// ---- MDES's calls to the issuer (Pre-Digitization, Issuer Outbound API) ----
function maskedMethods(d) {
  const out = [];
  const phone = d.accountHolderData?.accountHolderMobilePhoneNumber?.phoneNumber;
  if (phone && phone.length >= 4) out.push({ type: 'TEXT_TO_CARDHOLDER_NUMBER', value: '***-***-' + phone.slice(-4) });
  const email = d.accountHolderData?.accountHolderEmailAddress;
  if (email && email.includes('@')) out.push({ type: 'EMAIL_TO_CARDHOLDER_ADDRESS', value: email[0] + '***' + email.slice(email.lastIndexOf('@')) });
  return out;
}

function issueCode(tur) {
  const old = codes.get(tur);
  if (old && old.expires > Date.now() && old.attempts < 3) return old;
  const c = { code: String(crypto.randomInt(1_000_000)).padStart(6, '0'), expires: Date.now() + 30 * 60_000, attempts: 0 };
  codes.set(tur, c);
  return c;
}

function checkCode(tur, entered) {
  const c = codes.get(tur);
  if (!c || c.expires <= Date.now()) return 'EXPIRED_CODE';
  if (c.attempts >= 3) return 'INCORRECT_CODE_RETRIES_EXCEEDED';
  const a = Buffer.from(String(entered));
  const b = Buffer.from(c.code);
  if (a.length === b.length && crypto.timingSafeEqual(a, b)) {
    codes.delete(tur);
    return 'SUCCESS';
  }
  c.attempts++;
  return c.attempts >= 3 ? 'INCORRECT_CODE_RETRIES_EXCEEDED' : 'INCORRECT_CODE';
}

function record(ev) {
  events.push({ network: 'mastercard', receivedAt: now(), ...ev });
}

// onCallback answers one MDES call: {status, body}.
function onCallback(op, b) {
  if (typeof b.requestId !== 'string' || !b.requestId) return { status: 400, error: 'INVALID_JSON', message: 'the body names no requestId' };
  const ack = { responseId: uuid() };
  switch (op) {
    case 'authorizeService': {
      const d = openFunding(b.fundingAccountInfo);
      const num = String(d.cardAccountData?.accountNumber ?? '');
      const tur = b.fundingAccountInfo?.tokenUniqueReference;
      const key = cardKey(num);
      const approve = ownCards.has(key) && !optedOut.has(key);
      const methods = maskedMethods(d);
      if (tur && methods.length) holders.set(tur, methods);
      record({ id: 'mc-authorize-' + b.requestId, type: 'TOKENIZATION_AUTH_REQUEST', cardBin: num.slice(0, 6), cardLast4: num.slice(-4), tokenRef: tur,
        decision: approve ? 'APPROVE' : 'DECLINE', payload: { correlationId: b.correlationId, tokenRequestorId: b.tokenRequestorId, services: b.services } });
      return { status: 200, body: approve ? { ...ack, decision: 'APPROVED', services: ['DIGITIZATION'] } : { ...ack, decision: 'DECLINED' } };
    }
    case 'requestActivationMethods': {
      const d = openFunding(b.fundingAccountInfo);
      const tur = b.fundingAccountInfo?.tokenUniqueReference;
      const methods = holders.get(tur) ?? maskedMethods(d);
      record({ id: 'mc-ram-' + b.requestId, type: 'ACTIVATION_METHODS_REQUEST', tokenRef: tur, cardLast4: String(d.cardAccountData?.accountNumber ?? '').slice(-4) });
      return { status: 200, body: { ...ack, activationMethods: methods } };
    }
    case 'deliverActivationCode': {
      if (!b.tokenUniqueReference || !b.activationMethod?.type) return { status: 400, error: 'INVALID_JSON', message: 'the body names no tokenUniqueReference or activationMethod' };
      // Without a code Mastercard leaves it to the issuer: it issues its
      // own, sends it by the chosen method and validates it later.
      const issued = !b.activationCode;
      const code = issued ? issueCode(b.tokenUniqueReference).code : b.activationCode;
      record({ id: 'mc-dac-' + b.requestId, type: 'ACTIVATION_CODE_DELIVERY', tokenRef: b.tokenUniqueReference, tokenStatus: 'INACTIVE',
        payload: { method: b.activationMethod.type, destination: b.activationMethod.value, codeLength: code.length, issuerGenerated: issued } });
      return { status: 200, body: ack };
    }
    case 'validateActivationCode': {
      const result = checkCode(b.tokenUniqueReference, b.activationCode);
      record({ id: 'mc-vac-' + b.requestId, type: 'ACTIVATION_CODE_VALIDATION', tokenRef: b.tokenUniqueReference, payload: { result } });
      return { status: 200, body: { ...ack, result } };
    }
    case 'notifyServiceActivated': {
      const d = openFunding(b.fundingAccountInfo);
      record({ id: 'mc-nsa-' + b.requestId, type: 'SERVICE_ACTIVATED', tokenRef: b.fundingAccountInfo?.tokenUniqueReference,
        cardLast4: String(d.cardAccountData?.accountNumber ?? '').slice(-4), payload: { decision: b.decision } });
      return { status: 200, body: ack };
    }
    case 'notifyTokenUpdated': {
      if (!Array.isArray(b.tokens) || !b.tokens.length) return { status: 400, error: 'INVALID_JSON', message: 'the body lists no tokens' };
      // Every token's envelope is opened before anything is applied or
      // remembered: a delivery that does not decrypt must not make the
      // genuine redelivery look like a duplicate.
      for (const t of b.tokens) if (t.fundingAccountInfo) openFunding(t.fundingAccountInfo);
      const duplicate = applied.has(b.requestId);
      applied.add(b.requestId);
      if (!duplicate) {
        for (const t of b.tokens) {
          const k = byToken(t.tokenUniqueReference);
          if (k && t.status) {
            k.state = stateOf(t.status);
            k.updatedAt = now();
            if (t.status === 'DEACTIVATED') optedOut.add(k.key);
          }
        }
      }
      const t = b.tokens[0];
      record({ id: 'mc-ntu-' + b.requestId, type: 'TOKEN_STATUS_CHANGED', tokenRef: t.tokenUniqueReference, tokenStatus: t.status, duplicate,
        payload: { reasonCode: b.reasonCode, suspendedBy: t.suspendedBy, tokens: b.tokens.map((x) => ({ tokenUniqueReference: x.tokenUniqueReference, status: x.status })) } });
      return { status: 200, body: ack };
    }
    case 'notifySuspiciousEvents':
      record({ id: 'mc-nse-' + b.requestId, type: 'SUSPICIOUS_ACTIVITY', tokenRef: b.tokenUniqueReference, payload: { status: b.status, eventName: b.events?.eventName } });
      return { status: 200, body: ack };
    case 'getAccountInformation': {
      const d = openFunding(b.fundingAccountInfo);
      record({ id: 'mc-gai-' + b.requestId, type: 'ACCOUNT_INFORMATION_REQUEST', tokenRef: b.fundingAccountInfo?.tokenUniqueReference,
        cardLast4: String(d.cardAccountData?.accountNumber ?? '').slice(-4) });
      return { status: 200, body: ack };
    }
  }
  return { status: 404 };
}

// ---- the driver contract ----
function send(res, status, v) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(v));
}
function fail(res, e) {
  if (e.driverStatus) return send(res, e.driverStatus, { error: { code: e.driverCode, message: e.message, network: 'mastercard' } });
  if (!(e instanceof MastercardError)) return send(res, 502, { error: { code: 'network_unavailable', message: mask(e.message) } });
  const detail = { network: 'mastercard', networkCode: e.code, httpStatus: e.status, retryable: e.retryable };
  if (e.status === 401 || e.status === 403) return send(res, 502, { error: { code: 'network_auth', message: e.message, ...detail } });
  if (e.retryable) return send(res, 503, { error: { code: 'network_unavailable', message: e.message, ...detail } });
  if (e.status === 404 || e.code === 'NOT_FOUND') return send(res, 404, { error: { code: 'not_found', message: e.message, ...detail } });
  if (e.status === 409 && e.code !== 'ALREADY_EXISTS') return send(res, 409, { error: { code: 'conflict', message: e.message, ...detail } });
  return send(res, 422, { error: { code: 'network_refused', message: e.message, ...detail } });
}
const unsupported = (res, what) => send(res, 501, { error: { code: 'unsupported', message: `this issuer does not implement ${what} on Mastercard`, network: 'mastercard' } });
const notMastercard = (res) => send(res, 400, { error: { code: 'validation', message: 'this issuer drives Mastercard only' } });
const notFound = (res, what) => send(res, 404, { error: { code: 'not_found', message: `unknown ${what}` } });

async function onDriver(method, p, query, body, res) {
  let m;
  if (method === 'GET' && p === '/info') {
    return send(res, 200, { name: 'independent Mastercard issuer (mastercard-oauth1-signer, mastercard-client-encryption)', vendor: 'c2psim interop',
      networks: ['mastercard'], callbacks: { mastercard: self + '/callbacks/mastercard' }, logs: false });
  }
  if (method === 'POST' && p === '/enrolments') {
    if (body.card?.network && body.card.network !== 'mastercard') return notMastercard(res);
    if (body.existing) return unsupported(res, 'enrolment of a consumer known from another product');
    if (body.push) return send(res, 200, await pushCard(body.consumer, body.card));
    if (body.auto) {
      // An automatic enrolment never brings back a card its holder opted out of.
      if (optedOut.has(cardKey(body.card.pan))) return send(res, 422, { error: { code: 'network_refused', message: 'the cardholder opted this card out of Click to Pay; it is not re-enrolled automatically', network: 'mastercard' } });
      return send(res, 200, await enrolBatch(body.consumer, body.card));
    }
    return send(res, 200, await enrol(body.consumer, body.card));
  }
  if (method === 'GET' && p === '/enrolments') {
    return send(res, 200, { enrolments: [...cards.values()].map((k) => ({ consumerRef: k.consumerRef, cardRef: k.cardRef, network: 'mastercard', state: k.state,
      tokenRef: k.tokenRef, cardLast4: k.last4, updatedAt: k.updatedAt, networkIds: { consumer: consumers.get(k.consumerRef).id, card: k.credId, token: k.tokenRef } })) });
  }
  if (method === 'GET' && p === '/events') return send(res, 200, { events });
  if ((m = p.match(/^\/consumers\/([^/]+)$/)) && method === 'PUT') {
    const c = consumers.get(m[1]);
    if (!c) return notFound(res, 'consumer');
    const srcCorrelationId = uuid();
    await retried('PUT', consumerPath(c.id), { srcCorrelationId, consumer: consumerData(body) });
    c.consumer = body;
    return send(res, 200, { operations: [newOperation('UPDATE_CONSUMER', m[1], null, ownId('update-'), { networkStatus: 'UPDATED', correlationId: srcCorrelationId })] });
  }
  if ((m = p.match(/^\/consumers\/([^/]+)\/cards\/([^/]+)$/)) && method === 'PUT') {
    const k = cards.get(`${m[1]}/${m[2]}`);
    if (!k) return notFound(res, 'card');
    const [year, month] = body.expiry.split('-');
    const srcCorrelationId = uuid();
    const ans = await retried('PUT', credentialPath(consumers.get(m[1]).id, k.credId), { srcCorrelationId, panExpirationMonth: month, panExpirationYear: year });
    return send(res, 200, newOperation('UPDATE_CARD', m[1], k, ownId('update-'), { networkStatus: ans.status, correlationId: srcCorrelationId }));
  }
  if ((m = p.match(/^\/consumers\/([^/]+)\/cards\/([^/]+)\/(suspend|resume|delete)$/)) && method === 'POST') {
    const k = cards.get(`${m[1]}/${m[2]}`);
    if (!k) return notFound(res, 'card');
    return send(res, 200, await cardAction(m[1], k, m[3], body.reason));
  }
  if ((m = p.match(/^\/consumers\/([^/]+)\/cards\/([^/]+)\/replacement$/)) && method === 'POST') return unsupported(res, 'card replacement');
  if ((m = p.match(/^\/networks\/([^/]+)\/consumers\/([^/]+)$/)) && method === 'DELETE') {
    if (m[1] !== 'mastercard') return notMastercard(res);
    const c = consumers.get(m[2]);
    if (!c) return notFound(res, 'consumer');
    await retried('DELETE', consumerPath(c.id));
    for (const k of cards.values()) {
      if (k.consumerRef === m[2]) {
        k.state = 'OPTED_OUT';
        optedOut.add(k.key);
      }
    }
    return send(res, 200, newOperation('DELETE_CONSUMER', m[2], null, ownId('delete-'), { networkStatus: 'DELETED' }));
  }
  if ((m = p.match(/^\/networks\/([^/]+)\/consumers\/([^/]+)\/profile$/)) && method === 'GET') {
    if (m[1] !== 'mastercard') return notMastercard(res);
    return send(res, 200, await profile(m[2]));
  }
  if ((m = p.match(/^\/networks\/([^/]+)\/operations\/([^/]+)$/)) && method === 'GET') {
    if (m[1] !== 'mastercard') return notMastercard(res);
    const op = operations.get(decodeURIComponent(m[2]));
    if (!op) return notFound(res, 'operation');
    const w = /^(\d+)(ms|s)$/.exec(query.get('wait') ?? '0ms');
    const until = Date.now() + (w ? Number(w[1]) * (w[2] === 's' ? 1000 : 1) : 0);
    for (;;) {
      if (op.status === 'PENDING' && op.cardRef) await refresh(op);
      if (op.status !== 'PENDING' || Date.now() >= until) break;
      await sleep(100);
    }
    if (op.status === 'PENDING' && w && Number(w[1]) > 0) return send(res, 504, { error: { code: 'timeout', message: 'the token still awaits activation' } });
    return send(res, 200, op);
  }
  if ((m = p.match(/^\/networks\/([^/]+)\/tokens\/([^/]+)\/activation-code$/)) && method === 'GET') {
    if (m[1] !== 'mastercard') return notMastercard(res);
    const tur = decodeURIComponent(m[2]);
    const c = codes.get(tur);
    if (!c || c.expires <= Date.now() || c.attempts >= 3) return send(res, 404, { error: { code: 'not_found', message: 'this issuer has issued no usable activation code for the token' } });
    return send(res, 200, { tokenRef: tur, code: c.code, expiresAt: new Date(c.expires).toISOString() });
  }
  return send(res, 404, { error: { code: 'not_found', message: `no driver operation ${method} ${p}` } });
}

const callbackOps = new Set(['authorizeService', 'requestActivationMethods', 'deliverActivationCode', 'validateActivationCode',
  'notifyServiceActivated', 'notifyTokenUpdated', 'notifySuspiciousEvents', 'getAccountInformation']);

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url, 'http://driver');
  try {
    if (url.pathname.startsWith('/callbacks/mastercard/')) {
      const op = url.pathname.slice('/callbacks/mastercard/'.length);
      if (req.method !== 'POST' || !callbackOps.has(op)) return send(res, 404, { responseId: uuid(), errorCode: 'NOT_FOUND', errorDescription: 'no such operation' });
      let b;
      try {
        b = JSON.parse(raw);
      } catch {
        return send(res, 400, { responseId: uuid(), errorCode: 'INVALID_JSON', errorDescription: 'the body is not JSON' });
      }
      let out;
      try {
        out = onCallback(op, b && typeof b === 'object' ? b : {});
      } catch (e) {
        if (!(e instanceof CryptoError)) throw e;
        return send(res, 400, { responseId: uuid(), errorCode: 'CRYPTOGRAPHY_ERROR', errorDescription: e.message });
      }
      if (out.error) return send(res, out.status, { responseId: uuid(), errorCode: out.error, errorDescription: out.message });
      return send(res, out.status, out.body ?? {});
    }
    if (url.pathname.startsWith('/driver/')) {
      const body = raw ? JSON.parse(raw) : {};
      return await onDriver(req.method, url.pathname.slice('/driver'.length), url.searchParams, body, res);
    }
    send(res, 404, { error: { code: 'not_found', message: 'not found' } });
  } catch (e) {
    fail(res, e);
  }
});

let self = '';
setup().then((c) => {
  cfg = c;
  try {
    libraries();
  } finally {
    fs.rmSync(keyDir, { recursive: true, force: true });
  }
  server.listen(Number(listenPort), listenHost, () => {
    self = `http://${listenHost}:${server.address().port}`;
    process.stdout.write(`mc-driver ready ${self}/driver\n`);
  });
}).catch((e) => {
  process.stderr.write(`mc-driver: ${e.stack ?? e}\n`);
  process.exit(1);
});
