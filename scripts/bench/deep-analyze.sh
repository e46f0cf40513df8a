#!/usr/bin/env bash
# Benchmark of `coldstart analyze --deep` against listing the same layers with `tar -tv`, measured
# in one run (same machine, same warm page cache, rounds interleaved so a busy moment hits every
# contender alike). Peers:
#   - `gzip -dc | tar -tv` and `pigz -dc | tar -tv`, one layer after another (what a shell loop does);
#   - `pigz -dc | tar -tv` and `igzip -dc | tar -tv` under `xargs -P JOBS`, JOBS layers at once like
#     coldstart. igzip (ISA-L, the inflate coldstart uses) lists without verifying any digest: it is
#     the practical limit.
# Also the peak RSS of a deep analysis of a layer with 500k small files. Prints a Markdown report
# and saves it to docs/bench-deep.md.
#
#   scripts/bench/deep-analyze.sh          # AIGC shape: one 1.7 GB model layer, ~2.5 GB compressed
#   BIG_MB=600 MODEL_MB=0 MANY_FILES=100000 ROUNDS=1 scripts/bench/deep-analyze.sh   # quicker
#
# Env: COLDSTART (binary; default build/default/apps/coldstart/coldstart, built if missing),
#      BASELINE (optional second coldstart binary to compare, e.g. an older build) and BASELINE_LABEL
#      (its row title),
#      BENCH_DIR (images, kept between runs; default build/bench-deep), BIG_MB (bytes of real files),
#      MODEL_MB (model layer; 0 = 10% of BIG_MB), MANY_FILES, ROUNDS, JOBS (layers at once for the
#      parallel peers; default what coldstart uses: min(cores, 4)),
#      OUT (report path; default docs/bench-deep.md, "-" for stdout only),
#      NICE (e.g. -19, as root: every contender alike runs at this niceness, so on a machine shared with
#      other jobs the timed commands get the cores nearly to themselves).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
big_mb="${BIG_MB:-3100}"
model_mb="${MODEL_MB:-1700}"
many="${MANY_FILES:-500000}"
jobs="${JOBS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}"
baseline="${BASELINE:-}"
nice_cmd=()
if [[ -n "${NICE:-}" ]]; then nice_cmd=(nice -n "$NICE"); fi
rounds="${ROUNDS:-3}"
bench_dir="${BENCH_DIR:-$root/build/bench-deep}"
out="${OUT:-$root/docs/bench-deep.md}"
coldstart="${COLDSTART:-$root/build/default/apps/coldstart/coldstart}"

for tool in gzip pigz igzip tar xargs /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "deep-analyze: '$tool' is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
if [[ ! -x "$coldstart" ]]; then
  echo "deep-analyze: building coldstart (preset default)" >&2
  scripts/build.sh default >&2
fi
if ! "$coldstart" analyze --help 2>&1 | grep -q -- '--deep'; then
  echo "deep-analyze: $coldstart has no 'analyze --deep'; build a newer tree" >&2
  exit 1
fi

# Images are built once per size and reused (the builder is deterministic).
model_args=()
big="$bench_dir/big-$big_mb"
if [[ "$model_mb" != 0 ]]; then model_args=(--big-model-mb "$model_mb"); big="$big-model-$model_mb"; fi
manyfiles="$bench_dir/many-$many"
if [[ ! -f "$big/big/index.json" ]]; then
  echo "deep-analyze: building the big image ($big_mb MB uncompressed) in $big" >&2
  scripts/make-test-images "$big" --set big --big-mb "$big_mb" "${model_args[@]}" >&2
fi
if [[ ! -f "$manyfiles/manyfiles/index.json" ]]; then
  echo "deep-analyze: building the $many-file image in $manyfiles" >&2
  scripts/make-test-images "$manyfiles" --set manyfiles --many-files "$many" >&2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/deep-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Layer blob paths of LAYOUT:latest, in layer order.
