#!/usr/bin/env bash
# coldstart ahpa backtest: the walk-forward replay of every format's manifest on nyc_taxi, the
# equal-cost baseline, churn, and a schedule CSV from which the figures can be recomputed.
source "$(dirname "$0")/lib/harness.sh"
taxi="$SOURCE_DIR/examples/metrics/nyc_taxi.csv"
# Under ASan the 208-day walk-forward replay takes minutes: the sanitizer run replays the last 40
# days (the same code paths, for memory errors); the quality bar is asserted on the full series.
full=1
if [[ -n "${COLDSTART_SANITIZED:-}" ]]; then
  { head -n 1 "$taxi"; tail -n 1920 "$taxi"; } >"$tmp/taxi-40d.csv"
  taxi="$tmp/taxi-40d.csv" full=0
fi

"$COLDSTART" -q ahpa backtest "$taxi" --ready-time 180s --format all -o json --schedule "$tmp/schedule.csv" \
  --schedule-step 15s --chart "$tmp/chart.svg" >"$tmp/bt.json"
# By default one schedule row per metric step (30 min), not per 15 s simulation tick.
"$COLDSTART" -q ahpa backtest "$taxi" --ready-time 180s --format all --schedule "$tmp/steps.csv" >/dev/null
python3 - "$tmp/steps.csv" "$tmp/schedule.csv" <<'PY' || fail "the default schedule is not one row per step"
import csv, sys
steps, ticks = list(csv.DictReader(open(sys.argv[1]))), list(csv.DictReader(open(sys.argv[2])))
assert len(ticks) == 120 * len(steps), (len(ticks), len(steps))
assert all(int(b["time"]) - int(a["time"]) == 1800 for a, b in zip(steps, steps[1:]))
# A row holds the fewest ready pods of its step: never more than any tick in it.
by_time = {int(r["time"]): r for r in ticks}
for r in steps[:200]:
    t = int(r["time"])
    assert int(r["reactive_hpa_ready"]) == min(int(by_time[t + 15 * k]["reactive_hpa_ready"]) for k in range(120)), t
PY
# The chart: dated day ticks, the y axis names the metric, under-provisioning shaded.
grep -q '>Sun 02-01<' "$tmp/chart.svg" || fail "chart has no dated day ticks"
grep -q 'demand and ready capacity (requests_per_second)' "$tmp/chart.svg" || fail "chart y axis has no unit"
grep -q '<polygon fill="#d62728"' "$tmp/chart.svg" || fail "chart does not shade the reactive HPA's under-provisioning"
"$COLDSTART" -q ahpa backtest "$SOURCE_DIR/examples/metrics/art_daily_small_noise.csv" --format keda >"$tmp/bt.txt"
grep -q 'keda vs the equal-cost HPA' "$tmp/bt.txt" || fail "table does not lead with the equal-cost baseline: $(cat "$tmp/bt.txt")"
grep -q 'pod starts' "$tmp/bt.txt" || fail "table lacks pod starts"
grep -q '^in-sample' "$tmp/bt.txt" || fail "table lacks the labelled in-sample figure"
grep -q '<svg' "$tmp/chart.svg" && grep -q 'polyline' "$tmp/chart.svg" || fail "chart is not an SVG with lines"

python3 - "$tmp/bt.json" "$tmp/schedule.csv" "$full" <<'PY'
import csv, json, math, sys
d = json.load(open(sys.argv[1]))
full = sys.argv[3] == "1"
assert d["schema_version"] == 1
p = {x["name"]: x for x in d["policies"]}
rec, react, eq = p["recommended"], p["reactive_hpa"], p["equal_cost_hpa"]
assert d["replay"]["method"] == "walk-forward"
assert d["replay"]["days_by_strategy"]["auto"] >= (190 if full else 25), d["replay"]["days_by_strategy"]
f = {x["format"]: x for x in d["formats"]}
assert list(f) == ["ahpa", "hpa", "keda", "crane", "keda-serve"], list(f)
a = f["ahpa"]
# The quality bar parts that hold walk-forward: >= 95 % fewer under-provisioned pod-minutes than the
# reactive HPA, <= 1.5x its scaling events, better than the equal-cost HPA.
if full:
    assert d["comparison"]["under_provisioning_reduction_vs_reactive"] >= 0.95, d["comparison"]
    assert d["comparison"]["scaling_events_vs_reactive"] <= 1.5, d["comparison"]
    assert d["comparison"]["not_worse_than_equal_cost"] and a["not_worse_than_equal_cost"]
    assert rec["under_provisioned_pod_minutes"] < eq["under_provisioned_pod_minutes"]
    assert abs(eq["pod_hours"] / rec["pod_hours"] - 1) < 0.01, (eq["pod_hours"], rec["pod_hours"])
