# Shared by scripts/airlock-export and scripts/airlock-import: picks a JVM and runs the jar.
#
# JVM: AIRLOCK_JAVA_HOME if set, else the newest JDK (17 or later) among JAVA_HOME and
# /usr/lib/jvm/*, else `java` on PATH. The jars target Java 17; a newer runtime starts and exits
# faster (JDK 21+ can close the HTTP client's selector thread, which JDK 17 waits 300 ms for at exit).
#
# Start-up: main commands use a class-data archive next to the jar (AppCDS), written by the first
# run and refreshed when the jar changes, so later runs map classes instead of loading them.
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
  local jsa="${jar%.jar}-java$best-$stamp.jsa"
  if [ ! -f "$jsa" ]; then rm -f "${jar%.jar}"-java*.jsa 2>/dev/null || true; fi
  case "${1:-}" in
    bundle|plan|import|verify)
      if [ "$best" -ge 19 ] && [ -w "$(dirname "$jar")" ]; then
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
