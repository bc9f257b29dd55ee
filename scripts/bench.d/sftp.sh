#!/usr/bin/env bash
# SFTP push against OpenSSH's own sftp, same file, same loopback sshd, same run.
#
#   scripts/bench.d/sftp.sh [--file FILE | --size 1G] [--reps N]
#
# Starts OpenSSH's sshd on a free loopback port (own host key, authorized_keys, internal-sftp), then,
# after one untimed round of each (which also trains airlock's start-up archive for push, as a
# site's first push does), alternates
#   airlock-export push FILE --to sftp://USER@127.0.0.1:PORT/DIR     (default settings)
#   sftp -b - ... <<< "put -f FILE"    (OpenSSH's defaults; -f: fsync@openssh.com, as airlock does)
#   sftp -b - ... <<< "put FILE"       (the same without the fsync)
# each into an empty DIR after `sync`, and prints medians and the throughput ratios airlock/sftp
# (target: at least 0.9). For reference it also times sftp with airlock's cipher (aes128-gcm).
# scripts/bench runs it on its 1 GiB bundle; alone it makes a random file of --size.
# Last line on stdout: "sftp-bench airlock=S sftp_f=S sftp=S sftp_gcm=S ratio_f=R ratio=R bytes=N" for scripts/bench.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/lib/registry.sh"   # free_port

file="" size=1G reps=5
while [ $# -gt 0 ]; do
  case $1 in
    --file) file=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "sftp bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
log() { printf '%s\n' "$*" >&2; }

if [ ! -x /usr/sbin/sshd ] || ! command -v sftp >/dev/null; then
  log "sftp bench: installing openssh-server openssh-client"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server openssh-client >/dev/null
fi
[ -f "$root/exporter/target/airlock-export.jar" ] || (cd "$root" && mvn -q -B -DskipTests package)

work=$(mktemp -d /tmp/airlock-sftp-bench.XXXXXX)
sshd_pid=""
cleanup() { [ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

if [ -z "$file" ]; then
  case $size in
    *G|*g) n=$(( ${size%[Gg]} * 1024 )) ;;
    *M|*m) n=${size%[Mm]} ;;
    *) n=$(( size / 1048576 )) ;;
  esac
  file=$work/bundle-000001.airlock.tar
  head -c $(( n * 1048576 )) /dev/urandom > "$file"
fi
bytes=$(stat -c%s "$file")

# --- the bastion: OpenSSH's sshd as a plain process ---------------------------------------------
user=$(id -un)
port=$(free_port)
mkdir -p "$work/inbox"
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/id"
cp "$work/id.pub" "$work/authorized_keys"
cat > "$work/sshd_config" <<CFG
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile none
UsePAM no
StrictModes no
UseDNS no
PermitRootLogin prohibit-password
AuthorizedKeysFile $work/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
Subsystem sftp internal-sftp
CFG
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$work/sshd_config" -p "$port" 2>"$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
echo "[127.0.0.1]:$port $(cat "$work/host_key.pub")" > "$work/known_hosts"

name=$(basename "$file")
airlock_push() {
  "$root/scripts/airlock-export" push "$file" --to "sftp://$user@127.0.0.1:$port$work/inbox" --identity "$work/id" \
    --known-hosts "$work/known_hosts" --progress=none >/dev/null
}
sftp_cmd() {   # sftp_cmd "put ..." [extra ssh options...]
  local cmd=$1
  shift
  sftp -q -b - -i "$work/id" -o UserKnownHostsFile="$work/known_hosts" -o BatchMode=yes "$@" -P "$port" "$user@127.0.0.1" \
    >/dev/null <<< "$cmd $file $work/inbox/$name"
}
sftp_put_f() { sftp_cmd "put -f"; }
sftp_put() { sftp_cmd put; }
sftp_gcm() { sftp_cmd "put -f" -c aes128-gcm@openssh.com; }
results=$work/results
: > "$results"
timed() {   # timed TOOL FUNCTION
  rm -f "$work/inbox/$name" "$work/inbox/$name.part"
  sync
  local t0 t1
  t0=$(date +%s.%N)
  "$2" || { log "sftp bench: $1 failed"; cat "$work/sshd.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  cmp -s "$file" "$work/inbox/$name" || { log "sftp bench: $1 delivered a different file"; exit 1; }
  echo "$1 $(awk "BEGIN{print $t1 - $t0}")" >> "$results"
}

log "sftp bench: warm-up round (not timed; trains airlock's start-up archive for push)"
rm -f "$root"/exporter/target/airlock-export-push-java*.aot "$root"/exporter/target/airlock-export-push-java*.jsa
timed warmup airlock_push; timed warmup sftp_put
for _ in $(seq 1 60); do compgen -G "$root/exporter/target/*push*.conf" >/dev/null || break; sleep 0.5; done
: > "$results"
for rep in $(seq 1 "$reps"); do
  log "sftp bench: round $rep of $reps"
  if [ $((rep % 2)) = 1 ]; then order="airlock sftp_f sftp gcm"; else order="gcm sftp sftp_f airlock"; fi
  for t in $order; do
    case $t in
      airlock) timed airlock airlock_push ;; sftp_f) timed sftp_f sftp_put_f ;; sftp) timed sftp sftp_put ;; gcm) timed sftp_gcm sftp_gcm ;;
    esac
  done
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
of() { awk -v t="$1" '$1==t {print $2}' "$results" | median; }
a=$(of airlock); f=$(of sftp_f); s=$(of sftp); g=$(of sftp_gcm)
mib() { awk "BEGIN{printf \"%.0f\", $bytes / 1048576 / $1}"; }
ratio_f=$(awk "BEGIN{printf \"%.2f\", $f / $a}")
ratio=$(awk "BEGIN{printf \"%.2f\", $s / $a}")
echo
echo "sftp push of $((bytes >> 20)) MiB to loopback sshd ($(/usr/sbin/sshd -V 2>&1 | head -1 | cut -d, -f1)), $reps runs each, medians; $(nproc) cores"
printf '  airlock-export push          %6.2f s  %5s MiB/s  (aes128-gcm, 255 KiB writes, pipelined, fsync, rename)\n' "$a" "$(mib "$a")"
printf '  sftp put -f (defaults)       %6.2f s  %5s MiB/s  (chacha20-poly1305, fsync)\n' "$f" "$(mib "$f")"
printf '  sftp put (defaults)          %6.2f s  %5s MiB/s  (chacha20-poly1305, no fsync)\n' "$s" "$(mib "$s")"
printf '  sftp put -f -c aes128-gcm    %6.2f s  %5s MiB/s  (for reference: airlock'"'"'s cipher)\n' "$g" "$(mib "$g")"
printf '  throughput airlock/sftp: %.2f against put -f (the same work), %.2f against put (target >= 0.90)\n' "$ratio_f" "$ratio"
echo "sftp-bench airlock=$a sftp_f=$f sftp=$s sftp_gcm=$g ratio_f=$ratio_f ratio=$ratio bytes=$bytes"
