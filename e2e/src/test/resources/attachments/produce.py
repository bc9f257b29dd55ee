#!/usr/bin/python3
"""Test fixtures for what hangs off an image, made as the tools that write them do, not by airlock.

Subcommands (each prints one JSON object on stdout; a failure prints one line on stderr, exit 1):
  keygen DIR                 ECDSA P-256 key pair: DIR/cosign.key (PKCS#8 PEM), DIR/cosign.pub (PEM)
  push-blob FILE             the file's bytes as a blob
  push-manifest FILE REF     the file's bytes as a manifest under REF (tag or digest), --media-type
  sign DIGEST --key          cosign's legacy signature at tag sha256-HEX.sig (appends a layer to an
                             existing one, as cosign does); --recursive signs every child of an index too
  attest DIGEST --key        cosign's attestation (DSSE envelope, in-toto statement) at sha256-HEX.att
  sbom-tag DIGEST            `cosign attach sbom`: an SPDX JSON layer at sha256-HEX.sbom
  sbom-referrer DIGEST       an OCI 1.1 SBOM artifact whose subject is DIGEST, as oras attaches it,
                             plus the referrers tag schema index at sha256-HEX (for registries without
                             the referrers API, such as Debian's docker-registry 2.8)
  sig-referrer DIGEST --key  cosign's OCI 1.1 signature (artifactType ...cosign.artifact.sig.v1+json)
                             whose subject is DIGEST, plus the referrers tag schema index
  trivy TAG                  a Trivy database artifact (its own config and layer media types) at TAG

Shapes follow the writers' sources: cosign's pkg/oci/static, pkg/oci/mutate and pkg/oci/remote
(go-containerregistry's empty image + mutate.Append: a config with zero timestamps and the payload as
the only diff_id; Go marshals struct fields in declaration order, maps sorted), oras-go's
PackManifest for artifacts and the referrers tag schema of the OCI distribution spec 1.1.
"""

import argparse
import base64
import gzip
import io
import json
import os
import sys
import tarfile

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import registry as reg
from registry import Failure

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
IN_TOTO = "application/vnd.in-toto+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
SPDX_JSON_COSIGN = "text/spdx+json"
SPDX_JSON_OCI = "application/spdx+json"
COSIGN_SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"
TRIVY_CONFIG = "application/vnd.aquasec.trivy.config.v1+json"
TRIVY_LAYER = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
ZERO_TIME = "0001-01-01T00:00:00Z"
# Fixed so that the same command makes the same bytes (tests compare digests across the gap).
CREATED = "2026-01-01T00:00:00Z"


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def sign_bytes(key, data):
    """base64 of the ASN.1 DER ECDSA-SHA256 signature, as cosign puts it in the annotation."""
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


def descriptor(media_type, data, digest=None):
    """A descriptor in go-containerregistry's field order: mediaType, size, digest."""
    return {"mediaType": media_type, "size": len(data), "digest": digest or reg.sha256(data)}


def oras_descriptor(media_type, data):
    """A descriptor in oras-go's (image-spec's) field order: mediaType, digest, size."""
    return {"mediaType": media_type, "digest": reg.sha256(data), "size": len(data)}


def subject_descriptor(r, repo, digest):
    got = r.get_manifest(repo, digest)
    if got is None:
        raise Failure("no manifest %s in %s to attach to" % (digest, repo))
    body, media_type = got
    media_type = json.loads(body).get("mediaType") or media_type
    return {"mediaType": media_type, "digest": digest, "size": len(body)}, body


# -- cosign's legacy tags -----------------------------------------------------------------------

def ggcr_config(layer_digests):
    """The config go-containerregistry's empty.Image gets from mutate.Append, one history per layer."""
    return reg.canonical_json({
        "architecture": "",
        "created": ZERO_TIME,
        "history": [{"created": ZERO_TIME} for _ in layer_digests],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": list(layer_digests)},
        "config": {},
    })


