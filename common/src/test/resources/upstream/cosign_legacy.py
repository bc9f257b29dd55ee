#!/usr/bin/python3
"""cosign's legacy signatures (the sha256-HEX.sig image), keyed and keyless, made with Python
`cryptography` the way cosign writes them, plus a test Fulcio CA, a test Rekor log key and the
Sigstore trusted_root.json that lists them. Shares no code with airlock.

Subcommands (each prints one JSON object on stdout; a failure prints one line on stderr, exit 1):
  keygen DIR [--type ecdsa-p256|ecdsa-p384|ed25519|rsa]
        DIR/cosign.key (PKCS#8 PEM) and DIR/cosign.pub (PEM SubjectPublicKeyInfo)
  ca DIR [--name NAME]
        a Fulcio-like root CA and intermediate (DIR/root.pem, DIR/intermediate.pem and keys), a
        Rekor log key (DIR/rekor.key, DIR/rekor.pub) and DIR/trusted_root.json naming all three
  sign OUT --digest sha256:HEX (--key KEY | --ca DIR --identity SAN --issuer URL) [--append]
        [--reference REGISTRY/REPO] [--rekor-from DIR] [--expired] [--tamper-set] [--no-bundle]
        a cosign .sig image in OUT: OUT/manifest.json (the OCI manifest, as cosign pushes it) and
        OUT/blobs/HEX (its config and payload layers). --append adds a layer to OUT/manifest.json
        as cosign appends a second signature. Keyless: a fresh P-256 key, a leaf certificate from
        the CA's intermediate (SAN URI, Fulcio issuer extensions 1.1 and 1.8, valid 10 minutes),
        a hashedrekord Rekor entry whose signed entry timestamp (SET) the Rekor key signs over the
        canonical JSON {body, integratedTime, logID, logIndex}, as Rekor does.
        --rekor-from DIR: the Rekor key of another `ca` DIR; --expired: the Rekor time falls after
        the certificate expired; --tamper-set: the entry's logIndex changed after the SET was made;
        --no-bundle: no dev.sigstore.cosign/bundle annotation.

  bundle-keyed OUT --digest sha256:HEX --key KEY [--dsse]
        a Sigstore bundle v0.3 signed with a key (verificationMaterial.publicKey hint, no tlog entry):
        a messageSignature over the manifest digest (ECDSA, prehashed), or with --dsse a DSSE
        envelope holding an in-toto statement with cosign's signing predicate naming the digest.
        Writes OUT/bundle.sigstore.json.

To push OUT to a registry, push each OUT/blobs file (e2e's produce.py push-blob) and then
OUT/manifest.json at tag sha256-HEX.sig (produce.py push-manifest, --media-type
application/vnd.oci.image.manifest.v1+json).
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
ZERO_TIME = "0001-01-01T00:00:00Z"
ISSUER_V1 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
ISSUER_V2 = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
# The certificate's ten minutes start an hour ago: the checks are at the Rekor time, not now.
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
LEAF_START = NOW - datetime.timedelta(hours=1)


class Failure(Exception):
    pass


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def write_private(path, key):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def write_public(path, key):
    with open(path, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def load_private(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def spki_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(key, data):
    """As cosign's signers do: ECDSA (DER) over SHA-256 (SHA-384 on P-384), Ed25519, RSA PKCS#1 v1.5 SHA-256."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        h = hashes.SHA384() if key.curve.key_size > 256 else hashes.SHA256()
        return key.sign(data, ec.ECDSA(h))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def cmd_keygen(args):
    key = {"ecdsa-p256": lambda: ec.generate_private_key(ec.SECP256R1()),
           "ecdsa-p384": lambda: ec.generate_private_key(ec.SECP384R1()),
           "ed25519": ed25519.Ed25519PrivateKey.generate,
           "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)}[args.type]()
    os.makedirs(args.dir, exist_ok=True)
    write_private(os.path.join(args.dir, "cosign.key"), key)
    write_public(os.path.join(args.dir, "cosign.pub"), key)
    return {"privateKey": os.path.join(args.dir, "cosign.key"), "publicKey": os.path.join(args.dir, "cosign.pub"),
            "sha256": sha256_hex(spki_der(key.public_key()))}


def ca_cert(subject, issuer, public_key, signing_key, path_length):
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=30)).not_valid_after(NOW + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(signing_key, hashes.SHA384()))


