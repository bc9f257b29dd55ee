#!/usr/bin/env bash
# The diode path against udpcast alone, same file, same settings, same run, over loopback.
#
#   scripts/bench.d/diode.sh [--file FILE | --size 1G] [--reps N] [--max-bitrate R] [--fec SPEC]
#
# Alternates, after one untimed round of each,
#   udpcast:  udp-receiver --passive --file OUT   <-  udp-sender --async --fec SPEC --max-bitrate R --file FILE
#   diode:    scripts/diode-receive --sessions 1 DIR   <-  scripts/diode-send --copies 1 FILE
#             (the same udpcast settings, plus framing, a sha256 on each side, fsync and rename)
# each from the sender's start until the receiver has exited with the file complete, into an empty
# target after `sync`; a run that loses data (more than FEC rebuilds at this rate on this machine)
# is repeated, up to 3 times. Prints medians and the throughput ratio diode/udpcast (target >= 0.8).
# scripts/bench runs it on its 1 GiB bundle; alone it makes a random file of --size.
# Last line on stdout: "diode-bench udpcast=S diode=S ratio=R bytes=N rate=R" for scripts/bench.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

file="" size=1G reps=5 rate=600m fec=8x8/128
while [ $# -gt 0 ]; do
  case $1 in
    --file) file=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --max-bitrate) rate=$2; shift 2 ;;
    --fec) fec=$2; shift 2 ;;
    *) echo "diode bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { printf '%s\n' "$*" >&2; }
if ! command -v udp-sender >/dev/null; then
  log "diode bench: installing udpcast"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq udpcast >/dev/null
fi

work=$(mktemp -d /tmp/airlock-diode-bench.XXXXXX)
rx_pid=""
cleanup() { [ -z "$rx_pid" ] || kill "$rx_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
trap "exit 1" INT TERM
if [ -z "$file" ]; then
  case $size in
    *G|*g) n=$(( ${size%[Gg]} * 1024 )) ;;
    *M|*m) n=${size%[Mm]} ;;
    *) n=$(( size / 1048576 )) ;;
  esac
  file=$work/bench-000001.airlock.tar
  head -c $(( n * 1048576 )) /dev/urandom > "$file"
fi
bytes=$(stat -c%s "$file")
name=$(basename "$file")
# The bundle alone, as udpcast alone gets it: diode-send also sends a NAME.report.md lying beside it.
mkdir -p "$work/src"
ln "$file" "$work/src/$name" 2>/dev/null || cp "$file" "$work/src/$name"
file=$work/src/$name
port=$(( 20000 + 2 * (RANDOM % 10000) ))
mkdir -p "$work/in"

udpcast_run() {
  udp-receiver --passive --nosync --nokbd --exit-wait 0 --rcvbuf 4194304 --interface lo --portbase "$port" \
    --receive-timeout 10 --file "$work/in/$name" 2>/dev/null &
  rx_pid=$!
  sleep 0.2
  udp-sender --async --fec "$fec" --max-bitrate "$rate" --autostart 5 --rexmit-hello-interval 100 --nokbd --interface lo \
    --portbase "$port" --file "$file" >/dev/null 2>&1
  wait "$rx_pid" || true
  rx_pid=""
}
diode_run() {
  "$root/scripts/diode-receive" --interface lo --port "$port" --sessions 1 "$work/in" > "$work/rx.out" 2>&1 &
  rx_pid=$!
  sleep 0.2
  "$root/scripts/diode-send" --interface lo --port "$port" --copies 1 --max-bitrate "$rate" --fec "$fec" "$file" >/dev/null
  wait "$rx_pid" || true
  rx_pid=""
}
results=$work/results
: > "$results"
timed() {   # timed TOOL FUNCTION: the median counts complete deliveries only
  local t0 t1 try
  for try in 1 2 3; do
    rm -rf "$work/in" && mkdir -p "$work/in"
    sync
    t0=$(date +%s.%N)
    "$2"
    t1=$(date +%s.%N)
    if [ -f "$work/in/$name" ] && [ "$(stat -c%s "$work/in/$name")" = "$bytes" ]; then
      echo "$1 $(awk "BEGIN{print $t1 - $t0}")" >> "$results"
      return
    fi
    echo "$1" >> "$work/lost"
    log "diode bench: $1 lost data at $rate (try $try), again"
  done
  log "diode bench: $1 failed 3 times at --max-bitrate $rate"; return 1
}

# The warm-up also finds a rate this machine carries without loss right now: udpcast alone drops
# data when the receiver's writes stall (page-cache writeback after gigabytes written), so the rate
# steps down (x 2/3, three times at most) rather than ending the bench; the rate used is printed.
log "diode bench: warm-up round (not timed)"
for step in 1 2 3 4; do
  if timed warmup udpcast_run && timed warmup diode_run; then
    break
  fi
  [ "$step" -lt 4 ] || { log "diode bench: no rate down to $rate carried the file whole"; exit 1; }
  n=${rate%[mMkKgG]}; unit=${rate#"$n"}
  rate=$(( n * 2 / 3 ))$unit
  log "diode bench: stepping down to --max-bitrate $rate"
done
: > "$results"; : > "$work/lost"
for rep in $(seq 1 "$reps"); do
  log "diode bench: round $rep of $reps"
  if [ $((rep % 2)) = 1 ]; then order="udpcast diode"; else order="diode udpcast"; fi
  for t in $order; do timed "$t" "${t}_run" || exit 1; done
done
cmp -s "$file" "$work/in/$name" || { log "diode bench: the last diode run delivered a different file"; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
of() { awk -v t="$1" '$1==t {print $2}' "$results" | median; }
u=$(of udpcast); d=$(of diode)
mib() { awk "BEGIN{printf \"%.0f\", $bytes / 1048576 / $1}"; }
ratio=$(awk "BEGIN{printf \"%.2f\", $u / $d}")
echo
echo "diode over loopback, $((bytes >> 20)) MiB, --max-bitrate $rate --fec $fec, $reps runs each, medians; $(nproc) cores"
printf '  udpcast alone (udp-sender --file, udp-receiver --file)  %6.2f s  %5s MiB/s\n' "$u" "$(mib "$u")"
printf '  diode-send | diode-receive (framing, sha256, rename)    %6.2f s  %5s MiB/s\n' "$d" "$(mib "$d")"
printf '  throughput diode/udpcast: %.2f (target >= 0.80); runs repeated for lost data: udpcast %d, diode %d\n' "$ratio" \
  "$(grep -c '^udpcast$' "$work/lost" || true)" "$(grep -c '^diode$' "$work/lost" || true)"
echo "diode-bench udpcast=$u diode=$d ratio=$ratio bytes=$bytes rate=$rate"