def existing_layers(r, repo, tag):
    """The layer descriptors already at tag (cosign appends to the signatures it finds there)."""
    got = r.get_manifest(repo, tag)
    return [] if got is None else json.loads(got[0]).get("layers", [])


def push_cosign_image(r, repo, tag, layers, append):
    """Pushes payload blobs, the ggcr config and the manifest under tag; returns the manifest digest.

    layers: (media type, payload bytes, annotations or None) in order. With append, the layers
    already at tag stay first, as cosign's AppendSignatures keeps the base signatures."""
    descriptors = existing_layers(r, repo, tag) if append else []
    for media_type, payload, annotations in layers:
        r.push_blob(repo, payload)
        d = descriptor(media_type, payload)
        if annotations is not None:
            d["annotations"] = dict(sorted(annotations.items()))
        descriptors.append(d)
    config = ggcr_config([d["digest"] for d in descriptors])
    r.push_blob(repo, config)
    manifest = {"schemaVersion": 2, "mediaType": reg.OCI_MANIFEST,
                "config": descriptor(OCI_CONFIG, config), "layers": descriptors}
    digest, _ = r.push_json_manifest(repo, tag, manifest)
    return digest


def simple_signing_payload(identity, digest):
    """sigstore's payload.SimpleContainerImage, marshalled as cosign signs it."""
    return reg.canonical_json({
        "critical": {"identity": {"docker-reference": identity},
                     "image": {"docker-manifest-digest": digest},
                     "type": "cosign container image signature"},
        "optional": None,
    })


def children(body):
    doc = json.loads(body)
    if doc.get("mediaType") in reg.INDEX_TYPES or ("manifests" in doc and "layers" not in doc):
        return [m["digest"] for m in doc.get("manifests", [])]
    return []


def cmd_sign(r, args):
    key = load_key(args.key)
    identity = args.identity or "%s/%s" % (args.registry, args.repo)
    targets = [args.digest]
    if args.recursive:
        _, body = subject_descriptor(r, args.repo, args.digest)
        targets += children(body)
    out = []
    for digest in targets:
        subject_descriptor(r, args.repo, digest)  # cosign refuses to sign what is not there
        payload = simple_signing_payload(identity, digest)
        tag = reg.tag_for(digest, ".sig")
        sig = push_cosign_image(r, args.repo, tag, [(SIMPLE_SIGNING, payload, {SIGNATURE_ANNOTATION: sign_bytes(key, payload)})],
                                append=True)
        out.append({"subject": digest, "tag": tag, "digest": sig})
    return {"signed": out}


