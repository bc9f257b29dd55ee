// A Sigstore bundle attestation attached to an image as an OCI 1.1 referrer, made offline by
// sigstore-js itself: the @sigstore/cli `attest` command signs an in-toto statement against a
// Fulcio CA and a Rekor log from @sigstore/mock served on a loopback port (no network), and its
// @sigstore/oci (what `sigstore attach` calls) pushes the bundle (artifactType
// application/vnd.dev.sigstore.bundle.v0.3+json) with the image as subject, writing the referrers tag schema index where the registry has no
// referrers API. Nothing here is airlock's.
//
// usage: node sigstore_bundle.js --bin DIR/node_modules/.bin --registry 127.0.0.1:PORT --repo REPO
//          --digest sha256:HEX --work DIR
// (NODE_PATH must name the node_modules holding @sigstore/mock and @sigstore/oci.)
// Prints {"bundle": FILE, "digest": REFERRER-DIGEST}; on failure one line on stderr, exit 1.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn } = require('child_process');
const mock = require('@sigstore/mock');
const oci = require('@sigstore/oci');

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  for (const k of ['bin', 'registry', 'repo', 'digest', 'work']) {
    if (!out[k]) throw new Error(`missing --${k}`);
  }
  return out;
}

// Fulcio and Rekor as @sigstore/mock implements them, on one loopback port.
async function startMockServices() {
  const keyPair = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ca = await mock.initializeCTLog(keyPair).then((ctlog) => mock.initializeCA(keyPair, ctlog));
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
  return { server, url };
}

function run(cmd, argv, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${path.basename(cmd)} ${argv[0]} exited ${code}: ${(stderr + stdout).replace(/\s+/g, ' ').trim()}`));
    });
  });
}

// An unsigned identity token: the mock Fulcio decodes it without checking a signature, as a
// stand-in for the OIDC provider no offline test can reach.
function identityToken() {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
    iss: 'https://fake.oidcissuer.com', sub: 'fixture@airlock.test', email: 'fixture@airlock.test', email_verified: true, aud: 'sigstore',
    iat: now, exp: now + 600,
  })}.`;
}

async function main() {
  const a = args();
  fs.mkdirSync(a.work, { recursive: true });
  const statement = path.join(a.work, 'statement.json');
  const bundle = path.join(a.work, 'bundle.sigstore.json');
  fs.writeFileSync(statement, JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: `${a.registry}/${a.repo}`, digest: { sha256: a.digest.split(':')[1] } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: { buildType: 'https://airlock.test/fixture-build/v1', externalParameters: {} },
      runDetails: { builder: { id: 'https://airlock.test/fixture-builder' } } },
  }));
  const { server, url } = await startMockServices();
  try {
    const env = { CI: 'true', SIGSTORE_ID_TOKEN: identityToken() };
    await run(path.join(a.bin, 'sigstore'), ['attest', statement, '--fulcio-url', url, '--rekor-url', url, '--tlog-upload',
      '--timeout', '30', '-o', bundle], env);
    // `sigstore attach` calls @sigstore/oci's attachArtifactToImage, but only with credentials, and
    // its sign-in probe refuses a registry that asks for none (Debian's docker-registry answers the
    // probe with 202 and no challenge): call the same function without credentials. @sigstore/oci
    // speaks plain HTTP to 127.0.0.1, so this works for a plain loopback registry only.
    const content = fs.readFileSync(bundle);
    const descriptor = await oci.attachArtifactToImage({
      imageName: `${a.registry}/${a.repo}`,
      imageDigest: a.digest,
      artifact: content,
      mediaType: JSON.parse(content.toString()).mediaType,
      annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' },
    });
    process.stdout.write(JSON.stringify({ bundle, digest: descriptor.digest }) + '\n');
  } finally {
    server.close();
  }
}

main().catch((e) => {
  process.stderr.write(String(e.message || e).replace(/\s+/g, ' ') + '\n');
  process.exit(1);
});
