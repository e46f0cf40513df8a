#!/usr/bin/env bash
# coldstart ahpa recommend on the bundled real series: every manifest format passes the project's own
# strict validator, the detected daily period and the ready time show up, bad input fails cleanly.
source "$(dirname "$0")/lib/harness.sh"
validate="$SOURCE_DIR/tests/tools/k8s-validate"
[[ -x "$validate" ]] || fail "validator not found at $validate"
taxi="$SOURCE_DIR/examples/metrics/nyc_taxi.csv"

# AHPA (default format): proactive, daily period detected, scaleUpForward = ready time.
"$COLDSTART" ahpa recommend "$taxi" --capacity-per-pod 2000 --ready-time 180s --target Deployment/taxi-api \
  >"$tmp/ahpa.yaml" 2>"$tmp/ahpa.err"
"$validate" "$tmp/ahpa.yaml" || fail "AHPA manifest rejected by k8s-validate"
grep -q '^kind: "AdvancedHorizontalPodAutoscaler"' "$tmp/ahpa.yaml" || fail "no AHPA kind"
grep -q 'scaleStrategy: "auto"' "$tmp/ahpa.yaml" || fail "nyc_taxi should get a proactive (auto) policy"
grep -q 'scaleUpForward: 180$' "$tmp/ahpa.yaml" || fail "scaleUpForward is not the 180 s ready time"
grep -q 'quantile: 95' "$tmp/ahpa.yaml" || fail "no prediction quantile 95"
grep -Eq 'cron: "\* [0-9]+(-[0-9]+)? \? \* ' "$tmp/ahpa.yaml" || fail "no per-hour cron bounds"
grep -q 'daily' "$tmp/ahpa.err" || fail "the daily period is not reported: $(cat "$tmp/ahpa.err")"

# JSON: the periods and the decision evidence.
"$COLDSTART" -q ahpa recommend "$taxi" --capacity-per-pod 2000 -o json >"$tmp/rec.json"
python3 - "$tmp/rec.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1
labels = [p["label"] for p in d["periods"]["detected"]]
assert "daily" in labels and "weekly" in labels, labels
assert d["strategy"] == "auto" and d["period_seconds"] == 604800
assert len(d["forecast"]) == 48, len(d["forecast"])   # 24 h at 30 min steps
assert d["manifest"]["spec"]["prediction"]["scaleUpForward"] == 180
ev = {p["name"]: p for p in d["evidence"]["policies"]}
assert ev["recommended"]["under_provisioned_pod_minutes"] < ev["equal_cost_hpa"]["under_provisioned_pod_minutes"]
PY

# Every other format, validated; the ready time from a measured file (183.2 s -> 184).
echo '{"pod_ready_seconds": 183.2}' >"$tmp/ready.json"
for format in hpa crane keda ahpa; do
  "$COLDSTART" -q ahpa recommend "$taxi" --capacity-per-pod 2000 --ready-time-from "$tmp/ready.json" \
    --format "$format" --namespace inference >"$tmp/$format.yaml"
  "$validate" "$tmp/$format.yaml" || fail "$format manifest rejected by k8s-validate"
done
grep -q 'scaleUpForward: 184$' "$tmp/ahpa.yaml" || fail "--ready-time-from not used"
grep -q 'type: "cron"' "$tmp/keda.yaml" || fail "KEDA has no cron triggers"
grep -q 'predictionWindowSeconds: 184' "$tmp/crane.yaml" || fail "Crane prediction window is not the ready time"
grep -q 'behavior:' "$tmp/hpa.yaml" || fail "HPA has no behavior"

# An unpredictable series: observer with the reason, still valid; CPU metric -> Resource target.
"$COLDSTART" ahpa recommend "$SOURCE_DIR/examples/metrics/elb_request_count_8c0756.csv" --metric cpu \
  --capacity-per-pod 70 >"$tmp/elb.yaml" 2>"$tmp/elb.err"
"$validate" "$tmp/elb.yaml" || fail "observer manifest rejected"
grep -q 'scaleStrategy: "observer"' "$tmp/elb.yaml" || fail "elb should fall back to observer"
grep -q 'not predictable\|did not beat' "$tmp/elb.err" || fail "no reason given for observer: $(cat "$tmp/elb.err")"
for format in hpa crane keda; do
  "$COLDSTART" -q ahpa recommend "$SOURCE_DIR/examples/metrics/elb_request_count_8c0756.csv" --format "$format" \
    | "$validate" - || fail "observer $format manifest rejected"
done

# Standard input, and too little history -> observer with the reason.
head -60 "$taxi" | "$COLDSTART" ahpa recommend - --capacity-per-pod 2000 >"$tmp/short.yaml" 2>"$tmp/short.err"
grep -q 'scaleStrategy: "observer"' "$tmp/short.yaml" || fail "a 1-day history must fall back to observer"
grep -q 'not testable' "$tmp/short.err" || fail "no too-little-history reason"
"$validate" "$tmp/short.yaml" || fail "short-history manifest rejected"

# Bad input: one error line, non-zero exit, nothing on stdout.
printf 'timestamp,value\n2014-07-01 00:00:00,10\n2014-07-01 00:30:00,abc\n' >"$tmp/bad.csv"
set +e
"$COLDSTART" ahpa recommend "$tmp/bad.csv" >"$tmp/bad.out" 2>"$tmp/bad.err"; rc=$?
"$COLDSTART" ahpa recommend "$taxi" --format vpa >/dev/null 2>"$tmp/usage.err"; rc_usage=$?
"$COLDSTART" ahpa recommend "$taxi" --min 9 --max 3 >/dev/null 2>"$tmp/minmax.err"; rc_minmax=$?
echo '{"ready": 1}' >"$tmp/noready.json"
"$COLDSTART" ahpa recommend "$taxi" --ready-time-from "$tmp/noready.json" >/dev/null 2>"$tmp/noready.err"; rc_ready=$?
set -e
[[ $rc == 1 && ! -s "$tmp/bad.out" ]] || fail "malformed CSV: rc=$rc"
grep -q ':3' "$tmp/bad.err" || fail "malformed CSV error does not name the line: $(cat "$tmp/bad.err")"
[[ $rc_usage == 2 ]] || fail "--format vpa should be a usage error (rc=$rc_usage)"
[[ $rc_minmax == 2 ]] || fail "--min above --max should be a usage error (rc=$rc_minmax)"
[[ $rc_ready == 1 ]] && grep -q pod_ready_seconds "$tmp/noready.err" || fail "bad ready-time file: rc=$rc_ready"
echo "ok"
