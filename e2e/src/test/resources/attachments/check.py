#!/usr/bin/python3
"""Checks run against a registry (the import target) knowing only the public conventions: cosign's
tag names (sha256-HEX.sig/.att/.sbom) and the OCI referrers tag schema (an index at sha256-HEX).
Nothing here reads airlock's bundle.json or uses airlock's code.

Subcommands; each exits 0 with its findings on stdout, or 1 with ONE line on stderr:
  cosign-verify DIGEST --key PUB   the signatures at sha256-HEX.sig: every simple-signing layer's
                                   ECDSA-SHA256 signature verifies over the layer bytes with PUB, and
                                   its payload names DIGEST. --type att checks sha256-HEX.att instead:
                                   every DSSE envelope verifies and its in-toto subject is DIGEST.
                                   --type referrer checks cosign's OCI 1.1 signatures (artifactType
                                   application/vnd.dev.cosign.artifact.sig.v1+json) found by the
                                   referrers tag schema, the same way as .sig layers.
  find-referrers DIGEST            the index at tag sha256-HEX: prints "DIGEST ARTIFACTTYPE" per
                                   referrer after checking that each manifest and blob is there
                                   intact, names DIGEST as its subject and has that artifactType.
  sigstore-verify DIGEST           every Sigstore bundle referrer of DIGEST (found by the referrers tag
                                   schema): its DSSE envelope verifies with the key of the bundle's
                                   leaf certificate and its in-toto subject is DIGEST. The chain to a
                                   trusted root and the log entry are NOT checked (the fixtures use
                                   @sigstore/mock's CA): this proves the bundle crossed unaltered.
  find-tags DIGEST                 prints which of sha256-HEX.sig/.att/.sbom exist, each checked to
                                   be intact (manifest and every blob); --require sig,att,... fails
                                   when one is missing.
"""

import argparse
import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

import registry as reg
from registry import Failure

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
IN_TOTO = "application/vnd.in-toto+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
SUFFIXES = ("sig", "att", "sbom")
SIGSTORE_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
COSIGN_SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"


def load_public_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_public_key(f.read())


def verify(key, signature, data, what):
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Failure("%s: signature does not verify with the given public key" % what) from None


def tagged_manifest(r, repo, tag):
    got = r.get_manifest(repo, tag)
    if got is None:
        raise Failure("no tag %s in %s" % (tag, repo))
    return json.loads(got[0]), reg.sha256(got[0])


def blobs_intact(r, repo, manifest):
    """Fetches the config and every layer, each checked against its digest and size."""
    found = {}
    for d in [manifest["config"]] + manifest.get("layers", []):
        data = r.get_blob(repo, d["digest"])
        if len(data) != d["size"]:
            raise Failure("blob %s of %s has %d bytes, its descriptor says %d" % (d["digest"], repo, len(data), d["size"]))
        found[d["digest"]] = data
    return found


def verify_simple_signing(manifest, blobs, key, digest, where):
    """Every simple-signing layer's signature verifies over the layer bytes and its payload names
    digest; returns how many layers there were (at least one)."""
    layers = [l for l in manifest.get("layers", []) if l["mediaType"] == SIMPLE_SIGNING]
    if not layers:
        raise Failure("%s has no simple-signing layer" % where)
    for layer in layers:
        what = "%s layer %s" % (where, layer["digest"])
        b64 = (layer.get("annotations") or {}).get(SIGNATURE_ANNOTATION)
        if not b64:
            raise Failure("%s: no %s annotation" % (what, SIGNATURE_ANNOTATION))
        payload = blobs[layer["digest"]]
        verify(key, base64.b64decode(b64), payload, what)
        critical = json.loads(payload).get("critical", {})
        named = critical.get("image", {}).get("docker-manifest-digest")
        if named != digest:
            raise Failure("%s: signed payload names %s, not %s" % (what, named, digest))
        if critical.get("type") != "cosign container image signature":
            raise Failure("%s: payload type is %r" % (what, critical.get("type")))
    return len(layers)


