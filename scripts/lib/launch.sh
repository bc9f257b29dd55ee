# Shared by scripts/airlock-export and scripts/airlock-import: picks a JVM and runs the jar.
#
# JVM: AIRLOCK_JAVA_HOME if set, else a release's own runtime (runtime/ beside lib/), else the newest JDK (17 or later) among JAVA_HOME and
# /usr/lib/jvm/*, else `java` on PATH. The jars target Java 17; a newer runtime starts and exits
# faster (JDK 21+ can close the HTTP client's selector thread, which JDK 17 waits 300 ms for at exit).
#
# Start-up: main commands use a class-data archive next to the jar, made from the first run and
# renewed when the jar changes, so later runs map classes instead of loading them: an AOT cache
# on JDK 25 and later (recorded silently, built in the background), dynamic AppCDS before.
# Only a successful run of bundle or import (not --help) trains it; plan, verify, list, diff, watch, serve and load use it too.
# Temporary files: in $TMPDIR when set (passed as java.io.tmpdir), else /tmp.
# JVM flags: AIRLOCK_JAVA_OPTS (default: serial GC, 192 MiB heap, since heap use does not grow with
# bundle size; JIT thresholds x5, which keeps the compilers from spending start-up on code that runs
# once while the hot loops (hashing, copying) still compile within milliseconds; measured by scripts/bench;
# push compiles its SSH and cipher code sooner instead, and only the JDK's cipher provider with C2
# (push-jit.json): its SFTP throughput is set by how soon C2 compiles AES-GCM, and by how much CPU the
# compilers leave the bastion's sshd on a small machine).