for x in f.values():
    assert abs(x["equal_cost_hpa"]["pod_hours"] / x["pod_hours"] - 1) < 0.01, x["format"]
    assert x["pod_starts"] > 0 and x["scaling_events"] > 0
# keda = the hpa target plus cron floors: at least the hpa manifest's pods.
if full:
    assert f["keda"]["pod_hours"] >= f["hpa"]["pod_hours"] - 1e-6
# keda-serve: the forecast controller read through the HPA (10 % tolerance, no forward hold) beats
# its equal-cost HPA and most of the reactive HPA's under-provisioning.
if full:
    ks = f["keda-serve"]
    assert ks["not_worse_than_equal_cost"], ks
    assert ks["under_provisioning_reduction_vs_reactive"] >= 0.7, ks["under_provisioning_reduction_vs_reactive"]
assert 0.8 < d["forecast"]["coverage"] <= 1 and (d["forecast"]["mase"] < 1 or not full)
assert "in_sample" in d and d["in_sample"]["strategy"] == "auto"
assert len(d["days"]) == round(d["replay"]["days"])
# Recompute the figures from the schedule alone.
cap = d["replay"]["capacity_per_pod"]  # walk-forward: derived from the warm-up
tick = d["replay"]["tick_seconds"]
under = {k: 0.0 for k in p}; hours = {k: 0.0 for k in p}
with open(sys.argv[2]) as f:
    for row in csv.DictReader(f):
        need = float(row["demand"]) / cap
        for k in p:
            under[k] += max(0.0, need - int(row[k + "_ready"])) * tick / 60
            hours[k] += int(row[k + "_requested"]) * tick / 3600
for k in p:
    assert math.isclose(under[k], p[k]["under_provisioned_pod_minutes"], rel_tol=1e-6, abs_tol=1e-6), (k, under[k])
    assert math.isclose(hours[k], p[k]["pod_hours"], rel_tol=1e-6), (k, hours[k])
PY

# The manifests carry the damping the replay assumes: AHPA's stabilisation window is the forecast
# controller's, the HPA behavior (also KEDA's and Crane's) is the replayed HPA's.
for format in ahpa hpa keda crane; do
  "$COLDSTART" -q ahpa recommend "$taxi" --ready-time 180s --format "$format" -o json >"$tmp/m-$format.json"
done
python3 - "$tmp/bt.json" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = {f: json.load(open(f"{sys.argv[2]}/m-{f}.json"))["manifest"]["spec"] for f in ("ahpa", "hpa", "keda", "crane")}
assert m["ahpa"]["stabilizationWindowSeconds"] == d["damping"]["scale_down_window_seconds"], m["ahpa"]
behaviors = [m["hpa"]["behavior"], m["keda"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"], m["crane"]["behavior"]]
for b in behaviors:
    assert b["scaleDown"]["stabilizationWindowSeconds"] == d["replay"]["scale_down_window_seconds"], b
    assert b["scaleUp"]["stabilizationWindowSeconds"] == 0, b
    up = {p["type"]: p for p in b["scaleUp"]["policies"]}
    assert up["Percent"]["value"] == 100 and up["Pods"]["value"] == 4 and up["Pods"]["periodSeconds"] == 15, b
assert m["crane"]["scaleStrategy"] == "Auto"
PY

# A bursty series: the recommendation is reactive headroom, never worse than equal cost.
"$COLDSTART" -q ahpa backtest "$SOURCE_DIR/examples/metrics/Twitter_volume_AAPL.csv" -o json >"$tmp/tw.json"
python3 - "$tmp/tw.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["strategy"] == "observer", d["reason"]
assert set(d["replay"]["days_by_strategy"]) == {"observer"}, d["replay"]
assert d["comparison"]["not_worse_than_equal_cost"]
PY

# Too short to replay: a clear error.
set +e
head -30 "$taxi" | "$COLDSTART" ahpa backtest - >/dev/null 2>"$tmp/short.err"; rc=$?
set -e
[[ $rc == 1 ]] && grep -q 'too short' "$tmp/short.err" || fail "short history: rc=$rc $(cat "$tmp/short.err")"
[[ ! -e "$tmp/none.csv" ]]
echo "ok"