def check_simple_signing(r, args, key):
    tag = reg.tag_for(args.digest, ".sig")
    manifest, _ = tagged_manifest(r, args.repo, tag)
    n = verify_simple_signing(manifest, blobs_intact(r, args.repo, manifest), key, args.digest, "%s:%s" % (args.repo, tag))
    return "verified %d signature(s) of %s at %s:%s" % (n, args.digest, args.repo, tag)


def check_signature_referrers(r, args, key):
    """cosign's OCI 1.1 signatures: referrers of artifactType COSIGN_SIG_ARTIFACT found by the tag schema."""
    sigs = [(d, m, b) for d, m, b in checked_referrers(r, args) if d.get("artifactType") == COSIGN_SIG_ARTIFACT]
    if not sigs:
        raise Failure("no %s referrer of %s in %s" % (COSIGN_SIG_ARTIFACT, args.digest, args.repo))
    n = sum(verify_simple_signing(m, b, key, args.digest, "%s@%s" % (args.repo, d["digest"])) for d, m, b in sigs)
    return "verified %d signature referrer(s) of %s in %s" % (n, args.digest, args.repo)


def check_attestation(r, args, key):
    tag = reg.tag_for(args.digest, ".att")
    manifest, manifest_digest = tagged_manifest(r, args.repo, tag)
    blobs = blobs_intact(r, args.repo, manifest)
    layers = [l for l in manifest.get("layers", []) if l["mediaType"] == DSSE_ENVELOPE]
    if not layers:
        raise Failure("%s:%s (%s) has no DSSE envelope layer" % (args.repo, tag, manifest_digest))
    types = []
    for layer in layers:
        what = "%s:%s layer %s" % (args.repo, tag, layer["digest"])
        doc = verify_dsse(key, json.loads(blobs[layer["digest"]]), args.digest, what)
        annotated = (layer.get("annotations") or {}).get("predicateType")
        if annotated != doc.get("predicateType"):
            raise Failure("%s: annotation predicateType %r, statement says %r" % (what, annotated, doc.get("predicateType")))
        types.append(doc.get("predicateType"))
    return "verified %d attestation(s) of %s at %s:%s: %s" % (len(layers), args.digest, args.repo, tag, " ".join(types))