def cmd_ca(args):
    os.makedirs(args.dir, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP384R1())
    inter_key = ec.generate_private_key(ec.SECP384R1())
    rekor_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, args.name), x509.NameAttribute(NameOID.COMMON_NAME, args.name)])
    inter_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, args.name),
                            x509.NameAttribute(NameOID.COMMON_NAME, args.name + "-intermediate")])
    root = ca_cert(root_name, root_name, root_key.public_key(), root_key, 1)
    inter = ca_cert(inter_name, root_name, inter_key.public_key(), root_key, 0)
    for name, key in (("root", root_key), ("intermediate", inter_key), ("rekor", rekor_key)):
        write_private(os.path.join(args.dir, name + ".key"), key)
    for name, cert in (("root", root), ("intermediate", inter)):
        with open(os.path.join(args.dir, name + ".pem"), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    write_public(os.path.join(args.dir, "rekor.pub"), rekor_key)
    start = (NOW - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rekor_der = spki_der(rekor_key.public_key())
    trusted = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{"baseUrl": "https://rekor.invalid", "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": base64.b64encode(rekor_der).decode(), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                 "validFor": {"start": start}},
                   "logId": {"keyId": base64.b64encode(hashlib.sha256(rekor_der).digest()).decode()}}],
        "certificateAuthorities": [{"subject": {"organization": args.name, "commonName": args.name}, "uri": "https://fulcio.invalid",
                                    "certChain": {"certificates": [
                                        {"rawBytes": base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()}
                                        for c in (inter, root)]},
                                    "validFor": {"start": start}}],
        "ctlogs": [],
        "timestampAuthorities": [],
    }
    path = os.path.join(args.dir, "trusted_root.json")
    with open(path, "w") as f:
        json.dump(trusted, f, indent=2)
    return {"trustedRoot": path, "rekorLogId": hashlib.sha256(rekor_der).hexdigest()}


def simple_signing_payload(reference, digest):
    """sigstore's payload.SimpleContainerImage, marshalled as cosign signs it."""
    return canonical_json({
        "critical": {"identity": {"docker-reference": reference},
                     "image": {"docker-manifest-digest": digest},
                     "type": "cosign container image signature"},
        "optional": None,
    })


def der_utf8(text):
    data = text.encode()
    if len(data) >= 128:
        raise Failure("issuer too long for this fixture")
    return bytes([0x0C, len(data)]) + data


def leaf_certificate(ca_dir, public_key, identity, issuer):
    inter = load_cert(os.path.join(ca_dir, "intermediate.pem"))
    inter_key = load_private(os.path.join(ca_dir, "intermediate.key"))
    return (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(inter.subject).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(LEAF_START).not_valid_after(LEAF_START + datetime.timedelta(minutes=10))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]), critical=True)
            .add_extension(x509.UnrecognizedExtension(ISSUER_V1, issuer.encode()), critical=False)
            .add_extension(x509.UnrecognizedExtension(ISSUER_V2, der_utf8(issuer)), critical=False)
            .sign(inter_key, hashes.SHA384()))


def rekor_bundle(rekor_dir, payload, signature, cert_pem, integrated_time, tamper):
    """cosign's dev.sigstore.cosign/bundle: the Rekor entry (hashedrekord 0.0.1) and its SET."""
    rekor_key = load_private(os.path.join(rekor_dir, "rekor.key"))
    body = canonical_json({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256", "value": sha256_hex(payload)}},
        "signature": {"content": base64.b64encode(signature).decode(),
                      "publicKey": {"content": base64.b64encode(cert_pem).decode()}}}})
    entry = {"body": base64.b64encode(body).decode(), "integratedTime": integrated_time,
             "logID": hashlib.sha256(spki_der(rekor_key.public_key())).hexdigest(), "logIndex": 4242}
    set_sig = rekor_key.sign(canonical_json(entry), ec.ECDSA(hashes.SHA256()))
    if tamper:
        entry["logIndex"] = 4243
    return json.dumps({"SignedEntryTimestamp": base64.b64encode(set_sig).decode(), "Payload": entry}, separators=(",", ":"))


def signature_layer(args, payload):
    """The annotations of one signature layer, keyed or keyless."""
    if args.key:
        return {"dev.cosignproject.cosign/signature": base64.b64encode(sign(load_private(args.key), payload)).decode()}
    if not (args.ca and args.identity and args.issuer):
        raise Failure("sign needs --key, or --ca with --identity and --issuer")
    key = ec.generate_private_key(ec.SECP256R1())
    signature = sign(key, payload)
    cert_pem = leaf_certificate(args.ca, key.public_key(), args.identity, args.issuer).public_bytes(serialization.Encoding.PEM)
    chain = b"".join(load_cert(os.path.join(args.ca, n)).public_bytes(serialization.Encoding.PEM) for n in ("intermediate.pem", "root.pem"))
    when = LEAF_START + datetime.timedelta(minutes=20 if args.expired else 1)
    out = {"dev.cosignproject.cosign/signature": base64.b64encode(signature).decode(),
           "dev.sigstore.cosign/certificate": cert_pem.decode(), "dev.sigstore.cosign/chain": chain.decode()}
    if not args.no_bundle:
        out["dev.sigstore.cosign/bundle"] = rekor_bundle(args.rekor_from or args.ca, payload, signature, cert_pem,
                                                         int(when.timestamp()), args.tamper_set)
    return out


