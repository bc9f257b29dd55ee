#!/usr/bin/python3
"""The request floor of a catalog run: the fewest registry requests any tool must make to move the
catalog that push_catalog.py wrote, made by raw keep-alive HTTP from 8 threads with no other work
(no hashing, no file writes, no signature). For scripts/bench.d/catalog.sh and attached.sh only.

    catalog_floor.py export SRC IMAGES_FILE [attached]
        per image: GET its manifest; with "attached" also its repository's tag list, its .sig
        manifest and the signature's blobs; every blob once (by digest): GET, body discarded.
    catalog_floor.py import SRC IMAGES_FILE DST
        per image into DST/floor/REPO: one HEAD of the manifest (is it there?), each blob once
        (POST + PUT with the body), the shared one linked (one POST ?mount=), the manifest PUT
        by digest, the tag PUT. Bodies are read from SRC first, untimed.
Prints the seconds the timed part took.
"""
import http.client, json, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

WIDTH = 8
local = threading.local()
ACCEPT = "application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"


def conn(host):
    c = getattr(local, host, None)
    if c is None:
        h, p = host.split(":")
        c = http.client.HTTPConnection(h, int(p), timeout=60)
        setattr(local, host, c)
    return c


def call(host, method, path, body=None, headers=None, want=(200,)):
    c = conn(host)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    assert r.status in want, (method, path, r.status)
    return r, data


def refs(images_file):
    out = []
    for line in open(images_file):
        line = line.strip()
        if line:
            host, rest = line.split("/", 1)
            repo, tag = rest.rsplit(":", 1)
            out.append((repo, tag))
    return out


def export(src, images, attached):
    seen, lock = set(), threading.Lock()

    def one(item):
        repo, tag = item
        r, body = call(src, "GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": ACCEPT})
        m = json.loads(body)
        blobs = [m["config"]] + m["layers"]
        if attached:
            call(src, "GET", f"/v2/{repo}/tags/list?n=1000")
            digest = r.getheader("Docker-Content-Digest")
            _, sig = call(src, "GET", f"/v2/{repo}/manifests/{digest.replace(':', '-')}.sig", headers={"Accept": ACCEPT})
            s = json.loads(sig)
            blobs += [s["config"]] + s["layers"]
        for b in blobs:
            with lock:
                if b["digest"] in seen:
                    continue
                seen.add(b["digest"])
            call(src, "GET", f"/v2/{repo}/blobs/{b['digest']}")

    t = time.time()
    with ThreadPoolExecutor(WIDTH) as pool:
        list(pool.map(one, images))
    return time.time() - t


def fetch_all(src, images):
    """Every image's manifest and blob bodies, untimed: what a bundle holds."""
    bodies, out = {}, []

    def one(item):
        repo, tag = item
        r, body = call(src, "GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": ACCEPT})
        m = json.loads(body)
        return repo, tag, r.getheader("Docker-Content-Digest"), body, [m["config"]] + m["layers"]

    with ThreadPoolExecutor(WIDTH) as pool:
        out = list(pool.map(one, images))
    for repo, _, _, _, blobs in out:
        for b in blobs:
            if b["digest"] not in bodies:
                bodies[b["digest"]] = call(src, "GET", f"/v2/{repo}/blobs/{b['digest']}")[1]
    return out, bodies


def upload(dst, repo, digest, data):
    r, _ = call(dst, "POST", f"/v2/{repo}/blobs/uploads/", want=(202,))
    loc = r.getheader("Location")
    loc = loc.split(dst, 1)[1] if loc.startswith("http") else loc
    call(dst, "PUT", loc + ("&" if "?" in loc else "?") + "digest=" + digest, body=data,
         headers={"Content-Type": "application/octet-stream"}, want=(201,))


def push(src, images, dst):
    out, bodies = fetch_all(src, images)
    first = {}  # blob digest -> the repository it was first uploaded into
    for repo, _, _, _, blobs in out:
        for b in blobs:
            first.setdefault(b["digest"], "floor/" + repo)

    def blobs_of(item):
        repo, tag, digest, body, blobs = item
        target = "floor/" + repo
        call(dst, "HEAD", f"/v2/{target}/manifests/{digest}", headers={"Accept": ACCEPT}, want=(200, 404))
        for b in blobs:
            if first[b["digest"]] == target:
                upload(dst, target, b["digest"], bodies[b["digest"]])

    def links_and_manifest(item):
        repo, tag, digest, body, blobs = item
        target = "floor/" + repo
        for b in blobs:
            if first[b["digest"]] != target:
                call(dst, "POST", f"/v2/{target}/blobs/uploads/?mount={b['digest']}&from={first[b['digest']]}", want=(201,))
        ct = {"Content-Type": json.loads(body).get("mediaType", "application/vnd.oci.image.manifest.v1+json")}
        call(dst, "PUT", f"/v2/{target}/manifests/{digest}", body=body, headers=ct, want=(201,))
        call(dst, "PUT", f"/v2/{target}/manifests/{tag}", body=body, headers=ct, want=(201,))

    t = time.time()
    with ThreadPoolExecutor(WIDTH) as pool:
        list(pool.map(blobs_of, out))
        list(pool.map(links_and_manifest, out))
    return time.time() - t


mode, src, images = sys.argv[1], sys.argv[2], refs(sys.argv[3])
if mode == "export":
    print("%.3f" % export(src, images, len(sys.argv) > 4 and sys.argv[4] == "attached"))
else:
    print("%.3f" % push(src, images, sys.argv[4]))
