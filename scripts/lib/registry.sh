# Helpers to run Debian's docker-registry on free loopback ports (sourced by demo and bench).

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on. Taken below the kernel's
# ephemeral range (net.ipv4.ip_local_port_range, 32768 and up by default), so that no outgoing
# connection made meanwhile holds it when the registry binds.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % 12000) + 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# start_registry DIR PORT: starts a plain-HTTP registry storing under DIR; prints its PID.
start_registry() {
  local dir=$1 port=$2
  mkdir -p "$dir/data"
  cat > "$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$pid"
      return 0
    fi
    sleep 0.05
  done
  echo "registry on port $port did not start: $(cat "$dir/registry.log")" >&2
  return 1
}

# make_layer FILE BYTES: writes BYTES of random (incompressible) data.
make_layer() {
  head -c "$2" /dev/urandom > "$1"
}

# oci_image LAYOUT REF LAYER...: adds an image made of the given layer files (uncompressed tar
# media type) to an OCI layout directory, tagged REF.
oci_image() {
  local layout=$1 ref=$2
  shift 2
  mkdir -p "$layout/blobs/sha256"
  [ -f "$layout/oci-layout" ] || echo '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  local layers="" diffs="" sep=""
  for f in "$@"; do
    local d s
    d=$(sha256sum "$f" | cut -d' ' -f1); s=$(stat -c%s "$f")
    cp "$f" "$layout/blobs/sha256/$d"
    layers="$layers$sep{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$s}"
    diffs="$diffs$sep\"sha256:$d\""
    sep=","
  done
  local cfg; cfg=$(mktemp)
  printf '{"architecture":"amd64","os":"linux","config":{"Labels":{"airlock.demo":"%s"}},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$ref" "$diffs" > "$cfg"
  local cd cs; cd=$(sha256sum "$cfg" | cut -d' ' -f1); cs=$(stat -c%s "$cfg"); mv "$cfg" "$layout/blobs/sha256/$cd"
  local man; man=$(mktemp)
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[%s]}' "$cd" "$cs" "$layers" > "$man"
  local md ms; md=$(sha256sum "$man" | cut -d' ' -f1); ms=$(stat -c%s "$man"); mv "$man" "$layout/blobs/sha256/$md"
  local entry="{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$md\",\"size\":$ms,\"annotations\":{\"org.opencontainers.image.ref.name\":\"$ref\"}}"
  if [ -f "$layout/index.json" ]; then
    sed -i "s#\"manifests\":\[#\"manifests\":[$entry,#" "$layout/index.json"
  else
    echo "{\"schemaVersion\":2,\"manifests\":[$entry]}" > "$layout/index.json"
  fi
}

# raw_digest REF [skopeo flags]: sha256 of the manifest bytes as skopeo sees them.
raw_digest() {
  local ref=$1
  shift
  echo "sha256:$(skopeo inspect --raw "$@" "docker://$ref" | sha256sum | cut -d' ' -f1)"
}
