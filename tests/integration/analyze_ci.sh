#!/usr/bin/env bash
# analyze --ci: a breach exits 3 with the violation on stdout, a passing run exits 0, a rule set
# to disabled stays disabled (file or flag), flags override the file, bad rules files are errors.
source "$(dirname "$0")/lib/harness.sh"
mkdir -p "$tmp/work"
cd "$tmp/work"
img="$SOURCE_DIR/examples/images"
aigc=(oci:$img/aigc:v3 oci:$img/aigc:v4 oci:$img/aigc:v5)
mis=(oci:$img/misordered:v1 oci:$img/misordered:v2 oci:$img/misordered:v3)

# run EXPECTED_RC ARGS...: runs coldstart, stdout to out.txt, stderr to err.txt, checks the exit code.
run() {
  local want="$1" rc
  shift
  set +e
  "$COLDSTART" -q analyze "$@" >out.txt 2>err.txt
  rc=$?
  set -e
  [[ $rc == "$want" ]] || fail "analyze $*: exit $rc, wanted $want; stdout: $(cat out.txt); stderr: $(cat err.txt)"
}

# A breach: 100 KiB of volatile layers per release against a 10 KiB limit.
run 3 --ci --max-volatile-bytes 10KiB "${aigc[@]}"
grep -q "^FAIL max-volatile-bytes: oci:$img/aigc: .* volatile per release > 10.0 KiB$" out.txt || fail "violation line missing"
[[ "$(grep -c '^FAIL ' out.txt)" == 1 ]] || fail "exactly one violation expected"
grep -q "^CI gate failed: 1 violation(s)$" out.txt || fail "summary line"
grep -q "CI gate failed" err.txt || fail "stderr should say the gate failed"

# Passing: same images under a generous limit.
run 0 --ci --max-volatile-bytes 10MiB "${aigc[@]}"
grep -q "^PASS max-volatile-bytes: " out.txt || fail "pass line missing"
grep -q "^CI gate passed$" out.txt || fail "pass summary"
grep -q "^SKIP max-wasted-percent: .*needs --deep" out.txt || fail "deep-only rule should be skipped"

# The rules file in the current directory is picked up; the misordered image breaks two rules.
cat >.coldstart-ci.yaml <<'YAML'
rules:
  max-layer-size: 100KiB
  no-duplicate-layers: true
YAML
run 3 --ci "${mis[@]}"
grep -q "^FAIL no-duplicate-layers: " out.txt || fail "duplicate layers not caught"
grep -q "^FAIL max-layer-size: " out.txt || fail "max-layer-size from the file not applied"

# Disabled in the file: the default-on rule stays off, and a flag can switch off a file rule.
cat >.coldstart-ci.yaml <<'YAML'
rules:
  no-duplicate-layers: disabled
  min-stable-ratio: disabled
  max-wasted-percent: disabled
YAML
run 0 --ci "${mis[@]}"
! grep -q "no-duplicate-layers" out.txt || fail "disabled rule was checked"
! grep -q "min-stable-ratio" out.txt || fail "disabled rule was checked"
run 0 --ci --max-layer-size disabled --ci-config <(printf 'max-layer-size: 1KiB\nno-duplicate-layers: false\n') "${aigc[@]}"
! grep -q "max-layer-size" out.txt || fail "--max-layer-size disabled did not override the file"

# Model weights: found by the manifest-level heuristic, reported as such; JSON carries the ci object.
rm .coldstart-ci.yaml
run 3 --no-model-weights true -o json "${aigc[@]}"
python3 - out.txt <<'PY' || fail "ci in JSON"
import json, sys
doc = json.load(open(sys.argv[1]))
ci = doc["ci"]
assert ci["passed"] is False and ci["failures"] == 1, ci
(bad,) = [c for c in ci["checks"] if c["status"] == "FAIL"]
assert bad["rule"] == "no-model-weights" and "created_by copies a models directory" in bad["message"], bad
PY

# With --deep the waste rules are checked and model weights come from the file list.
run 3 --deep --max-wasted-bytes 1KiB --no-model-weights true --max-wasted-percent 50 "${aigc[@]}"
grep -q "^FAIL max-wasted-bytes: oci:$img/aigc: .* wasted > 1.0 KiB$" out.txt || fail "deep waste rule"
grep -q "^PASS max-wasted-percent: " out.txt || fail "deep waste percent rule"
grep -q "^FAIL no-model-weights: .*--deep: 1 weight file(s), e.g. /models/aigc/model.safetensors" out.txt \
  || fail "deep model weights evidence"

# Markdown for a PR comment includes the gate.
run 3 --ci --max-volatile-bytes 1KiB -o markdown "${aigc[@]}"
grep -q "^### CI gate" out.txt || fail "markdown CI section"
grep -q "^FAIL max-volatile-bytes" out.txt || fail "markdown violation line"

# Bad rules: unknown rule, bad value, missing file -> clear errors, never exit 3.
run 2 --ci-config <(printf 'max-volatile: 1GB\n') "${aigc[@]}"
grep -q "unknown CI rule 'max-volatile'" err.txt || fail "unknown rule message: $(cat err.txt)"
run 2 --min-stable-ratio 150% "${aigc[@]}"
run 1 --ci-config "$tmp/missing.yaml" "${aigc[@]}"
grep -q "missing.yaml not found" err.txt || fail "missing file message: $(cat err.txt)"
echo "analyze_ci: ok"