airlock_launch() {
  local jar=$1
  shift
  if [ ! -f "$jar" ]; then
    echo "airlock: $jar is missing; build first: mvn -q -DskipTests package" >&2
    exit 2
  fi
  # Only shell builtins until the JVM starts: every forked helper costs milliseconds here.
  local java=java best=0 v home line homes=${AIRLOCK_JAVA_HOME:-${JAVA_HOME:-} /usr/lib/jvm/*}
  # A release (install.sh) carries its own runtime beside lib/: that one, unless AIRLOCK_JAVA_HOME names another.
  [ -n "${AIRLOCK_JAVA_HOME:-}" ] || [ ! -x "${jar%/*}/../runtime/bin/java" ] || homes=${jar%/*}/../runtime
  for home in $homes; do
    [ -x "$home/bin/java" ] && [ -f "$home/release" ] || continue
    v=""
    while IFS= read -r line; do
      case $line in JAVA_VERSION=*) v=${line#JAVA_VERSION=\"}; v=${v%%[!0-9]*}; break ;; esac
    done < "$home/release"
    if [ -n "$v" ] && [ "$v" -ge 17 ] && [ "$v" -gt "$best" ]; then best=$v; java=$home/bin/java; fi
    [ -n "${AIRLOCK_JAVA_HOME:-}" ] && break
  done
  local defaults="-XX:+UseSerialGC -Xmx192m -XX:CompileThresholdScaling=5"
  # push spends its time in a few hot loops (AES-GCM, the SSH channel): those (the JDK's cipher
  # provider and MINA SSHD) compile sooner than by default, everything else 5 times later, and
  # push-jit.json (beside this file) keeps C2 for the cipher provider only, the rest is C1's: 1.3
  # instead of 1.9 user CPU-s for a 1 GiB push, 2.38 s against 2.79 s on 2 cores (medians of 5
  # alternating runs). "quiet" and -DisplayVMOutput: the JVM would print each CompileCommand and
  # "2 compiler directives added" on stdout.
  [ "${1:-}" != push ] || defaults="-XX:+UseSerialGC -Xmx192m -XX:CompileThresholdScaling=5 -XX:CompileCommand=quiet
    -XX:CompileCommand=CompileThresholdScaling,com/sun/crypto/provider/*.*,0.2
    -XX:CompileCommand=CompileThresholdScaling,org/apache/sshd/*.*,0.05"
  # Every other command: jit.json keeps C2 for hashing only (SHA-256, Bouncy Castle's digests), the
  # rest is C1's: C2 spent some 0.7 of the 2.6 CPU-s of a 1,000-image delta compiling code that runs
  # a few thousand times (see jit.json). A path with a space is not passed (the flags are split on spaces).
  local jit=${BASH_SOURCE[0]%/*}/jit.json
  [ "${1:-}" != push ] || jit=${BASH_SOURCE[0]%/*}/push-jit.json
  [ ! -f "$jit" ] || [ "${jit#* }" != "$jit" ] || defaults="$defaults -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput -XX:CompilerDirectivesFile=$jit"
  local opts=(${AIRLOCK_JAVA_OPTS:-$defaults})
  # $TMPDIR, where temporary files go (a decompressed .tar.gz docker archive): the JVM itself reads
  # only java.io.tmpdir, always /tmp on Linux. First, so that a -Djava.io.tmpdir in AIRLOCK_JAVA_OPTS wins.
  [ -z "${TMPDIR:-}" ] || opts=("-Djava.io.tmpdir=$TMPDIR" "${opts[@]}")
  # One archive per JVM version, used only while it is newer than the jar: a rebuilt jar never
  # meets a stale archive (which the JVM may keep using half-way, slower than none).
  # The main commands use the archive. Only the commands that exercise everything (bundle,
  # import) train it, and only by a successful real run: a first run that asks for --help, fails
  # early or only verifies would leave an archive without the classes the others need. push (the
  # SSH client, its key exchange and ciphers) has an archive of its own, trained by its first run.
  local use=no train=no a tag=""
  case "${1:-}" in bundle|import) use=yes train=yes ;; plan|verify|list|diff|watch|serve|load) use=yes ;; push) use=yes train=yes tag=-push ;; esac
  for a in "$@"; do case $a in -h|--help|-V|--version) use=no train=no ;; esac; done
  local jsa="${jar%.jar}$tag-java$best.jsa" aot="${jar%.jar}$tag-java$best.aot"
  [ ! -f "$jsa" ] || [ "$jsa" -nt "$jar" ] || rm -f "$jsa"
  [ ! -f "$aot" ] || [ "$aot" -nt "$jar" ] || rm -f "$aot"
  if [ "$use" = yes ] && [ "$best" -ge 25 ]; then
    if [ -f "$aot" ]; then
      # JDK 25: an AOT cache of loaded, linked classes and method profiles (JEP 483, 514, 515).
      exec "$java" "${opts[@]}" -XX:AOTCache="$aot" -Xlog:aot=off -Xlog:cds=off -jar "$jar" "$@"
    elif [ "$train" = yes ] && [ -w "${jar%/*}" ]; then
      # First run: record what this command loads (silently: the JVM would print to stdout), then
      # build the cache in the background so this run is not kept waiting.
      local conf="$aot.$$.conf" rc
      set +e
      "$java" "${opts[@]}" -XX:AOTMode=record -XX:AOTConfiguration="$conf" -Xlog:all=off \
        -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput -jar "$jar" "$@"
      rc=$?
      set -e
      if [ $rc = 0 ] && [ -s "$conf" ]; then
        ( "$java" "${opts[@]}" -XX:AOTMode=create -XX:AOTConfiguration="$conf" -XX:AOTCache="$aot.$$.tmp" -Xlog:all=off \
            -jar "$jar" >/dev/null 2>&1 && mv -f "$aot.$$.tmp" "$aot"; rm -f "$conf" "$aot.$$.tmp" ) >/dev/null 2>&1 &
      else
        rm -f "$conf"
      fi
      exit $rc
    fi
  elif [ "$use" = yes ]; then
    # JDK 17 to 24: a dynamic class-data archive written at the end of the first successful run.
    if [ -f "$jsa" ]; then
      exec "$java" "${opts[@]}" -XX:SharedArchiveFile="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" "$@"
    elif [ "$train" = yes ] && [ -w "${jar%/*}" ]; then
      local tmp="$jsa.$$.tmp" rc
      set +e
      "$java" "${opts[@]}" -XX:ArchiveClassesAtExit="$tmp" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" "$@"
      rc=$?
      set -e
      if [ $rc = 0 ] && [ -s "$tmp" ]; then mv -f "$tmp" "$jsa"; else rm -f "$tmp"; fi
      exit $rc
    fi
  fi
  exec "$java" "${opts[@]}" -jar "$jar" "$@"
}
