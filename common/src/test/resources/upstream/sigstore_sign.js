// A cosign-3-style image signature as a Sigstore bundle (v0.3, DSSE, an in-toto statement whose
// subject digest is the image manifest's and whose predicate type is
// https://sigstore.dev/cosign/sign/v1), made offline by sigstore-js itself: `sigstore attest` from
// @sigstore/cli against a Fulcio CA, a CT log and a Rekor log from @sigstore/mock served on a
// loopback port. Also writes the trusted_root.json (Sigstore protobuf-specs JSON) that lists that
// mock CA, its Rekor key and its CT log key, as a user would carry Sigstore's own. Nothing here is airlock's.
//
// usage: node sigstore_sign.js --bin DIR/node_modules/.bin --digest sha256:HEX --work DIR
//          [--name REGISTRY/REPO] [--issuer URL] [--subject SAN] [--predicate-type URI]
// (--predicate-type: another predicate makes an attestation naming the image, not a signature.)
//        [--registry 127.0.0.1:PORT --repo REPO]
// (with --registry and --repo, the bundle is also attached to the image as an OCI 1.1 referrer by
// @sigstore/oci, as `sigstore attach` does; plain-HTTP loopback registries only, see e2e's
// sigstore_bundle.js; prints its "digest" too)
// (NODE_PATH must name the node_modules holding @sigstore/mock, and @sigstore/oci for --registry.)
// Writes DIR/bundle.sigstore.json and DIR/trusted_root.json; prints {"bundle": FILE, "trustedRoot": FILE}.
// On failure one line on stderr, exit 1.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn } = require('child_process');
const mock = require('@sigstore/mock');

function args() {
  const out = { name: 'registry.test/app', issuer: 'https://fake.oidcissuer.com', subject: 'fixture@airlock.test',
    'predicate-type': 'https://sigstore.dev/cosign/sign/v1' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  for (const k of ['bin', 'digest', 'work']) {
    if (!out[k]) throw new Error(`missing --${k}`);
  }
  return out;
}

async function startMockServices() {
  const keyPair = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ctlog = await mock.initializeCTLog(keyPair);
  const ca = await mock.initializeCA(keyPair, ctlog);
  const handlers = [mock.fulcioHandler(ca, { strict: true })];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const handler = handlers.find((h) => h.path === req.url.split('?')[0]);
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const r = await handler.fn(Buffer.concat(chunks).toString());
      res.writeHead(r.statusCode, { 'Content-Type': r.contentType || 'text/plain' }).end(r.response);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const tlog = await mock.initializeTLog(url, keyPair);
  handlers.push(mock.rekorHandler(tlog, { strict: true }));
  return { server, url, ca, ctlog, tlog };
}

function run(cmd, argv, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stdout.on('data', () => {});
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} ${argv[0]} exited ${code}: ${stderr.replace(/\s+/g, ' ').trim()}`));
    });
  });
}

// An unsigned identity token: the mock Fulcio decodes it without checking a signature, standing in
// for the OIDC provider no offline test can reach. Its issuer goes into the certificate's issuer extensions.
function identityToken(issuer, subject) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
    iss: issuer, sub: subject, email: subject, email_verified: true, aud: 'sigstore', iat: now, exp: now + 600,
  })}.`;
}

// The trusted root as Sigstore publishes it (protobuf-specs JSON), naming the mock's keys.
function trustedRoot(m) {
  const start = new Date(Date.now() - 3600 * 1000).toISOString();
  const spki = (pub) => crypto.createPublicKey(pub.length && pub[0] === 0x30 ? { key: pub, format: 'der', type: 'spki' } : pub)
    .export({ format: 'der', type: 'spki' });
  const key = (der) => ({ rawBytes: der.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } });
  const logId = (der) => ({ keyId: crypto.createHash('sha256').update(der).digest('base64') });
  const rekor = spki(m.tlog.publicKey);
  const ct = spki(m.ctlog.publicKey);
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: m.url, hashAlgorithm: 'SHA2_256', publicKey: key(rekor), logId: logId(rekor) }],
    certificateAuthorities: [{ subject: { organization: 'sigstore.mock', commonName: 'sigstore' }, uri: m.url,
      certChain: { certificates: [{ rawBytes: Buffer.from(m.ca.rootCertificate).toString('base64') }] }, validFor: { start } }],
    ctlogs: [{ baseUrl: m.url, hashAlgorithm: 'SHA2_256', publicKey: key(ct), logId: logId(ct) }],
    timestampAuthorities: [],
  };
}

async function main() {
  const a = args();
  fs.mkdirSync(a.work, { recursive: true });
  const statement = path.join(a.work, 'statement.json');
  const bundle = path.join(a.work, 'bundle.sigstore.json');
  const root = path.join(a.work, 'trusted_root.json');
  fs.writeFileSync(statement, JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: a.name, digest: { sha256: a.digest.split(':')[1] } }],
    predicateType: a['predicate-type'],
    predicate: {},
  }));
  const m = await startMockServices();
  try {
    const env = { CI: 'true', SIGSTORE_ID_TOKEN: identityToken(a.issuer, a.subject) };
    await run(path.join(a.bin, 'sigstore'), ['attest', statement, '--fulcio-url', m.url, '--rekor-url', m.url, '--tlog-upload',
      '--timeout', '30', '-o', bundle], env);
    fs.writeFileSync(root, JSON.stringify(trustedRoot(m), null, 2));
    const out = { bundle, trustedRoot: root };
    if (a.registry && a.repo) {
      const content = fs.readFileSync(bundle);
      const descriptor = await require('@sigstore/oci').attachArtifactToImage({
        imageName: `${a.registry}/${a.repo}`,
        imageDigest: a.digest,
        artifact: content,
        mediaType: JSON.parse(content.toString()).mediaType,
        annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': a['predicate-type'] },
      });
      out.digest = descriptor.digest;
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    m.server.close();
  }
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e.message || e).replace(/\s+/g, ' ') + '\n');
  process.exit(1);
});
