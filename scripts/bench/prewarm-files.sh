#!/usr/bin/env bash
# Benchmark of `coldstart prewarm files` against `vmtouch -t`, `cat FILE > /dev/null` and
# `dd bs=4M` on the same multi-GB file, evicted from the page cache (vmtouch -e) before every run,
# in one run on one machine. Reports median wall time, peak RSS and the ratios; also the thread
# and chunk settings of coldstart, which is how its defaults were chosen.
#
#   scripts/bench/prewarm-files.sh                   # 3072 MB file, 3 rounds
#   BIG_MB=1024 ROUNDS=1 OUT=- scripts/bench/prewarm-files.sh
#
# Env: COLDSTART (binary), BENCH_DIR (file kept between runs; default build/bench-prewarm),
#      BIG_MB, ROUNDS, OUT (default docs/bench-prewarm-files.md, "-" for stdout only).
# The file is random bytes (no sparse holes, nothing a filesystem can shortcut). On a VM whose
# disk the host caches, "evicted" still reads from host memory: the figures then measure the
# read path rather than the device, and say so in the report.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
big_mb="${BIG_MB:-3072}"
rounds="${ROUNDS:-3}"
bench_dir="${BENCH_DIR:-$root/build/bench-prewarm}"
out="${OUT:-$root/docs/bench-prewarm-files.md}"
coldstart="${COLDSTART:-$root/build/default/apps/coldstart/coldstart}"
for tool in vmtouch /usr/bin/time python3 dd; do
  command -v "$tool" >/dev/null || { echo "prewarm-files: '$tool' is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[[ -x "$coldstart" ]] || { echo "prewarm-files: no binary at $coldstart (build first or set COLDSTART)" >&2; exit 1; }
"$coldstart" prewarm files --help >/dev/null 2>&1 || { echo "prewarm-files: $coldstart has no 'prewarm files'" >&2; exit 1; }

mkdir -p "$bench_dir"
file="$bench_dir/weights-$big_mb.bin"
if [[ ! -f "$file" ]]; then
  echo "prewarm-files: writing $big_mb MB of random bytes to $file" >&2
  head -c "$((big_mb * 1000000))" /dev/urandom >"$file.tmp" && mv "$file.tmp" "$file"
fi
sync "$file"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# name | command (run through bash -c with the file as $1)
tools=(
  "coldstart (4 threads, 32 MiB chunks)|\"$coldstart\" -q prewarm files \"\$1\" -o json >/dev/null"
  "coldstart --threads 1|\"$coldstart\" -q prewarm files --threads 1 \"\$1\" -o json >/dev/null"
  "coldstart --threads 8|\"$coldstart\" -q prewarm files --threads 8 \"\$1\" -o json >/dev/null"
  "coldstart --chunk-size 8MiB|\"$coldstart\" -q prewarm files --chunk-size 8MiB \"\$1\" -o json >/dev/null"
  "vmtouch -t|vmtouch -qt \"\$1\""
  "cat FILE > /dev/null|cat \"\$1\" >/dev/null"
  "dd bs=4M|dd if=\"\$1\" of=/dev/null bs=4M status=none"
)
for ((r = 0; r < rounds; r++)); do
  for i in "${!tools[@]}"; do
    cmd="${tools[$i]#*|}"
    vmtouch -qe "$file"
    /usr/bin/time -f "%e %M" -o "$work/t" bash -c "$cmd" _ "$file"
    echo "$i $(cat "$work/t")" >>"$work/times"
    resident=$(vmtouch "$file" | awk '/Resident Pages/ {print $NF}')
    [[ $resident == 100% ]] || echo "prewarm-files: warning: ${tools[$i]%%|*} left the file $resident resident" >&2
  done
done

python3 - "$work/times" "$big_mb" "$rounds" "$(nproc)" "$(uname -r)" "${tools[@]}" >"$work/report.md" <<'PY'
import statistics, sys
times, big_mb, rounds, cpus, kernel = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
names = [t.split("|", 1)[0] for t in sys.argv[6:]]
runs = {}
for line in open(times):
    i, wall, rss = line.split()
    runs.setdefault(int(i), []).append((float(wall), int(rss)))
med = {i: statistics.median(w for w, _ in v) for i, v in runs.items()}
rss = {i: max(r for _, r in v) for i, v in runs.items()}
vm, cat = names.index("vmtouch -t"), names.index("cat FILE > /dev/null")
print("# prewarm files benchmark\n")
print(f"Written by `scripts/bench/prewarm-files.sh` (BIG_MB={big_mb}, ROUNDS={rounds}; {cpus} CPUs, kernel {kernel}).")
print("One file of random bytes, evicted with `vmtouch -e` before every run; median wall time, largest peak RSS.\n")
print("| tool | wall (s) | MB/s | peak RSS (MB) | vs vmtouch -t | vs cat |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for i, name in enumerate(names):
    w = med[i]
    print(f"| {name} | {w:.2f} | {big_mb / w:.0f} | {rss[i] / 1024:.1f} | {med[vm] / w:.2f}x | {med[cat] / w:.2f}x |")
print("\n`vs` columns: the peer's time divided by this tool's (above 1 = faster than the peer).")
PY
cat "$work/report.md"
if [[ "$out" != "-" ]]; then cp "$work/report.md" "$out"; echo "prewarm-files: report written to $out" >&2; fi
