#!/usr/bin/env bash
# Benchmark of `coldstart prewarm pull` into an empty cache against its peers, in one run, on the
# same multi-GB image pushed to docker-registry on 127.0.0.1:
#   coldstart   prewarm pull REF --cache DIR            (Range chunks, verified, fsynced, resumable)
#   skopeo      copy docker://REF oci:DIR               (what most node tooling does)
#   curl -Z     --parallel-max JOBS of every blob URL   (no verification, no layout: the limit)
#   ctr         content fetch REF                       (only when scripts/testenv.d/containerd.sh exists)
# Each tool runs ROUNDS times, interleaved, after `sync`; the median wall time counts. Wall, CPU
# (user+sys) and peak RSS come from /usr/bin/time -v. coldstart also pulls an image a quarter of
# the size, to show its peak RSS does not grow with the image. Prints a Markdown report and saves it
# to docs/bench-prewarm-pull.md (OUT=- for stdout only).
#
# Where the tools write: BENCH_DIR, default /dev/shm (tmpfs), so the figures compare the fetch
# engines (network, verification, layout) and not this machine's shared disk, whose writeback
# (about 150 MB/s here) bounds every tool that fsyncs: coldstart and skopeo both fdatasync each
# blob, curl does not. BENCH_DIR=/var/tmp (a disk) measures that case.
#
# Env: COLDSTART (binary), SIZE_MB (image size, default 2560), ROUNDS (default 3), JOBS (default 8),
# BENCH_DIR (default /dev/shm).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cs="${COLDSTART:-$root/build/default/apps/coldstart/coldstart}"
size_mb="${SIZE_MB:-2560}"
rounds="${ROUNDS:-3}"
jobs="${JOBS:-8}"
out="${OUT:-$root/docs/bench-prewarm-pull.md}"
[[ -x "$cs" ]] || "$root/scripts/build.sh" default >/dev/null
for tool in skopeo curl jq /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "prewarm-pull bench: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

work="$(mktemp -d)"
bench_dir="$(mktemp -d -p "${BENCH_DIR:-/dev/shm}")"
cleanup() { "$root/scripts/testenv" stop "$work/env" >/dev/null 2>&1 || true; rm -rf "$work" "$bench_dir"; }
trap cleanup EXIT
export DOCKER_CONFIG="$work/no-docker-config"
eval "$("$root/scripts/testenv" start "$work/env" registry plain)"
have_ctr=0
if [[ -f "$root/scripts/testenv.d/containerd.sh" ]] && command -v ctr >/dev/null; then
  if ctr_env="$("$root/scripts/testenv" start "$work/env" containerd 2>/dev/null)"; then
    eval "$ctr_env"
    [[ -n "${CONTAINERD_ADDRESS:-}" ]] && have_ctr=1
  fi
fi

# An OCI layout of uncompressed tar layers of random bytes (nothing to gain from compression),
# sizes 55/25/12/5/3 % of SIZE_MB: one dominant layer, like a model-weights layer.
make_image() {  # make_image DIR MB
  python3 - "$1" "$2" <<'PY'
import hashlib, json, os, sys, tarfile
root, total = sys.argv[1], int(sys.argv[2]) << 20
os.makedirs(f"{root}/blobs/sha256", exist_ok=True)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{root}/blobs/sha256/{d}", "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
layers, diff_ids = [], []
for i, share in enumerate((55, 25, 12, 5, 3)):
    n = total * share // 100
    info = tarfile.TarInfo(f"data/part{i}.bin"); info.size, info.mtime = n, 1700000000
    tmp, h = f"{root}/layer.tmp", hashlib.sha256()
    with open(tmp, "wb") as f:
        def w(b):
            h.update(b); f.write(b)
        w(info.tobuf(tarfile.GNU_FORMAT))
        left = n
        while left:
            b = os.urandom(min(left, 1 << 20)); w(b); left -= len(b)
        w(b"\0" * ((512 - n % 512) % 512) + b"\0" * 1024)
        size = f.tell()
    d = h.hexdigest()
    os.rename(tmp, f"{root}/blobs/sha256/{d}")
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + d, "size": size})
    diff_ids.append("sha256:" + d)
config = put(json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode())
manifest = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config}, "layers": layers}).encode())
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest,
    "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}, open(f"{root}/index.json", "w"))
open(f"{root}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
}
echo "prewarm-pull bench: building and pushing a ${size_mb} MB image and a $((size_mb / 4)) MB one" >&2
make_image "$work/img-big" "$size_mb"
make_image "$work/img-small" "$((size_mb / 4))"
skopeo copy -q --dest-tls-verify=false "oci:$work/img-big:v1" "docker://$REGISTRY/bench/big:v1"
skopeo copy -q --dest-tls-verify=false "oci:$work/img-small:v1" "docker://$REGISTRY/bench/small:v1"
rm -rf "$work/img-big" "$work/img-small"
image_bytes="$(skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/bench/big:v1" | jq '[.layers[].size] | add')"

