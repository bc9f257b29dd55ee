#!/usr/bin/env bash
# How soon `airlock-import watch` picks up a complete bundle after its rename into the inbox.
#
#   scripts/bench.d/watch.sh --file BUNDLE --trust CERT.asc [--reps N]
#
# Starts a loopback registry and `airlock-import watch` (default settings: inotify, --settle 1s)
# on an empty inbox; imports BUNDLE once, then N times writes a fresh copy of it under a dot name
# (as every sender does), renames it into the inbox and times the rename to the watcher's
# "picked up" line (each copy is then a duplicate, moved to done/). The copy is written just before
# its rename, so each pickup includes the settle time, as for a bundle that arrives over SFTP or the
# diode. Target: at most 2 s.
# Last line on stdout: "watch-bench median=S max=S reps=N" for scripts/bench.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/lib/registry.sh"   # free_port, start_registry

file="" trust="" reps=5
while [ $# -gt 0 ]; do
  case $1 in
    --file) file=$2; shift 2 ;;
    --trust) trust=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "watch bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$file" ] && [ -n "$trust" ] || { echo "watch bench: give --file BUNDLE --trust CERT.asc" >&2; exit 2; }
log() { printf '%s\n' "$*" >&2; }

work=$(mktemp -d /tmp/airlock-watch-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
pids+=("$(start_registry "$work/registry" "$port")")
mkdir -p "$work/inbox"
"$root/scripts/airlock-import" watch "$work/inbox" --trust "$trust" --registry "127.0.0.1:$port/bench" \
  --plain-http "127.0.0.1:$port" --state "$work/state" --progress=none > "$work/watch.log" 2>&1 &
watch_pid=$!
pids+=("$watch_pid")
for _ in $(seq 1 200); do grep -q "^.* watching " "$work/watch.log" && break; sleep 0.05; done

name=$(basename "$file" .tar)
deliver() {   # deliver NAME: copy under a dot name, rename in, print seconds until "picked up NAME"
  local n=$1 t0 t1
  cp "$file" "$work/inbox/.$n.part"
  t0=$(date +%s.%N)
  mv "$work/inbox/.$n.part" "$work/inbox/$n"
  until grep -q "picked up $n:" "$work/watch.log"; do
    kill -0 "$watch_pid" 2>/dev/null || { log "watch bench: the watcher ended"; cat "$work/watch.log" >&2; exit 1; }
    sleep 0.005
  done
  t1=$(date +%s.%N)
  awk "BEGIN{print $t1 - $t0}"
}
deliver "$name.tar" > /dev/null
until grep -q "imported $name.tar" "$work/watch.log"; do
  grep -q "rejected $name.tar" "$work/watch.log" && { cat "$work/watch.log" >&2; exit 1; }
  sleep 0.05
done
: > "$work/times"
for i in $(seq 1 "$reps"); do
  deliver "$name-copy$i.tar" >> "$work/times"
  until grep -q "duplicate $name-copy$i.tar" "$work/watch.log"; do sleep 0.02; done
done
kill -TERM "$watch_pid"; wait "$watch_pid" || { log "watch bench: the watcher did not exit 0 on SIGTERM"; exit 1; }
median=$(sort -n "$work/times" | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}')
max=$(sort -n "$work/times" | tail -1)
printf 'watch: picked up %s s after its rename into the inbox (median of %d, max %s s; target <= 2 s)\n' "$median" "$reps" "$max"
echo "watch-bench median=$median max=$max reps=$reps"
