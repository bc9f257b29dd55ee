#!/usr/bin/env bash
# Many small images, airlock against `skopeo sync` (issue 21's catalog): N images (default 1,000),
# each in its own repository, each of 3 layers (a 512 KiB base shared by all, 64 KiB and 128 KiB
# unique random layers), in a loopback registry. Then, alternating the tools, each --reps times
# (default 3), each run with fresh output, state and target registry:
#   export: skopeo sync --src yaml --dest dir (one process for the whole set; skopeo's fastest mode)
#           vs  airlock-export bundle --full (defaults: read-back, report, signature, attachments
#           looked for)
#   import: skopeo sync --src dir --dest docker (from what skopeo wrote)
#           vs  airlock-import import (defaults: every signature and byte verified first)
#   delta:  airlock-export bundle of the unchanged channel right after a full one (the whole
#           command, JVM start included; goal: under 2 s)
#   floors: the fewest requests any tool must make for the same export and import, by raw
#           keep-alive HTTP from 8 threads doing nothing else (scripts/bench.d/catalog_floor.py):
#           what the registry and the machine allow, whatever the tool
# and prints medians, ratios (goal: export and import at most 0.2 x skopeo sync) and peak RSS.
#
#   scripts/bench.d/catalog.sh [--images N] [--reps N] [--keep]
# Last line on stdout: "catalog-bench images=N export=S skopeo_export=S import=S skopeo_import=S
# delta=S export_ratio=R import_ratio=R rss_export_mb=M rss_import_mb=M" (medians) for scripts/bench.
#
#   scripts/bench.d/catalog.sh --memory 1000,10000 [--keep]
# Memory instead (issue 21's goal: RSS at most 300 MB at any catalog size, and flat): pushes the
# largest size once, then for each size (its first N images) runs export --full, the unchanged
# delta and import once each for peak RSS (/usr/bin/time), and once more each with
# AIRLOCK_TRACE=heap for the largest heap left after a full collection (sampled every 200 ms; those
# runs are slower and their RSS is not counted). No skopeo, no floors. Last line on stdout:
# "catalog-memory sizes=A,B export_rss_mb=a,b delta_rss_mb=a,b import_rss_mb=a,b export_heap_mb=a,b
# delta_heap_mb=a,b import_heap_mb=a,b".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/lib/registry.sh"   # free_port, start_registry

n=1000 reps=3 keep=no memory=""
while [ $# -gt 0 ]; do
  case $1 in
    --images) n=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --keep) keep=yes; shift ;;
    *) echo "catalog bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { printf '%s\n' "$*" >&2; }
work=$(mktemp -d /tmp/airlock-catalog-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$keep" = yes ] || rm -rf "$work"
}
trap cleanup EXIT

if [ -n "$memory" ]; then
  case $memory in *[!0-9,]*|,*|*,|*,,*|"") echo "catalog bench: --memory takes sizes such as 1000,10000" >&2; exit 2 ;; esac
  n=$(printf '%s\n' "${memory//,/ }" | tr ' ' '\n' | sort -n | tail -1)
fi
port=$(free_port); src=127.0.0.1:$port
pids+=("$(start_registry "$work/src" "$port")")
log "catalog bench: pushing $n images"
/usr/bin/python3 "$root/scripts/bench.d/push_catalog.py" "$src" "$n" "$work/images.txt" 65536,131072 524288 0
"$root/scripts/airlock-export" keygen --uid "bench <bench@airlock.invalid>" --key "$work/k.asc" --cert "$work/k.pub.asc" >/dev/null
printf 'images:\n' > "$work/config.yaml"
sed 's/^/  - /' "$work/images.txt" >> "$work/config.yaml"
{ printf '%s:\n  tls-verify: false\n  images:\n' "$src"
  sed "s|^$src/||; s|^\(.*\):\(.*\)$|    \1: [\"\2\"]|" "$work/images.txt"; } > "$work/sync.yaml"

target_pid=""
new_target() {   # a fresh, empty target registry; sets $dst
  [ -n "$target_pid" ] && { kill "$target_pid" 2>/dev/null || true; wait "$target_pid" 2>/dev/null || true; }
  rm -rf "$work/dst"
  local p; p=$(free_port); while [ "$p" = "$port" ]; do p=$(free_port); done
  dst=127.0.0.1:$p
  target_pid=$(start_registry "$work/dst" "$p")
  pids+=("$target_pid")
}
timed() {   # timed NAME CMD... -> appends "NAME seconds rss_kb" to times
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/out.txt" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  t1=$(date +%s.%N)
  local took; took=$(awk "BEGIN{print $t1 - $t0}")
  case $name in floor_*) took=$(tail -1 "$work/out.txt") ;; esac   # the floor's timed part alone
  echo "$name $took $(tail -1 "$work/rss")" >> "$work/times"
  log "catalog bench: $name $(awk "BEGIN{printf \"%.2f\", $took}") s"
}
exp=("$root/scripts/airlock-export" bundle --config "$work/config.yaml" --channel cat --key "$work/k.asc"
  --out "$work/out" --state "$work/state" --plain-http "$src" --progress=none)

