#!/usr/bin/env bash
# Benchmark of manifest-level `coldstart analyze` on 10 images from a real local registry against
# skopeo reading the same manifests and configs (sequentially, and 8 at a time with xargs -P),
# measured in one run with hyperfine; peak RSS with /usr/bin/time. Prints a Markdown report and
# saves it to docs/bench-analyze.md (OUT=- for stdout only).
#
# The 10 images: aigc v1..v5 (a version series), misordered v1..v3 and llm v1..v2 (the fleet),
# all from examples/images, pushed with skopeo to docker-registry on 127.0.0.1.
#
# Env: COLDSTART (binary; default build/default/apps/coldstart/coldstart), RUNS (default 10), OUT.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cs="${COLDSTART:-$root/build/default/apps/coldstart/coldstart}"
runs="${RUNS:-10}"
out="${OUT:-$root/docs/bench-analyze.md}"
[[ -x "$cs" ]] || "$root/scripts/build.sh" default >/dev/null
for tool in hyperfine skopeo /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "analyze-registry: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

work="$(mktemp -d)"
cleanup() { "$root/scripts/testenv" stop "$work/env" || true; rm -rf "$work"; }
trap cleanup EXIT
export DOCKER_CONFIG="$work/no-docker-config"
eval "$("$root/scripts/testenv" start "$work/env" registry plain)"

images=()
push() {  # push SET TAG
  skopeo copy -q --dest-tls-verify=false "oci:$root/examples/images/$1:$2" "docker://$REGISTRY/bench/$1:$2"
  images+=("$REGISTRY/bench/$1:$2")
}
for v in v1 v2 v3 v4 v5; do push aigc "$v"; done
for v in v1 v2 v3; do push misordered "$v"; done
for v in v1 v2; do push llm "$v"; done
printf '%s\n' "${images[@]}" >"$work/images.txt"

cs_cmd="$cs -q --plain-http $REGISTRY analyze -o json ${images[*]} >/dev/null"
seq_cmd="while read -r i; do skopeo inspect --tls-verify=false docker://\$i >/dev/null; done <$work/images.txt"
par_cmd="xargs -P 8 -I{} skopeo inspect --tls-verify=false docker://{} <$work/images.txt >/dev/null"
hyperfine --shell bash --style none --warmup 2 --runs "$runs" --export-json "$work/h.json" \
  -n coldstart "$cs_cmd" -n skopeo-sequential "$seq_cmd" -n skopeo-parallel-8 "$par_cmd" \
  >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log" >&2; echo "analyze-registry: hyperfine failed" >&2; exit 1; }
rss_cs=$(/usr/bin/time -f %M bash -c "$cs_cmd" 2>&1 >/dev/null | tail -1)
rss_sk=$(/usr/bin/time -f %M skopeo inspect --tls-verify=false "docker://${images[0]}" 2>&1 >/dev/null | tail -1)

report="$(python3 - "$work/h.json" "$rss_cs" "$rss_sk" "$runs" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["results"]
rss_cs, rss_sk, runs = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
by = {r["command"]: r for r in h}
base = by["coldstart"]["median"]
print("# Manifest-level analyze benchmark\n")
print("Measured by `scripts/bench/analyze-registry.sh`: 10 images (aigc v1-v5, misordered v1-v3, llm v1-v2)")
print(f"on docker-registry at 127.0.0.1, {runs} runs after 2 warm-ups (hyperfine). Every command reads the")
print("same 10 manifests and 10 configs; coldstart also verifies digests and builds the plan.\n")
print("| command | median s | min s | max s | peak RSS MB | coldstart is faster by |")
print("|---|---:|---:|---:|---:|---:|")
for name in ("coldstart", "skopeo-sequential", "skopeo-parallel-8"):
    r = by[name]
    rss = f"{rss_cs/1024:.0f}" if name == "coldstart" else f"{rss_sk/1024:.0f} (one inspect)"
    print(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {rss} | {r['median']/base:.1f}x |")
PY
)"
echo "$report"
if [[ "$out" != "-" ]]; then printf '%s\n' "$report" >"$out"; fi
