#!/usr/bin/env bash
# What --platform saves: one OCI index of 4 platforms (linux/amd64, linux/arm64/v8, linux/arm/v7,
# linux/s390x), each platform an image of one random layer of --layer-size bytes (default 16 MiB,
# so 64 MiB of layers in all; platforms share no layer, as real multi-arch images mostly do not) and
# its config, in a loopback registry. Writes `airlock-export bundle --full` of the whole index and
# of the same index with --platform linux/amd64 (rewrite), and compares the bundle sizes
# (goal: filtered/unfiltered at most 0.3).
#
#   scripts/bench.d/platforms.sh [--layer-size BYTES]
# Last line on stdout: "platforms-bench all=BYTES one=BYTES ratio=R platforms=4 layer=B" for scripts/bench.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/lib/registry.sh"   # free_port, start_registry

layer=$((16 << 20))
while [ $# -gt 0 ]; do
  case $1 in
    --layer-size) layer=$2; shift 2 ;;
    *) echo "platforms bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { printf '%s\n' "$*" >&2; }
work=$(mktemp -d /tmp/airlock-platforms-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port); src=127.0.0.1:$port
pids+=("$(start_registry "$work/src" "$port")")
log "platforms bench: pushing a 4-platform index, one $layer-byte layer per platform"
/usr/bin/python3 - "$src" "$layer" <<'PY'
import hashlib, http.client, json, os, sys
host, size = sys.argv[1], int(sys.argv[2])
h, p = host.split(":")
c = http.client.HTTPConnection(h, int(p), timeout=120)
repo = "bench/multi"
def sha(b): return "sha256:" + hashlib.sha256(b).hexdigest()
def blob(data):
    c.request("POST", f"/v2/{repo}/blobs/uploads/"); r = c.getresponse(); r.read()
    loc = r.getheader("Location"); loc = loc.split(host, 1)[1] if loc.startswith("http") else loc
    c.request("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + sha(data), body=data,
              headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse(); r.read(); assert r.status == 201, r.status
    return sha(data)
def put(ref, body, mt):
    c.request("PUT", f"/v2/{repo}/manifests/{ref}", body=body, headers={"Content-Type": mt})
    r = c.getresponse(); r.read(); assert r.status == 201, (ref, r.status)
entries = []
for arch, variant in (("amd64", None), ("arm64", "v8"), ("arm", "v7"), ("s390x", None)):
    layer = os.urandom(size)
    cfg = {"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}}
    if variant: cfg["variant"] = variant
    cfgb = json.dumps(cfg).encode()
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(cfgb), "size": len(cfgb)},
         "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": blob(layer), "size": size}]}
    mb = json.dumps(m).encode()
    put(sha(mb), mb, m["mediaType"])
    plat = {"architecture": arch, "os": "linux"}
    if variant: plat["variant"] = variant
    entries.append({"mediaType": m["mediaType"], "digest": sha(mb), "size": len(mb), "platform": plat})
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}).encode()
put("1", idx, "application/vnd.oci.image.index.v1+json")
PY
"$root/scripts/airlock-export" keygen --uid "bench <bench@airlock.invalid>" --key "$work/k.asc" --cert "$work/k.pub.asc" >/dev/null

bundle() {   # bundle NAME [ARGS...] -> prints the bundle's size in bytes
  local name=$1; shift
  "$root/scripts/airlock-export" bundle --full --image "$src/bench/multi:1" --channel "$name" --key "$work/k.asc" \
    --out "$work/out-$name" --state "$work/state-$name" --plain-http "$src" --progress=none "$@" >/dev/null
  stat -c%s "$work/out-$name/$name-000001.airlock.tar"
}
all=$(bundle all)
one=$(bundle one --platform linux/amd64)
ratio=$(awk "BEGIN{printf \"%.3f\", $one / $all}")
printf '4-platform index, one %d-byte layer per platform: bundle of every platform %d bytes, --platform linux/amd64 %d bytes: %s (goal <= 0.3)\n' \
  "$layer" "$all" "$one" "$ratio"
echo "platforms-bench all=$all one=$one ratio=$ratio platforms=4 layer=$layer"