layer_blobs() {
  python3 - "$1" <<'PY'
import json, os, sys
root = sys.argv[1]
def blob(d): return os.path.join(root, "blobs", *d["digest"].split(":"))
index = json.load(open(os.path.join(root, "index.json")))
m = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "latest")
manifest = json.load(open(blob(m)))
for layer in manifest["layers"]:
    print(blob(layer))
PY
}

# once NAME COMMAND...: one timed run; appends "wall peak_rss_kib user sys" to $tmp/NAME.times
once() {
  local name="$1"; shift
  "${nice_cmd[@]}" /usr/bin/time -f '%e %M %U %S' -o "$tmp/$name.one" "$@" >/dev/null 2>"$tmp/$name.err" || {
    echo "deep-analyze: '$name' failed:" >&2; cat "$tmp/$name.err" >&2; exit 1; }
  tail -n 1 "$tmp/$name.one" >>"$tmp/$name.times"
}
median_time() { sort -n "$tmp/$1.times" | awk '{t[NR]=$1} END {print t[int((NR+1)/2)]}'; }
min_time() { sort -n "$tmp/$1.times" | head -n 1 | cut -d' ' -f1; }
median_cpu() { awk '{print $3 + $4}' "$tmp/$1.times" | sort -n | awk '{t[NR]=$1} END {printf "%.2f", t[int((NR+1)/2)]}'; }
max_rss_mb() { awk '{if ($2>m) m=$2} END {printf "%.0f", m/1024}' "$tmp/$1.times"; }

# Contenders in report order; the parallel igzip listing is the reference of the ratios.
kinds=(gzip pigz pigz_p igzip_p deep)
[[ -n "$baseline" ]] && kinds+=(baseline)
title_of() {
  case "$1" in
    gzip) echo '`gzip -dc \| tar -tv`, one layer at a time' ;;
    pigz) echo '`pigz -dc \| tar -tv`, one layer at a time' ;;
    pigz_p) echo "\`pigz -dc \\| tar -tv\`, $jobs layers at once (\`xargs -P $jobs\`)" ;;
    igzip_p) echo "\`igzip -dc \\| tar -tv\`, $jobs layers at once: the limit, verifies nothing" ;;
    deep) echo '**`coldstart analyze --deep`** (verifies both digests of every layer)' ;;
    baseline) echo "${BASELINE_LABEL:-\`$baseline analyze --deep\` (baseline build)}" ;;
  esac
}
run_kind() {  # KIND LABEL LAYOUT LIST
  local kind="$1" label="$2" layout="$3" list="$4"
  case "$kind" in
    gzip) once "$label.$kind" bash -c 'while read -r b; do gzip -dc "$b" | tar -tv >/dev/null; done <"$1"' _ "$list" ;;
    pigz) once "$label.$kind" bash -c 'while read -r b; do pigz -dc "$b" | tar -tv >/dev/null; done <"$1"' _ "$list" ;;
    pigz_p) once "$label.$kind" xargs -a "$list" -P "$jobs" -I{} sh -c 'pigz -dc "$1" | tar -tv >/dev/null' _ {} ;;
    igzip_p) once "$label.$kind" xargs -a "$list" -P "$jobs" -I{} sh -c 'igzip -dc "$1" | tar -tv >/dev/null' _ {} ;;
    deep) once "$label.$kind" "$coldstart" analyze --deep "oci:$layout:latest" -o json ;;
    baseline) once "$label.$kind" "$baseline" analyze --deep "oci:$layout:latest" -o json ;;
  esac
}