def verify_dsse(key, envelope, digest, what):
    """Verifies every signature of a DSSE envelope over its PAE; returns the in-toto statement,
    which must name digest among its subjects."""
    statement = base64.b64decode(envelope["payload"])
    payload_type = envelope["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(statement), statement)
    if not envelope.get("signatures"):
        raise Failure("%s: envelope has no signature" % what)
    for s in envelope["signatures"]:
        verify(key, base64.b64decode(s["sig"]), pae, what)
    doc = json.loads(statement)
    subjects = [s.get("digest", {}).get("sha256") for s in doc.get("subject", [])]
    if digest.split(":", 1)[1] not in subjects:
        raise Failure("%s: statement subjects %s do not include %s" % (what, subjects, digest))
    return doc


def cmd_cosign_verify(r, args):
    key = load_public_key(args.key)
    check = {"sig": check_simple_signing, "att": check_attestation, "referrer": check_signature_referrers}[args.type]
    print(check(r, args, key))


def referrers_index(r, args):
    tag = reg.tag_for(args.digest)
    got = r.get_manifest(args.repo, tag, accept=(reg.OCI_INDEX,))
    if got is None:
        raise Failure("no referrers index at tag %s in %s" % (tag, args.repo))
    index = json.loads(got[0])
    if index.get("mediaType") != reg.OCI_INDEX:
        raise Failure("%s:%s is %r, not an OCI image index" % (args.repo, tag, index.get("mediaType")))
    return tag, index


def checked_referrers(r, args):
    """(descriptor, manifest, blobs) per entry of the index at sha256-HEX, each checked present,
    intact, naming the subject and of the artifactType the index gives."""
    tag, index = referrers_index(r, args)
    out = []
    for d in index.get("manifests", []):
        body = r.get_manifest(args.repo, d["digest"])
        if body is None:
            raise Failure("referrer %s listed at %s:%s is not in the registry" % (d["digest"], args.repo, tag))
        if len(body[0]) != d["size"]:
            raise Failure("referrer %s has %d bytes, the index says %d" % (d["digest"], len(body[0]), d["size"]))
        manifest = json.loads(body[0])
        subject = (manifest.get("subject") or {}).get("digest")
        if subject != args.digest:
            raise Failure("referrer %s names subject %s, not %s" % (d["digest"], subject, args.digest))
        artifact_type = manifest.get("artifactType") or manifest["config"]["mediaType"]
        if d.get("artifactType") != artifact_type:
            raise Failure("referrer %s is %s, the index says %s" % (d["digest"], artifact_type, d.get("artifactType")))
        out.append((d, manifest, blobs_intact(r, args.repo, manifest)))
    return out


def cmd_find_referrers(r, args):
    print("\n".join("%s %s" % (d["digest"], d["artifactType"]) for d, _, _ in checked_referrers(r, args)))


def cmd_sigstore_verify(r, args):
    bundles = [(d, m, b) for d, m, b in checked_referrers(r, args) if d.get("artifactType") == SIGSTORE_BUNDLE]
    if not bundles:
        raise Failure("no %s referrer of %s in %s" % (SIGSTORE_BUNDLE, args.digest, args.repo))
    for d, manifest, blobs in bundles:
        what = "%s@%s" % (args.repo, d["digest"])
        layers = [l for l in manifest.get("layers", []) if l["mediaType"] == SIGSTORE_BUNDLE]
        if not layers:
            raise Failure("%s: no %s layer" % (what, SIGSTORE_BUNDLE))
        for layer in layers:
            bundle = json.loads(blobs[layer["digest"]])
            material = bundle["verificationMaterial"]
            cert = material.get("certificate") or (material.get("x509CertificateChain") or {}).get("certificates", [None])[0]
            if not cert:
                raise Failure("%s: bundle has no certificate" % what)
            key = x509.load_der_x509_certificate(base64.b64decode(cert["rawBytes"])).public_key()
            verify_dsse(key, bundle["dsseEnvelope"], args.digest, what)
    print("verified %d Sigstore bundle(s) of %s in %s" % (len(bundles), args.digest, args.repo))


def cmd_find_tags(r, args):
    present = set(r.tags(args.repo))
    found = []
    for suffix in SUFFIXES:
        tag = reg.tag_for(args.digest, "." + suffix)
        if tag in present:
            manifest, digest = tagged_manifest(r, args.repo, tag)
            blobs_intact(r, args.repo, manifest)
            found.append((suffix, tag, digest))
    required = [s for s in (args.require or "").split(",") if s]
    missing = [s for s in required if s not in {f[0] for f in found}]
    if missing:
        raise Failure("no %s in %s for %s" % (", ".join(reg.tag_for(args.digest, "." + s) for s in missing), args.repo, args.digest))
    print("\n".join("%s %s" % (tag, digest) for _, tag, digest in found))


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("cosign-verify", "find-referrers", "sigstore-verify", "find-tags"):
        s = sub.add_parser(name)
        reg.add_registry_args(s)
        s.add_argument("--repo", required=True)
        s.add_argument("digest")
    sub.choices["cosign-verify"].add_argument("--key", required=True, help="PEM public key")
    sub.choices["cosign-verify"].add_argument("--type", choices=("sig", "att", "referrer"), default="sig")
    sub.choices["find-tags"].add_argument("--require", help="comma-separated suffixes that must exist: sig,att,sbom")
    return p


def main():
    args = parser().parse_args()
    r = reg.Registry.from_args(args)
    {"cosign-verify": cmd_cosign_verify, "find-referrers": cmd_find_referrers, "sigstore-verify": cmd_sigstore_verify,
     "find-tags": cmd_find_tags}[args.command](r, args)


if __name__ == "__main__":
    reg.run_main(main)