if [ -n "$memory" ]; then
  cp "$work/config.yaml" "$work/config.all.yaml"
  measured() {   # measured NAME SIZE CMD...: one run for peak RSS, one with AIRLOCK_TRACE=heap
    local name=$1 size=$2; shift 2
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/out.txt" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    local rss; rss=$(awk '{printf "%d", $1/1024}' "$work/rss")
    echo "$name $size rss $rss" >> "$work/memory"
    log "catalog bench: $name of $size images: peak RSS $rss MB"
  }
  heap() {   # heap NAME SIZE CMD...
    local name=$1 size=$2; shift 2
    AIRLOCK_TRACE=heap "$@" >"$work/out.txt" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    local mb; mb=$(sed -n 's/^heap-after-gc peak=\([0-9]*\).*/\1/p' "$work/err" | awk '{printf "%.1f", $1/1048576}')
    echo "$name $size heap $mb" >> "$work/memory"
    log "catalog bench: $name of $size images: heap after a full collection at most $mb MB"
  }
  : > "$work/memory"
  rm -rf "$work/out" "$work/state"
  "${exp[@]}" --full >/dev/null   # warms page cache, registry, start-up archives: not counted
  for size in ${memory//,/ }; do
    head -n "$((size + 1))" "$work/config.all.yaml" > "$work/config.yaml"
    for how in measured heap; do
      rm -rf "$work/out" "$work/state" "$work/istate"
      $how export "$size" "${exp[@]}" --full
      $how delta "$size" "${exp[@]}"
      new_target
      $how import "$size" "$root/scripts/airlock-import" import "$work/out/cat-000001.airlock.tar" --trust "$work/k.pub.asc" \
        --registry "$dst/mirror" --plain-http "$dst" --state "$work/istate" --progress=none
    done
  done
  mem() { for size in ${memory//,/ }; do awk -v k="$1" -v s="$size" -v w="$2" '$1==k && $2==s && $3==w {print $4}' "$work/memory"; done | paste -sd,; }
  printf 'catalog memory (512 KiB shared base + 64 + 128 KiB unique layers; heap: largest left after a full collection):\n'
  for size in ${memory//,/ }; do
    printf '  %6d images:' "$size"
    for k in export delta import; do
      printf '  %s RSS %s MB heap %s MB' "$k" "$(awk -v k=$k -v s=$size '$1==k && $2==s && $3=="rss" {print $4}' "$work/memory")" \
        "$(awk -v k=$k -v s=$size '$1==k && $2==s && $3=="heap" {print $4}' "$work/memory")"
    done
    printf '\n'
  done
  echo "catalog-memory sizes=$memory export_rss_mb=$(mem export rss) delta_rss_mb=$(mem delta rss) import_rss_mb=$(mem import rss)" \
    "export_heap_mb=$(mem export heap) delta_heap_mb=$(mem delta heap) import_heap_mb=$(mem import heap)"
  exit 0
fi

: > "$work/times"
for r in $(seq 0 "$reps"); do   # run 0 (airlock only) warms page cache, registry, start-up archives: not counted
  rm -rf "$work/sk" "$work/out" "$work/state" "$work/istate"
  [ "$r" = 0 ] || timed skopeo_export skopeo sync --src yaml --dest dir "$work/sync.yaml" "$work/sk"
  timed export "${exp[@]}" --full
  timed delta "${exp[@]}"
  if [ "$r" != 0 ]; then
    new_target
    timed skopeo_import skopeo sync --src dir --dest docker --dest-tls-verify=false "$work/sk" "$dst/sk"
    timed floor_export /usr/bin/python3 "$root/scripts/bench.d/catalog_floor.py" export "$src" "$work/images.txt"
    new_target
    timed floor_import /usr/bin/python3 "$root/scripts/bench.d/catalog_floor.py" import "$src" "$work/images.txt" "$dst"
  fi
  new_target
  timed import "$root/scripts/airlock-import" import "$work/out/cat-000001.airlock.tar" --trust "$work/k.pub.asc" \
    --registry "$dst/mirror" --plain-http "$dst" --state "$work/istate" --progress=none
  if [ "$r" = 0 ]; then cp "$work/times" "$work/times.warm"; : > "$work/times"; fi
done
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
m() { awk -v k="$1" '$1==k{print $2}' "$work/times" | median; }
rss() { awk -v k="$1" '$1==k{print $3}' "$work/times" | sort -n | tail -1 | awk '{printf "%d", $1/1024}'; }
ex=$(m export) sex=$(m skopeo_export) im=$(m import) sim=$(m skopeo_import) de=$(m delta)
fex=$(m floor_export) fim=$(m floor_import)
er=$(awk "BEGIN{printf \"%.2f\", $ex / $sex}") ir=$(awk "BEGIN{printf \"%.2f\", $im / $sim}")
fer=$(awk "BEGIN{printf \"%.2f\", $fex / $sex}") fir=$(awk "BEGIN{printf \"%.2f\", $fim / $sim}")
printf 'catalog of %d images (512 KiB shared base + 64 + 128 KiB unique layers), medians of %d:\n' "$n" "$reps"
printf '  export  airlock %.2f s  skopeo sync %.2f s  ratio %s (goal <= 0.2)  peak RSS %s MB\n' "$ex" "$sex" "$er" "$(rss export)"
printf '  import  airlock %.2f s  skopeo sync %.2f s  ratio %s (goal <= 0.2)  peak RSS %s MB\n' "$im" "$sim" "$ir" "$(rss import)"
printf '  unchanged channel, next delta: %.2f s (goal < 2 s, JVM start included)\n' "$de"
printf '  request floor (raw HTTP, 8 threads, nothing else): export %.2f s = %s x skopeo sync, import %.2f s = %s x\n' "$fex" "$fer" "$fim" "$fir"
echo "catalog-bench images=$n export=$ex skopeo_export=$sex import=$im skopeo_import=$sim delta=$de export_ratio=$er import_ratio=$ir floor_export=$fex floor_import=$fim floor_export_ratio=$fer floor_import_ratio=$fir rss_export_mb=$(rss export) rss_import_mb=$(rss import)"
