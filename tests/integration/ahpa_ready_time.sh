#!/usr/bin/env bash
# --ready-time-from-prometheus against a real Prometheus holding backfilled kube-state-metrics
# series: kube_pod_status_ready_time - kube_pod_created of the target's pods, p95 over --range.
# Other workloads' pods (a name prefix alike, another namespace) do not count, a pod that turned
# unready and ready again counts its first ready time, and too few pods fall back with a warning.
source "$(dirname "$0")/lib/harness.sh"
taxi="$SOURCE_DIR/examples/metrics/nyc_taxi.csv"

now=$(date +%s)
python3 - "$tmp/ksm.om" "$now" <<'PY'
import sys
out, now = sys.argv[1], int(sys.argv[2])
t0 = now - 8 * 3600 - now % 60
pods = []  # (namespace, pod, created, ready delay, re-ready after s or None)
api = [95, 100, 110, 120, 125, 130, 140, 150, 160, 175, 190, 240]
for i, d in enumerate(api):
    pods.append(("shop", f"api-7f8d9c6b5-a{i:04d}", t0 + i * 900, d, 3600 if i == 0 else None))
pods.append(("shop", "api-canary-5c6d7e8f9-b0001", t0, 900, None))   # another Deployment
pods.append(("other", "api-7f8d9c6b5-c0001", t0, 1000, None))        # another namespace
pods.append(("shop", "web-6b7c8d9e0-d0001", t0, 30, None))           # too few for web
pods.append(("shop", "web-6b7c8d9e0-d0002", t0 + 600, 40, None))
created, ready = [], []
for ns, pod, c, d, flap in pods:
    labels = f'namespace="{ns}",pod="{pod}",uid="uid-{pod}",job="kube-state-metrics"'
    for t in range(c, c + 3 * 3600, 60):
        created.append(f"kube_pod_created{{{labels}}} {c} {t}")
        if t >= c + d:
            r = c + d + (3600 if flap and t >= c + d + flap else 0)
            ready.append(f"kube_pod_status_ready_time{{{labels}}} {r} {t}")
with open(out, "w") as f:
    f.write("# TYPE kube_pod_created gauge\n" + "\n".join(created) + "\n")
    f.write("# TYPE kube_pod_status_ready_time gauge\n" + "\n".join(ready) + "\n# EOF\n")
PY
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" prometheus "$tmp/ksm.om")" || fail "prometheus did not start"

rec() { "$COLDSTART" ahpa recommend "$taxi" --capacity-per-pod 2000 --range 1d "$@"; }

# 1. p95 of the 12 api pods in shop: sorted ready times ..., 190, 240 -> 190 + 0.45 * 50 = 212.5 s.
rec --target Deployment/api --namespace shop --ready-time-from-prometheus "$PROMETHEUS_URL" -o json \
  >"$tmp/api.json" 2>"$tmp/api.err" || fail "recommend failed: $(tail -n 2 "$tmp/api.err")"
grep -q "ready time: p95 of 12 pods matching .* in namespace shop over the last 24h00m00s = 212.5 s" "$tmp/api.err" ||
  fail "pods seen not reported: $(grep 'ready time' "$tmp/api.err")"
python3 - "$tmp/api.json" <<'PY' || fail "the learned ready time is not the policy's"
import json, sys
d = json.load(open(sys.argv[1]))
assert abs(d["policy"]["ready_time_seconds"] - 212.5) < 1e-6, d["policy"]
assert d["manifest"]["spec"]["prediction"]["scaleUpForward"] == 213, d["manifest"]["spec"]["prediction"]
PY

# 2. --ready-time-quantile 50: (130 + 140) / 2; --prometheus is the default source when live.
rec --target Deployment/api --namespace shop --ready-time-from-prometheus "$PROMETHEUS_URL" --ready-time-quantile 50 \
  -o json 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["policy"]["ready_time_seconds"]; assert r == 135, r' ||
  fail "median ready time is not 135 s"
"$COLDSTART" ahpa recommend --prometheus "$PROMETHEUS_URL" --query 'count(kube_pod_created)' --range 1d --step 5m \
  --capacity-per-pod 1 --target Deployment/api --namespace shop --ready-time-from-prometheus -o json \
  >"$tmp/live.json" 2>"$tmp/live.err" || fail "live recommend failed: $(tail -n 2 "$tmp/live.err")"
grep -q 'p95 of 12 pods' "$tmp/live.err" || fail "--ready-time-from-prometheus without URL did not use --prometheus"

# 3. Without --namespace the pod in 'other' counts too (13 pods); the canary never does.
rec --target Deployment/api --ready-time-from-prometheus "$PROMETHEUS_URL" -o json >/dev/null 2>"$tmp/all.err"
grep -q 'p95 of 13 pods' "$tmp/all.err" || fail "expected 13 pods across namespaces: $(grep 'ready time' "$tmp/all.err")"

# 4. Too few pods: a warning with the count, and --ready-time stands.
rec --target Deployment/web --namespace shop --ready-time 200s --ready-time-from-prometheus "$PROMETHEUS_URL" -o json \
  >"$tmp/web.json" 2>"$tmp/web.err" || fail "too few pods should not fail"
grep -q 'warning: ready time: only 2 pods matching .* (need 5); using --ready-time 200 s' "$tmp/web.err" ||
  fail "no fallback warning: $(cat "$tmp/web.err")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["policy"]["ready_time_seconds"] == 200' "$tmp/web.json" ||
  fail "fallback did not keep --ready-time"

# 5. Errors: no Prometheus to ask is a usage error; an unreachable one is one clear line.
set +e
rec --ready-time-from-prometheus >/dev/null 2>"$tmp/nourl.err"; rc_nourl=$?
rec --ready-time-from-prometheus http://127.0.0.1:1 >/dev/null 2>"$tmp/down.err"; rc_down=$?
set -e
[[ $rc_nourl == 2 ]] && grep -q 'needs a Prometheus' "$tmp/nourl.err" || fail "no URL: rc=$rc_nourl $(cat "$tmp/nourl.err")"
[[ $rc_down == 1 ]] && grep -q 'cannot connect to Prometheus at http://127.0.0.1:1' "$tmp/down.err" ||
  fail "unreachable: rc=$rc_down $(cat "$tmp/down.err")"
echo "ok: the ready time is learned from kube-state-metrics history"
