#!/usr/bin/env bash
# What attachments cost an export: a catalog of N images (default 1,000), each in its own repository,
# shaped as issue 21's catalog (a 512 KiB base layer shared by all, 64 KiB and 128 KiB unique
# layers; --tiny: one 4 KiB layer, the worst case, where a signature's two small blobs are as many
# objects as the image's own), each with one cosign signature under its sha256-<hex>.sig tag, in a
# loopback registry. Times, alternated, each --reps times (fresh state
# and output each run): `airlock-export bundle --full` of the whole catalog with --attached none
# and all (goal: all/none at most 1.15), and `airlock-export plan` with each (discovery alone: the
# tag lists, referrers and attachment manifests, without carrying their blobs), and the request
# floor of each (scripts/bench.d/catalog_floor.py: the fewest requests any tool must make, by raw
# keep-alive HTTP doing nothing else): how much of the ratio the extra requests alone impose.
#
#   scripts/bench.d/attached.sh [--images N] [--tiny] [--reps N]
# Last line on stdout: "attached-bench none=S all=S ratio=R plan_none=S plan_all=S images=N shape=issue21|tiny"
# (medians) for scripts/bench.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/lib/registry.sh"   # free_port, start_registry

n=1000 reps=3 shape=issue21 unique=65536,131072 base=524288
while [ $# -gt 0 ]; do
  case $1 in
    --images) n=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --tiny) shape=tiny unique=4096 base=0; shift ;;
    *) echo "attached bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { printf '%s\n' "$*" >&2; }
work=$(mktemp -d /tmp/airlock-attached-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port); src=127.0.0.1:$port
pids+=("$(start_registry "$work/src" "$port")")
log "attached bench: pushing $n images, each with a .sig"
/usr/bin/python3 "$root/scripts/bench.d/push_catalog.py" "$src" "$n" "$work/images.txt" "$unique" "$base"
"$root/scripts/airlock-export" keygen --uid "bench <bench@airlock.invalid>" --key "$work/k.asc" --cert "$work/k.pub.asc" >/dev/null
printf 'images:\n' > "$work/config.yaml"
sed 's/^/  - /' "$work/images.txt" >> "$work/config.yaml"

run() {   # run MODE REP -> prints seconds
  local out=$work/out-$1-$2 state=$work/state-$1-$2 t0 t1
  t0=$(date +%s.%N)
  "$root/scripts/airlock-export" bundle --full --config "$work/config.yaml" --attached "$1" --channel cat --key "$work/k.asc" \
    --out "$out" --state "$state" --plain-http "$src" --progress=none >/dev/null
  t1=$(date +%s.%N)
  awk "BEGIN{print $t1 - $t0}"
  rm -rf "$out" "$state"
}
plan() {   # plan MODE -> prints seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$root/scripts/airlock-export" plan --full --config "$work/config.yaml" --attached "$1" --channel cat --key "$work/k.asc" \
    --state "$work/state-plan" --plain-http "$src" >/dev/null
  t1=$(date +%s.%N)
  awk "BEGIN{print $t1 - $t0}"
}
run none warm >/dev/null   # JIT, page cache, registry caches: not counted
: > "$work/times"
for r in $(seq 1 "$reps"); do
  for mode in none all; do
    s=$(run "$mode" "$r"); echo "$mode $s" >> "$work/times"; log "attached bench: $mode run $r: $s s"
    s=$(plan "$mode"); echo "plan_$mode $s" >> "$work/times"; log "attached bench: plan $mode run $r: $s s"
    s=$(/usr/bin/python3 "$root/scripts/bench.d/catalog_floor.py" export "$src" "$work/images.txt" "$([ $mode = all ] && echo attached)")
    echo "floor_$mode $s" >> "$work/times"; log "attached bench: request floor $mode run $r: $s s"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
none=$(awk '$1=="none"{print $2}' "$work/times" | median)
all=$(awk '$1=="all"{print $2}' "$work/times" | median)
plan_none=$(awk '$1=="plan_none"{print $2}' "$work/times" | median)
plan_all=$(awk '$1=="plan_all"{print $2}' "$work/times" | median)
floor_none=$(awk '$1=="floor_none"{print $2}' "$work/times" | median)
floor_all=$(awk '$1=="floor_all"{print $2}' "$work/times" | median)
ratio=$(awk "BEGIN{printf \"%.2f\", $all / $none}")
floor_ratio=$(awk "BEGIN{printf \"%.2f\", $floor_all / $floor_none}")
printf 'catalog of %d images (%s), each with one .sig: export --attached none %.2f s, all %.2f s: all/none %s (goal <= 1.15); plan (discovery alone) none %.2f s, all %.2f s\n' \
  "$n" "$([ $shape = tiny ] && echo 'one 4 KiB layer each' || echo '512 KiB shared base + 64 + 128 KiB unique layers')" "$none" "$all" "$ratio" "$plan_none" "$plan_all"
printf 'request floor (raw HTTP, the same objects): none %.2f s, all %.2f s: all/none %s\n' "$floor_none" "$floor_all" "$floor_ratio"
echo "attached-bench none=$none all=$all ratio=$ratio plan_none=$plan_none plan_all=$plan_all floor_none=$floor_none floor_all=$floor_all floor_ratio=$floor_ratio images=$n shape=$shape"
