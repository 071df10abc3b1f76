// Interoperability driver: performs one Visa wire-security operation with the
// jose package, independently of c2psim's Go code. Usage:
//
//   node interop.mjs <command>   (JSON request on stdin, JSON answer on stdout)
//
// Commands follow the formats of client/visa/{mle,notification,vtsjwe}:
//   mle-encrypt   {publicKeyPem, kid, iat, payload, enc?}      -> {body}
//                 (enc A128GCM, as Visa's samples, unless given)
//   mle-decrypt   {privateKeyPem, body}                        -> {payload, header}
//   notif-seal    {signKeyPem, signKid, encPublicKeyPem, encKid, iat, payload, enc?} -> {body}
//                 (enc A128GCM unless given)
//   notif-open    {verifyPublicKeyPem, decryptKeyPem, body}    -> {payload, jwsHeader, jweHeader}
//   vts-seal      {apiKey, sharedSecret, iat, payload}         -> {jwe}
//   vts-open      {sharedSecret, jwe}                          -> {payload, header}
import { createHash } from 'node:crypto';
import * as jose from 'jose';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const sharedKey = (secret) => new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());

const commands = {
  async 'mle-encrypt'(r) {
    const key = await jose.importSPKI(r.publicKeyPem, 'RSA-OAEP-256');
    const jwe = await new jose.CompactEncrypt(enc.encode(r.payload))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: r.enc ?? 'A128GCM', kid: r.kid, iat: r.iat, typ: 'JWE' })
      .encrypt(key);
    return { body: JSON.stringify({ encData: jwe }) };
  },
  async 'mle-decrypt'(r) {
    const key = await jose.importPKCS8(r.privateKeyPem, 'RSA-OAEP-256');
    const { encData } = JSON.parse(r.body);
    const { plaintext, protectedHeader } = await jose.compactDecrypt(encData, key, {
      keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A128GCM'],
    });
    return { payload: dec.decode(plaintext), header: protectedHeader };
  },
  async 'notif-seal'(r) {
    const encKey = await jose.importSPKI(r.encPublicKeyPem, 'RSA-OAEP-256');
    const signKey = await jose.importPKCS8(r.signKeyPem, 'PS256');
    const jwe = await new jose.CompactEncrypt(enc.encode(r.payload))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: r.enc ?? 'A128GCM', kid: r.encKid, iat: r.iat, typ: 'JOSE' })
      .encrypt(encKey);
    const jws = await new jose.CompactSign(enc.encode(jwe))
      .setProtectedHeader({ alg: 'PS256', typ: 'JOSE', kid: r.signKid, cty: 'JWE' })
      .sign(signKey);
    return { body: JSON.stringify({ encryptedData: jws }) };
  },
  async 'notif-open'(r) {
    const verifyKey = await jose.importSPKI(r.verifyPublicKeyPem, 'PS256');
    const decKey = await jose.importPKCS8(r.decryptKeyPem, 'RSA-OAEP-256');
    const { encryptedData } = JSON.parse(r.body);
    const { payload, protectedHeader: jwsHeader } = await jose.compactVerify(encryptedData, verifyKey, { algorithms: ['PS256'] });
    const { plaintext, protectedHeader: jweHeader } = await jose.compactDecrypt(dec.decode(payload), decKey, {
      keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A128GCM', 'A256GCM'],
    });
    return { payload: dec.decode(plaintext), jwsHeader, jweHeader };
  },
  async 'vts-seal'(r) {
    const jwe = await new jose.CompactEncrypt(enc.encode(r.payload))
      .setProtectedHeader({ alg: 'A256GCMKW', enc: 'A256GCM', typ: 'JOSE', channelSecurityContext: 'SHARED_SECRET', iat: String(r.iat), kid: r.apiKey })
      .encrypt(sharedKey(r.sharedSecret));
    return { jwe };
  },
  async 'vts-open'(r) {
    const { plaintext, protectedHeader } = await jose.compactDecrypt(r.jwe, sharedKey(r.sharedSecret), {
      keyManagementAlgorithms: ['A256GCMKW'], contentEncryptionAlgorithms: ['A256GCM'],
    });
    return { payload: dec.decode(plaintext), header: protectedHeader };
  },
};

const cmd = commands[process.argv[2]];
if (!cmd) {
  process.stderr.write(`unknown command ${process.argv[2]}; known: ${Object.keys(commands).join(', ')}\n`);
  process.exit(2);
}
try {
  process.stdout.write(JSON.stringify(await cmd(await readStdin())));
} catch (e) {
  process.stderr.write(`${e.code ?? e.name}: ${e.message}\n`);
  process.exit(1);
}