def pae(payload_type, payload):
    """DSSE pre-authentication encoding: what a DSSE signature is over."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def cmd_attest(r, args):
    key = load_key(args.key)
    identity = args.identity or "%s/%s" % (args.registry, args.repo)
    subject_descriptor(r, args.repo, args.digest)
    statement = reg.canonical_json({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": args.predicate_type,
        "subject": [{"name": identity, "digest": {"sha256": args.digest.split(":", 1)[1]}}],
        "predicate": {"buildDefinition": {"buildType": "https://airlock.test/fixture-build/v1", "externalParameters": {}},
                      "runDetails": {"builder": {"id": "https://airlock.test/fixture-builder"}}},
    })
    envelope = reg.canonical_json({
        "payloadType": IN_TOTO,
        "payload": base64.b64encode(statement).decode(),
        "signatures": [{"keyid": "", "sig": sign_bytes(key, pae(IN_TOTO, statement))}],
    })
    tag = reg.tag_for(args.digest, ".att")
    # An attestation carries its signature inside the envelope: cosign leaves the annotation empty.
    annotations = {SIGNATURE_ANNOTATION: "", "predicateType": args.predicate_type}
    digest = push_cosign_image(r, args.repo, tag, [(DSSE_ENVELOPE, envelope, annotations)], append=True)
    return {"subject": args.digest, "tag": tag, "digest": digest, "predicateType": args.predicate_type}


def spdx_document(subject, name):
    return reg.canonical_json({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": "https://airlock.test/spdx/%s/%s" % (name, subject),
        "creationInfo": {"created": CREATED, "creators": ["Tool: airlock-test-fixtures"]},
        "packages": [{"name": "fixture-package", "SPDXID": "SPDXRef-Package-fixture", "versionInfo": "1.0",
                      "downloadLocation": "NOASSERTION"}],
    })


def cmd_sbom_tag(r, args):
    subject_descriptor(r, args.repo, args.digest)
    tag = reg.tag_for(args.digest, ".sbom")
    # static.NewFile: no layer annotations, replaces whatever was at the tag.
    digest = push_cosign_image(r, args.repo, tag, [(SPDX_JSON_COSIGN, spdx_document(args.digest, args.name), None)],
                               append=False)
    return {"subject": args.digest, "tag": tag, "digest": digest}


# -- OCI 1.1 referrers --------------------------------------------------------------------------

def update_referrers_index(r, repo, subject, manifest_bytes, manifest):
    """Adds the referrer to the index at tag sha256-HEX, keeping what others put there (as oras does)."""
    tag = reg.tag_for(subject)
    got = r.get_manifest(repo, tag, accept=(reg.OCI_INDEX,))
    index = json.loads(got[0]) if got else {"schemaVersion": 2, "mediaType": reg.OCI_INDEX, "manifests": []}
    entry = {"mediaType": reg.OCI_MANIFEST, "digest": reg.sha256(manifest_bytes), "size": len(manifest_bytes)}
    if manifest.get("annotations"):
        entry["annotations"] = manifest["annotations"]
    entry["artifactType"] = manifest.get("artifactType") or manifest["config"]["mediaType"]
    if all(m.get("digest") != entry["digest"] for m in index["manifests"]):
        index["manifests"].append(entry)
    r.push_json_manifest(repo, tag, index)
    return tag


def push_referrer(r, repo, subject, manifest):
    digest, data = r.push_json_manifest(repo, reg.sha256(reg.canonical_json(manifest)), manifest)
    tag = update_referrers_index(r, repo, subject, data, manifest)
    return {"subject": subject, "digest": digest, "artifactType": manifest.get("artifactType"), "indexTag": tag}


def cmd_sbom_referrer(r, args):
    subject, _ = subject_descriptor(r, args.repo, args.digest)
    sbom = spdx_document(args.digest, args.name)
    empty = b"{}"
    r.push_blob(args.repo, empty)
    r.push_blob(args.repo, sbom)
    layer = oras_descriptor(SPDX_JSON_OCI, sbom)
    layer["annotations"] = {"org.opencontainers.image.title": "sbom.spdx.json"}
    config = oras_descriptor(OCI_EMPTY, empty)
    config["data"] = base64.b64encode(empty).decode()
    # oras-go's ocispec.Manifest field order: schemaVersion, mediaType, artifactType, config, layers, subject, annotations.
    manifest = {"schemaVersion": 2, "mediaType": reg.OCI_MANIFEST, "artifactType": SPDX_JSON_OCI, "config": config,
                "layers": [layer], "subject": subject, "annotations": {"org.opencontainers.image.created": CREATED}}
    return push_referrer(r, args.repo, args.digest, manifest)


def cmd_sig_referrer(r, args):
    key = load_key(args.key)
    identity = args.identity or "%s/%s" % (args.registry, args.repo)
    subject, _ = subject_descriptor(r, args.repo, args.digest)
    payload = simple_signing_payload(identity, args.digest)
    r.push_blob(args.repo, payload)
    layer = descriptor(SIMPLE_SIGNING, payload)
    layer["annotations"] = {SIGNATURE_ANNOTATION: sign_bytes(key, payload)}
    config = ggcr_config([layer["digest"]])
    r.push_blob(args.repo, config)
    # cosign's WriteSignaturesExperimentalOCI: the ggcr manifest with config.mediaType replaced by the
    # artifact type, a subject, and artifactType appended (referrerManifest embeds v1.Manifest).
    manifest = {"schemaVersion": 2, "mediaType": reg.OCI_MANIFEST, "config": descriptor(COSIGN_SIG_ARTIFACT, config),
                "layers": [layer], "subject": {"mediaType": subject["mediaType"], "size": subject["size"],
                                               "digest": subject["digest"]},
                "artifactType": COSIGN_SIG_ARTIFACT}
    return push_referrer(r, args.repo, args.digest, manifest)


def cmd_trivy(r, args):
    db = io.BytesIO()
    with tarfile.open(fileobj=db, mode="w", format=tarfile.PAX_FORMAT) as tar:
        content = b"trivy fixture database for %s\n" % args.tag.encode()
        info = tarfile.TarInfo("trivy.db")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        tar.addfile(info, io.BytesIO(content))
    layer_bytes = gzip.compress(db.getvalue(), mtime=0)
    empty = b"{}"
    r.push_blob(args.repo, empty)
    r.push_blob(args.repo, layer_bytes)
    layer = oras_descriptor(TRIVY_LAYER, layer_bytes)
    layer["annotations"] = {"org.opencontainers.image.title": "db.tar.gz"}
    manifest = {"schemaVersion": 2, "mediaType": reg.OCI_MANIFEST, "config": oras_descriptor(TRIVY_CONFIG, empty),
                "layers": [layer], "annotations": {"org.opencontainers.image.created": CREATED}}
    digest, _ = r.push_json_manifest(args.repo, args.tag, manifest)
    return {"tag": args.tag, "digest": digest}


# -- raw pushes and keys ------------------------------------------------------------------------

def cmd_push_blob(r, args):
    with open(args.file, "rb") as f:
        return {"digest": r.push_blob(args.repo, f.read())}


def cmd_push_manifest(r, args):
    with open(args.file, "rb") as f:
        return {"digest": r.push_manifest(args.repo, args.reference, f.read(), args.media_type)}


def cmd_keygen(args):
    key = ec.generate_private_key(ec.SECP256R1())
    os.makedirs(args.dir, exist_ok=True)
    private = os.path.join(args.dir, "cosign.key")
    public = os.path.join(args.dir, "cosign.pub")
    with open(os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(public, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    return {"privateKey": private, "publicKey": public}


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("keygen").add_argument("dir")

    def with_registry(name, *positional):
        s = sub.add_parser(name)
        reg.add_registry_args(s)
        s.add_argument("--repo", required=True)
        for arg in positional:
            s.add_argument(arg)
        return s

    with_registry("push-blob", "file")
    s = with_registry("push-manifest", "file", "reference")
    s.add_argument("--media-type", required=True)
    for name in ("sign", "attest", "sig-referrer"):
        s = with_registry(name, "digest")
        s.add_argument("--key", required=True, help="PEM private key from keygen")
        s.add_argument("--identity", help="docker-reference in the payload; default REGISTRY/REPO")
    sub.choices["sign"].add_argument("--recursive", action="store_true", help="also sign every child of an index")
    sub.choices["attest"].add_argument("--predicate-type", default="https://slsa.dev/provenance/v1")
    for name in ("sbom-tag", "sbom-referrer"):
        with_registry(name, "digest").add_argument("--name", default="fixture-sbom", help="SPDX document name")
    with_registry("trivy", "tag")
    return p


COMMANDS = {"sign": cmd_sign, "attest": cmd_attest, "sbom-tag": cmd_sbom_tag, "sbom-referrer": cmd_sbom_referrer,
            "sig-referrer": cmd_sig_referrer, "trivy": cmd_trivy, "push-blob": cmd_push_blob,
            "push-manifest": cmd_push_manifest}


def main():
    args = parser().parse_args()
    if args.command == "keygen":
        result = cmd_keygen(args)
    else:
        result = COMMANDS[args.command](reg.Registry.from_args(args), args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    reg.run_main(main)
