#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" preset, clang) and runs each for a fixed time on a copy
# of its seed corpus, one at a time. Prints target, executions, exec/s and result; exits 1 when a
# target crashed, leaked, hit UB or timed out (the input is kept under build/fuzz/artifacts/).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   default: 60 seconds, every target
#   FUZZ_UPDATE_SEEDS=1 scripts/fuzz.sh ...              also merge new coverage into fuzz/corpus/
#   FUZZ_ARGS="-runs=1000000" scripts/fuzz.sh 1800       more libFuzzer flags (here: stop at 1M runs)
# The working corpora (build/fuzz/corpus/<target>) persist, so long runs build on earlier ones.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...] (got '$seconds')" >&2
  exit 2
fi
all=()
for f in fuzz/corpus/*/; do all+=("$(basename "$f")"); done
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
  if [[ ! -d "fuzz/corpus/$t" ]]; then
    echo "fuzz.sh: no target '$t' (targets: ${all[*]})" >&2
    exit 2
  fi
done

build=build/fuzz
if [[ ! -f "$build/build.ninja" ]]; then cmake --preset fuzz >/dev/null; fi
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

failed=0
rows=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t" artifacts="$build/artifacts/$t/" log="$build/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  cp -n fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true  # the repo's seeds are never written to
  dict=()
  if [[ -f "fuzz/dict/$t.dict" ]]; then dict=(-dict="fuzz/dict/$t.dict"); fi
  # -close_fd_mask=2: the libraries' warnings stay quiet; libFuzzer and sanitizer reports still print.
  set +e
  "$build/fuzz/fuzz_$t" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts" -print_final_stats=1 -close_fd_mask=2 "${dict[@]}" ${FUZZ_ARGS:-} >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)
  if ((rc == 0)); then
    result=ok
  else
    failed=1
    input=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //' || true)
    result="FAILED (exit $rc) ${input:-see $log}"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error)" "$log" | head -3 >&2 || true
  fi
  if [[ "${FUZZ_UPDATE_SEEDS:-}" == 1 && $rc == 0 ]]; then
    "$build/fuzz/fuzz_$t" -merge=1 "fuzz/corpus/$t" "$work" -close_fd_mask=2 >>"$log" 2>&1
  fi
  rows+=("$(printf '%-26s %12s %10s  %s' "$t" "${runs:-?}" "${rate:-?}" "$result")")
done
printf '%-26s %12s %10s  %s\n' target executions exec/s result
printf '%s\n' "${rows[@]}"
exit "$failed"
