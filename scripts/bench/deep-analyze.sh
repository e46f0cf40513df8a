#!/usr/bin/env bash
# Benchmark of `coldstart analyze --deep` against `gzip -dc | tar -tv` and `pigz -dc | tar -tv`
# over the same layers, measured in one run (same machine, same warm page cache), plus the peak RSS
# of a deep analysis of a layer with 500k small files. Prints a Markdown report and saves it to
# docs/bench-deep.md.
#
#   scripts/bench/deep-analyze.sh                # big image of ~2000 MB uncompressed, 500k files
#   BIG_MB=600 MANY_FILES=100000 ROUNDS=1 scripts/bench/deep-analyze.sh   # quicker
#
# Env: COLDSTART (binary; default build/default/apps/coldstart/coldstart, built if missing),
#      BENCH_DIR (images, kept between runs; default build/bench-deep), BIG_MB, MANY_FILES, ROUNDS,
#      OUT (report path; default docs/bench-deep.md, "-" for stdout only).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
big_mb="${BIG_MB:-2000}"
many="${MANY_FILES:-500000}"
rounds="${ROUNDS:-3}"
bench_dir="${BENCH_DIR:-$root/build/bench-deep}"
out="${OUT:-$root/docs/bench-deep.md}"
coldstart="${COLDSTART:-$root/build/default/apps/coldstart/coldstart}"

for tool in gzip pigz tar /usr/bin/time python3; do
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
big="$bench_dir/big-$big_mb"
manyfiles="$bench_dir/many-$many"
if [[ ! -f "$big/big/index.json" ]]; then
  echo "deep-analyze: building the big image ($big_mb MB uncompressed) in $big" >&2
  scripts/make-test-images "$big" --set big --big-mb "$big_mb" >&2
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

# run NAME COMMAND...: wall seconds and peak RSS (KiB) of each round into $tmp/NAME.times
run() {
  local name="$1"; shift
  : >"$tmp/$name.times"
  for ((i = 0; i < rounds; i++)); do
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/$name.one" "$@" >/dev/null 2>"$tmp/$name.err" || {
      echo "deep-analyze: '$name' failed:" >&2; cat "$tmp/$name.err" >&2; exit 1; }
    tail -n 1 "$tmp/$name.one" >>"$tmp/$name.times"
  done
}
median_time() { sort -n "$tmp/$1.times" | awk '{t[NR]=$1} END {print t[int((NR+1)/2)]}'; }
median_cpu() { awk '{print $3 + $4}' "$tmp/$1.times" | sort -n | awk '{t[NR]=$1} END {printf "%.2f", t[int((NR+1)/2)]}'; }
max_rss_mb() { awk '{if ($2>m) m=$2} END {printf "%.0f", m/1024}' "$tmp/$1.times"; }

bench_image() {  # LAYOUT LABEL
  local layout="$1" label="$2"
  mapfile -t blobs < <(layer_blobs "$layout")
  cat "${blobs[@]}" >/dev/null  # warm the page cache for every contender alike
  local list="$tmp/$label.blobs"
  printf '%s\n' "${blobs[@]}" >"$list"
  run "$label.gzip" bash -c 'while read -r b; do gzip -dc "$b" | tar -tv >/dev/null; done <"$1"' _ "$list"
  run "$label.pigz" bash -c 'while read -r b; do pigz -dc "$b" | tar -tv >/dev/null; done <"$1"' _ "$list"
  run "$label.deep" "$coldstart" analyze --deep "oci:$layout:latest" -o json
  "$coldstart" analyze --deep "oci:$layout:latest" -o json >"$tmp/$label.json" 2>/dev/null
}

echo "deep-analyze: timing $rounds round(s) on $(nproc) cores" >&2
bench_image "$big/big" big
bench_image "$manyfiles/manyfiles" many

size_of() { du -cb $(layer_blobs "$1") | tail -n 1 | cut -f1; }
big_compressed=$(size_of "$big/big")
big_layers=$(layer_blobs "$big/big" | wc -l)
report() {
  local label="$1" title="$2"
  local g
  g=$(median_time "$label.gzip")
  row() {  # COMMAND LABEL.KIND GZIP_SECONDS
    local t; t=$(median_time "$2")
    printf '| %s | %s | %s | %s | %s | %.2fx |\n' "$title" "$1" "$t" "$(median_cpu "$2")" "$(max_rss_mb "$2")" \
      "$(awk -v a="$3" -v b="$t" 'BEGIN {print a/b}')"
  }
  row '`gzip -dc \| tar -tv`' "$label.gzip" "$g"
  row '`pigz -dc \| tar -tv`' "$label.pigz" "$g"
  row '**`coldstart analyze --deep`**' "$label.deep" "$g"
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
  echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), warm page cache,"
  echo "median of $rounds round(s) (the machine was shared: CPU seconds are the steadier figure); peak RSS is the largest of the rounds (\`/usr/bin/time -f %M\`)."
  echo
  echo "- **big**: \`make-test-images --set big --big-mb $big_mb\`: $big_layers gzip layers, $((big_compressed / 1048576)) MiB compressed; $(facts big)."
  echo "- **many**: \`make-test-images --set manyfiles --many-files $many\`: $(facts many)."
  echo
  echo "| image | command | wall s | CPU s (user+sys) | peak RSS MB | wall-time speed-up vs gzip\\|tar |"
  echo "|---|---|---:|---:|---:|---:|"
  report big "big"
  report many "many ($many files)"
  echo
  echo "\`coldstart analyze --deep\` does more than list: it verifies every blob digest and diff_id (SHA-256 of"
  echo "compressed and uncompressed bytes), applies whiteouts, accounts waste and reads safetensors headers."
} >"$doc"
cat "$doc"
if [[ "$out" != "-" ]]; then
  cp "$doc" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
  echo "deep-analyze: saved $out" >&2
fi
