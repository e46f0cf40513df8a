#!/usr/bin/env bash
# Benchmark of getting a multi-GB image into containerd, unpacked for overlayfs, in one run:
#   ctr-pull         `ctr -n k8s.io images pull` cold from docker-registry on 127.0.0.1 (what the
#                    kubelet's pull does; also the cost floor of serving a cache as a loopback mirror)
#   coldstart        `coldstart prewarm pull --import containerd`: fetch into an OCI layout cache, then
#                    import, coldstart writing the layers into snapshots (default --unpacker coldstart)
#   coldstart-ctd    the same with --unpacker containerd (containerd's own unpack)
#   import-only(-ctd) just the import of an already filled cache (the node-cache hit case), both ways
# Every row starts from a fresh containerd (own root/state/socket) and an empty cache; the registry's
# files and the layout are in the page cache for every row alike. Reports wall (median of RUNS), the
# CPU of the client and of containerd (its unpack work), peak RSS of both, and ctr-pull / row.
#
# Env: BIG_MB (image size budget, default 6000 -> about 3.5 GB of files), BIG_DIR (reuse a
# `make-test-images --set big` output), RUNS (default 3), OUT (default docs/bench-prewarm-import.md,
# - for stdout only), IMPORT_LAYOUT (test driver; default build/default/tests/import_layout),
# COLDSTART. Needs root (containerd).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${RUNS:-3}"
out="${OUT:-$root/docs/bench-prewarm-import.md}"
cs="${COLDSTART:-$root/build/default/apps/coldstart/coldstart}"
driver="${IMPORT_LAYOUT:-$root/build/default/tests/import_layout}"
[[ $(id -u) -eq 0 ]] || { echo "prewarm-import: needs root (containerd mounts overlayfs)" >&2; exit 1; }
[[ -x "$driver" ]] || "$root/scripts/build.sh" default >/dev/null
for tool in skopeo ctr containerd /usr/bin/time jq; do
  command -v "$tool" >/dev/null || { echo "prewarm-import: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

work="$(mktemp -d /tmp/cs-bench-XXXXXX)"  # short: the containerd socket path must fit a sockaddr_un
cleanup() {
  "$root/scripts/testenv" stop "$work/ctd" >/dev/null 2>&1 || true
  "$root/scripts/testenv" stop "$work/reg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export DOCKER_CONFIG="$work/no-docker-config"
eval "$("$root/scripts/testenv" start "$work/reg" registry plain)"

img="${BIG_DIR:-$work/img}"
if [[ ! -f "$img/big/index.json" ]]; then
  echo "prewarm-import: building the big image (${BIG_MB:-6000} MB budget)" >&2
  "$root/scripts/make-test-images" "$img" --set big --big-mb "${BIG_MB:-6000}" >&2
fi
skopeo copy -q --dest-tls-verify=false "oci:$img/big:latest" "docker://$REGISTRY/bench/big:latest"
ref="$REGISTRY/bench/big:latest"
compressed="$(jq '.tags.latest.compressed_bytes' "$img/big/EXPECTED.json")"
uncompressed="$(jq '.tags.latest.uncompressed_bytes' "$img/big/EXPECTED.json")"

# The coldstart side: fetch into the cache and import, with coldstart or containerd unpacking.
prewarm_step() {  # prewarm_step REF CACHE UNPACKER
  "$cs" -q --plain-http "$REGISTRY" prewarm pull "$1" --cache "$2" --import "containerd=$CONTAINERD_ADDRESS" \
    --namespace k8s.io --unpacker "$3" >/dev/null
}

fresh_containerd() {
  "$root/scripts/testenv" stop "$work/ctd" >/dev/null 2>&1 || true
  rm -rf "$work/ctd"
  eval "$("$root/scripts/testenv" start "$work/ctd" containerd)"
  containerd_pid="$(cat "$work/ctd/containerd.pid")"
}
# user+system seconds of containerd and its waited-for children (unpigz) so far
containerd_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15 + $16 + $17) / hz }' "/proc/$containerd_pid/stat"
}
assert_unpacked() {
  ctr --address "$CONTAINERD_ADDRESS" -n k8s.io images check | awk -v r="$ref" '$1 == r' | grep -q 'complete.* true *$' ||
    { echo "prewarm-import: $1 did not leave $ref complete and unpacked" >&2; exit 1; }
}

