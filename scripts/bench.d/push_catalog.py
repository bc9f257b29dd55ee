#!/usr/bin/python3
"""Pushes a catalog of N small images to a plain-HTTP loopback registry, each in its own
repository with one cosign-style signature under its sha256-<hex>.sig tag, over keep-alive
connections. For scripts/bench.d/attached.sh only: timing, not a fixture of any test.

    push_catalog.py HOST:PORT N IMAGES_FILE [UNIQUE_LAYER_BYTES,... [BASE_LAYER_BYTES [SIGN]]]
Each image: a base layer shared by all (BASE_LAYER_BYTES, default 524288; 0 for none; pushed
once, then mounted into each repository) and one unique layer per size given (default
65536,131072), random bytes; SIGN 0 pushes no signatures (default 1). Writes one image reference per line to IMAGES_FILE.
"""
import base64, hashlib, http.client, json, os, sys
from concurrent.futures import ThreadPoolExecutor

host, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
unique_sizes = [int(x) for x in (sys.argv[4] if len(sys.argv) > 4 else "65536,131072").split(",") if x]
base_bytes = int(sys.argv[5]) if len(sys.argv) > 5 else 524288
base = os.urandom(base_bytes) if base_bytes else None
sign = (sys.argv[6] if len(sys.argv) > 6 else "1") != "0"


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def conn():
    h, p = host.split(":")
    return http.client.HTTPConnection(h, int(p), timeout=60)


def blob(c, repo, data):
    d = sha(data)
    c.request("POST", f"/v2/{repo}/blobs/uploads/")
    r = c.getresponse(); r.read()
    loc = r.getheader("Location")
    loc = loc.split(host, 1)[1] if loc.startswith("http") else loc
    c.request("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + d, body=data,
              headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse(); r.read()
    assert r.status == 201, (repo, r.status)
    return {"digest": d, "size": len(data)}


def mount(c, repo, digest, size, frm):
    c.request("POST", f"/v2/{repo}/blobs/uploads/?mount={digest}&from={frm}")
    r = c.getresponse(); r.read()
    assert r.status == 201, (repo, "mount", r.status)
    return {"digest": digest, "size": size}


def manifest(c, repo, ref, doc):
    body = json.dumps(doc, separators=(",", ":")).encode()
    c.request("PUT", f"/v2/{repo}/manifests/{ref}", body=body,
              headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    r = c.getresponse(); r.read()
    assert r.status == 201, (repo, ref, r.status)
    return sha(body)


def one(i):
    c = conn()
    repo = f"catalog/img{i:04d}"
    layers = []
    if base is not None:
        layers.append(mount(c, repo, sha(base), len(base), "catalog/base"))
    layers += [blob(c, repo, os.urandom(n)) for n in unique_sizes]
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
    k = blob(c, repo, cfg)
    digest = manifest(c, repo, "1", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **k},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **l} for l in layers]})
    if not sign:
        c.close()
        return f"{host}/{repo}:1"
    payload = json.dumps({"critical": {"identity": {"docker-reference": f"{host}/{repo}"},
        "image": {"docker-manifest-digest": digest}, "type": "cosign container image signature"}, "optional": None}).encode()
    p = blob(c, repo, payload)
    scfg = blob(c, repo, json.dumps({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": [p["digest"]]}}).encode())
    manifest(c, repo, digest.replace(":", "-") + ".sig", {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **scfg},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", **p,
                    "annotations": {"dev.cosignproject.cosign/signature": base64.b64encode(os.urandom(70)).decode()}}]})
    c.close()
    return f"{host}/{repo}:1"


if base is not None:  # the shared base first, in a repository of its own, to be mounted from
    c0 = conn()
    blob(c0, "catalog/base", base)
    c0.close()
with ThreadPoolExecutor(8) as pool:
    refs = list(pool.map(one, range(n)))
with open(out, "w") as f:
    f.write("\n".join(refs) + "\n")
