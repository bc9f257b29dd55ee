# Shared by scripts/airlock-export and scripts/airlock-import: picks a JVM and runs the jar.
#
# JVM: AIRLOCK_JAVA_HOME if set, else the newest JDK (17 or later) among JAVA_HOME and
# /usr/lib/jvm/*, else `java` on PATH. The jars target Java 17; a newer runtime starts and exits
# faster (JDK 21+ can close the HTTP client's selector thread, which JDK 17 waits 300 ms for at exit).
#
# Start-up: main commands use a class-data archive next to the jar, made from the first run and
# renewed when the jar changes, so later runs map classes instead of loading them: an AOT cache
# on JDK 25 and later (recorded silently, built in the background), dynamic AppCDS before.
# Extra JVM flags: AIRLOCK_JAVA_OPTS (default: serial GC, 192 MiB heap; heap use does not grow with bundle size).

airlock_launch() {
  local jar=$1
  shift
  if [ ! -f "$jar" ]; then
    echo "airlock: $jar is missing; build first: mvn -q -DskipTests package" >&2
    exit 2
  fi
  local java=java best=0 v home
  for home in ${AIRLOCK_JAVA_HOME:-${JAVA_HOME:-} /usr/lib/jvm/*}; do
    [ -x "$home/bin/java" ] && [ -f "$home/release" ] || continue
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
    if [ -n "$v" ] && [ "$v" -ge 17 ] && [ "$v" -gt "$best" ]; then best=$v; java=$home/bin/java; fi
    [ -n "${AIRLOCK_JAVA_HOME:-}" ] && break
  done
  local opts=(${AIRLOCK_JAVA_OPTS:--XX:+UseSerialGC -Xmx192m})
  # The archive is named after the JVM and the jar's build time: a rebuilt jar never meets a stale
  # archive (which the JVM may keep using half-way, slower than none).
  local stamp
  stamp=$(stat -c %Y "$jar")
  local jsa="${jar%.jar}-java$best-$stamp.jsa" aot="${jar%.jar}-java$best-$stamp.aot"
  if [ ! -f "$jsa" ] && [ ! -f "$aot" ]; then rm -f "${jar%.jar}"-java*.jsa "${jar%.jar}"-java*.aot 2>/dev/null || true; fi
  case "${1:-}" in
    bundle|plan|import|verify)
      if [ "$best" -ge 25 ] && [ -f "$aot" ]; then
        # JDK 25: an AOT cache of loaded, linked classes and method profiles (JEP 483, 514, 515).
        exec "$java" "${opts[@]}" -XX:AOTCache="$aot" -Xlog:aot=off -Xlog:cds=off -jar "$jar" "$@"
      elif [ "$best" -ge 25 ] && [ -w "$(dirname "$jar")" ]; then
        # First run: record what this command loads (silently: the JVM would print to stdout), then
        # build the cache in the background so this run is not kept waiting.
        local conf="$aot.$$.conf" rc
        set +e
        "$java" "${opts[@]}" -XX:AOTMode=record -XX:AOTConfiguration="$conf" -Xlog:all=off \
          -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput -jar "$jar" "$@"
        rc=$?
        set -e
        if [ -s "$conf" ]; then
          ( "$java" "${opts[@]}" -XX:AOTMode=create -XX:AOTConfiguration="$conf" -XX:AOTCache="$aot.$$.tmp" -Xlog:all=off \
              -jar "$jar" >/dev/null 2>&1 && mv -f "$aot.$$.tmp" "$aot"; rm -f "$conf" "$aot.$$.tmp" ) >/dev/null 2>&1 &
        fi
        exit $rc
      elif [ "$best" -ge 19 ] && [ -w "$(dirname "$jar")" ]; then
        exec "$java" "${opts[@]}" -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" "$@"
      elif [ -f "$jsa" ] && [ "$jsa" -nt "$jar" ]; then
        exec "$java" "${opts[@]}" -XX:SharedArchiveFile="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" "$@"
      elif [ -w "$(dirname "$jar")" ]; then
        local tmp="$jsa.$$.tmp" rc
        set +e
        "$java" "${opts[@]}" -XX:ArchiveClassesAtExit="$tmp" -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" "$@"
        rc=$?
        set -e
        if [ -s "$tmp" ]; then mv -f "$tmp" "$jsa"; else rm -f "$tmp"; fi
        exit $rc
      fi
      ;;
  esac
  exec "$java" "${opts[@]}" -jar "$jar" "$@"
}