bench_image() {  # LAYOUT LABEL
  local layout="$1" label="$2"
  mapfile -t blobs < <(layer_blobs "$layout")
  cat "${blobs[@]}" >/dev/null  # warm the page cache for every contender alike
  local list="$tmp/$label.blobs"
  printf '%s\n' "${blobs[@]}" >"$list"
  local kind
  for kind in "${kinds[@]}"; do : >"$tmp/$label.$kind.times"; done
  # Interleaved: round r runs every contender once, in an order that rotates with r.
  for ((r = 0; r < rounds; r++)); do
    local n=${#kinds[@]} k
    for ((k = 0; k < n; k++)); do run_kind "${kinds[$(((k + r) % n))]}" "$label" "$layout" "$list"; done
  done
  "$coldstart" analyze --deep "oci:$layout:latest" -o json >"$tmp/$label.json" 2>/dev/null
}

load_before="$(uptime | sed 's/.*load average: //')"
echo "deep-analyze: timing $rounds interleaved round(s) on $(nproc) cores, $jobs layers at once" >&2
bench_image "$big/big" big
bench_image "$manyfiles/manyfiles" many

size_of() { du -cb $(layer_blobs "$1") | tail -n 1 | cut -f1; }
big_compressed=$(size_of "$big/big")
big_layers=$(layer_blobs "$big/big" | wc -l)
big_largest=$(du -b $(layer_blobs "$big/big") | sort -n | tail -n 1 | cut -f1)
load_after="$(uptime | sed 's/.*load average: //')"
report() {
  local label="$1" title="$2" kind
  local limit limit_min
  limit=$(median_time "$label.igzip_p")
  limit_min=$(min_time "$label.igzip_p")
  for kind in "${kinds[@]}"; do
    local t m; t=$(median_time "$label.$kind"); m=$(min_time "$label.$kind")
    printf '| %s | %s | %s | %s | %s | %s | %.2fx | %.2fx |\n' "$title" "$(title_of "$kind")" "$t" "$m" \
      "$(median_cpu "$label.$kind")" "$(max_rss_mb "$label.$kind")" \
      "$(awk -v a="$t" -v b="$limit" 'BEGIN {print a/b}')" "$(awk -v a="$m" -v b="$limit_min" 'BEGIN {print a/b}')"
  done
}
facts() {
  python3 - "$tmp/$1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["images"][0]["deep"]  # the plan embeds the deep report
s = d["summary"]
print(f'{s["files"]} files, final filesystem {s["final_size_bytes"]/2**20:.0f} MiB, '
      f'{sum(l["uncompressed_bytes"] for l in d["layers"])/2**20:.0f} MiB uncompressed in {len(d["layers"])} layers')
PY
}

doc="$tmp/report.md"
{
  echo "# Deep analysis benchmark"
  echo
  echo "Measured by \`scripts/bench/deep-analyze.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores"
  echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), warm page cache, median of $rounds"
  echo "interleaved round(s)${NICE:+, every contender at nice $NICE}. Load average (1, 5, 15 min) before: $load_before; after: $load_after (the machine"
  echo "is shared, so compare the ratios of one run rather than seconds across runs). CPU is user+sys of the"
  echo "whole command; peak RSS is the largest single process of any round (\`/usr/bin/time -f %M\`). Other load"
  echo "only adds time, so the best round is the closest to an idle machine; the median shows the spread."
  echo
  echo "- **big**: \`make-test-images --set big --big-mb $big_mb ${model_args[*]}\`: $big_layers gzip layers, $((big_compressed / 1048576)) MiB compressed, the largest $((big_largest / 1048576)) MiB; $(facts big)."
  echo "- **many**: \`make-test-images --set manyfiles --many-files $many\`: $(facts many)."
  echo
  echo "| image | command | wall s (median) | wall s (best) | CPU s | peak RSS MB | wall vs igzip\\|tar ×$jobs (median) | (best) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  report big "big"
  report many "many ($many files)"
  echo
  echo "Fair peers: coldstart streams $jobs layers at once, and so do the \`xargs -P $jobs\` rows. \`igzip -dc | tar -tv\`"
  echo "is the practical limit: the same ISA-L inflate, no digest. \`coldstart analyze --deep\` does more than"
  echo "list: it verifies every blob digest and diff_id (SHA-256 of compressed and uncompressed bytes, with SHA-NI"
  echo "where the CPU has it), applies whiteouts, accounts waste and reads safetensors headers. Within one"
  echo "layer it pipelines reading + compressed SHA-256, inflate, uncompressed SHA-256 and the tar walk on"
  echo "separate threads, so the one big model layer is not one core's work."
} >"$doc"
cat "$doc"
if [[ "$out" != "-" ]]; then
  cp "$doc" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
  echo "deep-analyze: saved $out" >&2
fi
