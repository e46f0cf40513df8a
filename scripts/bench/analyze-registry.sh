#!/usr/bin/env bash
# Benchmark of manifest-level `coldstart analyze` on 10 images from a real local registry against
# skopeo fetching the same documents, measured in one run with hyperfine; peak RSS with
# /usr/bin/time. Prints a Markdown report and saves it to docs/bench-analyze.md (OUT=- for stdout).
#
# Equal work: for each image coldstart GETs the manifest and the config blob (no tag listing).
# skopeo does the same with `inspect --no-tags` (manifest + config; without --no-tags it would also
# list every tag of the repository), run one image after another and 8 at a time (xargs -P 8); and
# with the two raw fetches `inspect --no-tags --raw` (manifest) + `inspect --config --raw` (config).
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
sk="skopeo inspect --no-tags --tls-verify=false"
seq_cmd="while read -r i; do $sk docker://\$i >/dev/null; done <$work/images.txt"
par_cmd="xargs -P 8 -I{} $sk docker://{} <$work/images.txt >/dev/null"
raw_one="$sk --raw docker://\$1 >/dev/null && $sk --config --raw docker://\$1 >/dev/null"
raw_seq_cmd="while read -r i; do set -- \$i; $raw_one; done <$work/images.txt"
raw_par_cmd="xargs -P 8 -I{} bash -c '$raw_one' _ {} <$work/images.txt"
hyperfine --shell bash --style none --warmup 2 --runs "$runs" --export-json "$work/h.json" \
  -n coldstart "$cs_cmd" -n skopeo-sequential "$seq_cmd" -n skopeo-parallel-8 "$par_cmd" \
  -n skopeo-raw-sequential "$raw_seq_cmd" -n skopeo-raw-parallel-8 "$raw_par_cmd" \
  >"$work/hyperfine.log" 2>&1 || { cat "$work/hyperfine.log" >&2; echo "analyze-registry: hyperfine failed" >&2; exit 1; }
rss_cs=$(/usr/bin/time -f %M bash -c "$cs_cmd" 2>&1 >/dev/null | tail -1)
rss_sk=$(/usr/bin/time -f %M $sk "docker://${images[0]}" 2>&1 >/dev/null | tail -1)

report="$(python3 - "$work/h.json" "$rss_cs" "$rss_sk" "$runs" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["results"]
rss_cs, rss_sk, runs = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
by = {r["command"]: r for r in h}
base = by["coldstart"]["median"]
print("# Manifest-level analyze benchmark\n")
print("Measured by `scripts/bench/analyze-registry.sh`: 10 images (aigc v1-v5, misordered v1-v3, llm v1-v2)")
print(f"on docker-registry at 127.0.0.1, {runs} runs after 2 warm-ups (hyperfine).\n")
print("What each side fetches, per image: coldstart (one process for all 10) GETs the manifest and the config")
print("blob, verifies both digests and builds the plan; it lists no tags. `skopeo inspect --no-tags` (one")
print("process per image) GETs the same manifest and config; --no-tags stops it listing the repository's tags,")
print("which plain `skopeo inspect` does. The raw rows run `skopeo inspect --no-tags --raw` (manifest) and")
print("`skopeo inspect --config --raw` (manifest again, then config): two processes per image.\n")
print("| command | median s | min s | max s | peak RSS MB | coldstart is faster by |")
print("|---|---:|---:|---:|---:|---:|")
for name in ("coldstart", "skopeo-sequential", "skopeo-parallel-8", "skopeo-raw-sequential", "skopeo-raw-parallel-8"):
    r = by[name]
    rss = f"{rss_cs/1024:.0f}" if name == "coldstart" else f"{rss_sk/1024:.0f} (one inspect)"
    print(f"| {name} | {r['median']:.3f} | {r['min']:.3f} | {r['max']:.3f} | {rss} | {r['median']/base:.1f}x |")
PY
)"
echo "$report"
if [[ "$out" != "-" ]]; then printf '%s\n' "$report" >"$out"; fi