def put_blob(out, data):
    os.makedirs(os.path.join(out, "blobs"), exist_ok=True)
    with open(os.path.join(out, "blobs", sha256_hex(data)), "wb") as f:
        f.write(data)
    return "sha256:" + sha256_hex(data)


def cmd_sign(args):
    payload = simple_signing_payload(args.reference, args.digest)
    path = os.path.join(args.out, "manifest.json")
    layers = []
    if args.append and os.path.exists(path):
        with open(path, "rb") as f:
            layers = json.load(f)["layers"]
    layer = {"mediaType": SIMPLE_SIGNING, "size": len(payload), "digest": put_blob(args.out, payload),
             "annotations": dict(sorted(signature_layer(args, payload).items()))}
    layers.append(layer)
    # go-containerregistry's empty image + mutate.Append: zero-time config, one diff_id per layer.
    config = canonical_json({"architecture": "", "created": ZERO_TIME, "history": [{"created": ZERO_TIME} for _ in layers],
                             "os": "", "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}, "config": {}})
    # Go marshals v1.Manifest's fields in declaration order (descriptors: mediaType, size, digest, annotations).
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": put_blob(args.out, config)},
                           "layers": layers}, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        f.write(manifest)
    return {"manifest": path, "digest": "sha256:" + sha256_hex(manifest), "tag": args.digest.replace(":", "-") + ".sig",
            "layers": len(layers)}


def cmd_bundle_keyed(args):
    key = load_private(args.key)
    digest = bytes.fromhex(args.digest.split(":", 1)[1])
    bundle = {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {"publicKey": {"hint": sha256_hex(spki_der(key.public_key()))}, "tlogEntries": []}}
    if args.dsse:
        statement = canonical_json({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://sigstore.dev/cosign/sign/v1",
                                    "subject": [{"name": args.reference, "digest": {"sha256": digest.hex()}}], "predicate": {}})
        t = b"application/vnd.in-toto+json"
        pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(statement), statement)
        bundle["dsseEnvelope"] = {"payload": base64.b64encode(statement).decode(), "payloadType": t.decode(),
                                  "signatures": [{"sig": base64.b64encode(sign(key, pae)).decode()}]}
    else:
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise Failure("a messageSignature over a digest needs an ECDSA key")
        sig = key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        bundle["messageSignature"] = {"messageDigest": {"algorithm": "SHA2_256", "digest": base64.b64encode(digest).decode()},
                                      "signature": base64.b64encode(sig).decode()}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bundle.sigstore.json")
    with open(path, "w") as f:
        json.dump(bundle, f)
    return {"bundle": path}


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("dir")
    k.add_argument("--type", default="ecdsa-p256", choices=["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa"])
    c = sub.add_parser("ca")
    c.add_argument("dir")
    c.add_argument("--name", default="airlock-test-fulcio")
    s = sub.add_parser("sign")
    s.add_argument("out")
    s.add_argument("--digest", required=True)
    s.add_argument("--reference", default="registry.test/app")
    s.add_argument("--key")
    s.add_argument("--ca")
    s.add_argument("--identity")
    s.add_argument("--issuer")
    s.add_argument("--rekor-from")
    s.add_argument("--append", action="store_true")
    s.add_argument("--expired", action="store_true")
    s.add_argument("--tamper-set", action="store_true")
    s.add_argument("--no-bundle", action="store_true")
    b = sub.add_parser("bundle-keyed")
    b.add_argument("out")
    b.add_argument("--digest", required=True)
    b.add_argument("--key", required=True)
    b.add_argument("--reference", default="registry.test/app")
    b.add_argument("--dsse", action="store_true")
    return p


def main():
    args = parser().parse_args()
    result = {"keygen": cmd_keygen, "ca": cmd_ca, "sign": cmd_sign, "bundle-keyed": cmd_bundle_keyed}[args.command](args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    try:
        main()
    except (Failure, OSError, ValueError) as e:
        sys.stderr.write("cosign_legacy.py: %s\n" % str(e).replace("\n", " "))
        sys.exit(1)