# curl -Z config: every blob URL to a file, no checks.
{
  skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/bench/big:v1" |
    jq -r '.config.digest, .layers[].digest' | while read -r d; do
      printf 'url = "http://%s/v2/bench/big/blobs/%s"\noutput = "%s/curl/%s"\n' "$REGISTRY" "$d" "$bench_dir" "${d#sha256:}"
    done
} >"$work/curl.cfg"

declare -A cmds=(
  [coldstart]="$cs -q --plain-http $REGISTRY prewarm pull $REGISTRY/bench/big:v1 --cache $bench_dir/coldstart --jobs $jobs"
  [skopeo]="skopeo copy -q --src-tls-verify=false docker://$REGISTRY/bench/big:v1 oci:$bench_dir/skopeo:v1"
  [curl]="curl -sf --no-progress-meter -Z --parallel-max $jobs -K $work/curl.cfg"
)
order=(coldstart skopeo curl)
if ((have_ctr)); then
  cmds[ctr]="ctr --address $CONTAINERD_ADDRESS -n bench content fetch --plain-http $REGISTRY/bench/big:v1"
  order+=(ctr)
fi

measure() {  # measure NAME ROUND -> appends "name round wall cpu rss" to results
  local name="$1" r="$2" log="$work/time.log"
  rm -rf "$bench_dir/coldstart" "$bench_dir/skopeo" "$bench_dir/curl" && mkdir -p "$bench_dir/curl"
  if [[ "$name" == ctr ]]; then ctr --address "$CONTAINERD_ADDRESS" -n bench content ls -q | xargs -r ctr --address "$CONTAINERD_ADDRESS" -n bench content rm >/dev/null 2>&1 || true; fi
  sync
  /usr/bin/time -v bash -c "${cmds[$name]}" >/dev/null 2>"$log" || { cat "$log" >&2; echo "prewarm-pull bench: $name failed" >&2; exit 1; }
  python3 - "$log" "$name" "$r" >>"$work/results" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def get(k): return re.search(re.escape(k) + r":\s*(.+)", t).group(1).strip()
wall = 0.0
for part in get("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
    wall = wall * 60 + float(part)
cpu = float(get("User time (seconds)")) + float(get("System time (seconds)"))
print(sys.argv[2], sys.argv[3], f"{wall:.2f}", f"{cpu:.2f}", get("Maximum resident set size (kbytes)"))
PY
}
: >"$work/results"
for r in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    echo "prewarm-pull bench: round $r $name" >&2
    measure "$name" "$r"
  done
done
# Peak RSS of coldstart on the small image, for the flat-RSS check.
rm -rf "$bench_dir"/*
/usr/bin/time -v "$cs" -q --plain-http "$REGISTRY" prewarm pull "$REGISTRY/bench/small:v1" --cache "$bench_dir/coldstart-small" \
  --jobs "$jobs" >/dev/null 2>"$work/small.log"
small_rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/small.log")"

fs_type="$(stat -f -c %T "$bench_dir")"
report="$(python3 - "$work/results" "$image_bytes" "$size_mb" "$small_rss" "$jobs" "$rounds" "$(nproc)" "$fs_type" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
image_bytes, size_mb, small_rss, jobs, rounds, cpus = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
fs_type = sys.argv[8]
by = {}
for name, r, wall, cpu, rss in rows:
    by.setdefault(name, []).append((float(wall), float(cpu), int(rss)))
med = {n: (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v), max(s for _, _, s in v)) for n, v in by.items()}
cs = med["coldstart"][0]
print("# prewarm pull benchmark\n")
print(f"Measured by `scripts/bench/prewarm-pull.sh`: one image of {image_bytes / 2**30:.2f} GiB (5 uncompressed layers of")
print(f"random bytes, the largest 55 %) on docker-registry at 127.0.0.1, {rounds} interleaved rounds, median wall time;")
print(f"--jobs / --parallel-max {jobs}; written to {fs_type}; a {cpus}-core shared machine, so compare the ratios, not the seconds.")
print("coldstart verifies every digest, fsyncs each blob and writes an OCI layout; curl -Z verifies nothing.\n")
print("| tool | wall s | GiB/s | CPU s | peak RSS MiB | wall / coldstart |")
print("|---|---:|---:|---:|---:|---:|")
for name in by:
    w, c, rss = med[name]
    print(f"| {name} | {w:.2f} | {image_bytes / 2**30 / w:.2f} | {c:.2f} | {rss / 1024:.0f} | {w / cs:.2f}x |")
print()
if "skopeo" in med:
    print(f"- coldstart is **{med['skopeo'][0] / cs:.2f}x** faster than `skopeo copy` (target >= 1.6x).")
if "curl" in med:
    print(f"- coldstart takes **{cs / med['curl'][0]:.2f}x** the time of `curl -Z` (target <= 1.15x).")
if "ctr" in med:
    print(f"- coldstart is **{med['ctr'][0] / cs:.2f}x** faster than `ctr content fetch`.")
print(f"- coldstart peak RSS: {med['coldstart'][2] / 1024:.0f} MiB for {size_mb} MB, {small_rss / 1024:.0f} MiB for {size_mb // 4} MB (flat).")
PY
)"
echo "$report"
if [[ "$out" != "-" ]]; then printf '%s\n' "$report" >"$out"; fi