# measure NAME COMMAND...: one fresh run; appends "name wall client_cpu containerd_cpu client_rss_kb containerd_rss_kb"
measure() {
  local name="$1"
  shift
  fresh_containerd
  rm -rf "$work/cache"
  [[ "$name" == import-only* ]] && skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/cache:latest"
  sync
  local cpu0 start end cpu1 rss
  cpu0="$(containerd_cpu)"
  start="$(date +%s.%N)"
  /usr/bin/time -f '%U %S %M' -o "$work/time.txt" "$@"
  end="$(date +%s.%N)"
  cpu1="$(containerd_cpu)"
  assert_unpacked "$name"
  rss="$(awk '/VmHWM/ { print $2 }' "/proc/$containerd_pid/status")"
  read -r user sys client_rss <"$work/time.txt"
  awk -v n="$name" -v s="$start" -v e="$end" -v u="$user" -v y="$sys" -v c0="$cpu0" -v c1="$cpu1" -v cr="$client_rss" -v r="$rss" \
    'BEGIN { printf "%s %.3f %.2f %.2f %d %d\n", n, e - s, u + y, c1 - c0, cr, r }' >>"$work/results.txt"
}

export -f prewarm_step
export cs driver REGISTRY
for ((i = 0; i < runs; i++)); do
  echo "prewarm-import: run $((i + 1))/$runs" >&2
  measure ctr-pull bash -c "ctr --address \"\$CONTAINERD_ADDRESS\" -n k8s.io images pull --plain-http --snapshotter overlayfs '$ref' >/dev/null"
  measure coldstart bash -c "prewarm_step '$ref' '$work/cache' coldstart"
  measure coldstart-ctd bash -c "prewarm_step '$ref' '$work/cache' containerd"
  measure import-only bash -c "\"\$driver\" '$work/cache' '$ref' --socket \"\$CONTAINERD_ADDRESS\" --unpacker coldstart >/dev/null"
  measure import-only-ctd bash -c "\"\$driver\" '$work/cache' '$ref' --socket \"\$CONTAINERD_ADDRESS\" --unpacker containerd >/dev/null"
done

report="$(python3 - "$work/results.txt" "$runs" "$compressed" "$uncompressed" "$(nproc)" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
runs, comp, uncomp, cores = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
by = {}
for name, wall, ccpu, dcpu, crss, drss in rows:
    by.setdefault(name, []).append((float(wall), float(ccpu), float(dcpu), int(crss), int(drss)))
med = {n: [statistics.median(col) for col in zip(*v)] for n, v in by.items()}
base = med["ctr-pull"][0]
print("# Import into containerd benchmark\n")
print(f"Measured by `scripts/bench/prewarm-import.sh`: the `big` test image ({comp/1e9:.2f} GB compressed,")
print(f"{uncomp/1e9:.2f} GB of files) on docker-registry at 127.0.0.1, containerd 1.6 with overlayfs, median of {runs}")
print(f"runs, each from a fresh containerd and an empty cache, {cores} cores. `prewarm pull --import containerd` rows:")
print("fetch into the cache, then import; \"coldstart unpacks\" writes the layers into overlayfs snapshots")
print("itself (several at once, overlapped with containerd's ingest), \"containerd unpacks\" is `--unpacker")
print("containerd` (containerd applies layer after layer once the ingest is done).\n")
print("| route | wall s | client CPU s | containerd CPU s | client peak RSS MB | containerd peak RSS MB | ctr-pull / route |")
print("|---|---:|---:|---:|---:|---:|---:|")
labels = {"ctr-pull": "ctr images pull (cold)",
          "coldstart": "prewarm pull --import, coldstart unpacks",
          "coldstart-ctd": "prewarm pull --import, containerd unpacks",
          "import-only": "import of a filled cache, coldstart unpacks",
          "import-only-ctd": "import of a filled cache, containerd unpacks"}
for name in ("ctr-pull", "coldstart", "coldstart-ctd", "import-only", "import-only-ctd"):
    w, c, d, cr, dr = med[name]
    print(f"| {labels[name]} | {w:.1f} | {c:.1f} | {d:.1f} | {cr/1024:.0f} | {dr/1024:.0f} | {base/w:.2f}x |")
PY
)"
echo "$report"
if [[ "$out" != "-" ]]; then printf '%s\n' "$report" >"$out"; fi
