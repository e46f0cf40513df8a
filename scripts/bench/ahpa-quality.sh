#!/usr/bin/env bash
# The AHPA quality report: replay every series in examples/metrics walk-forward (each day runs the
# manifest recommended from the data before it) for every manifest format, with a 180 s ready
# time and the default capacity (p95 of the warm-up / 10 per pod), check the quality bar, time
# `recommend` on 30 days at 60 s steps, and write docs/ahpa-quality.md.
#
#   scripts/bench/ahpa-quality.sh [OUT.md]        (COLDSTART=path/to/coldstart to pick a binary)
#
# Exit 0 when the bar holds, 3 when it does not.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
coldstart="${COLDSTART:-$root/build/default/apps/coldstart/coldstart}"
data="$root/examples/metrics"
out="${1:-$root/docs/ahpa-quality.md}"
[[ -x "$coldstart" ]] || { echo "ahpa-quality: no binary at $coldstart (build first or set COLDSTART)" >&2; exit 1; }
[[ -d "$data" ]] || { echo "ahpa-quality: no series at $data" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for csv in "$data"/*.csv; do
  name="$(basename "$csv" .csv)"
  echo "backtest $name" >&2
  "$coldstart" -q ahpa backtest "$csv" --ready-time 180s --format all -o json >"$work/$name.json"
done
# The bound: the same walk-forward manifests and damping with the forecast replaced by the values
# that really came. What a perfect forecast cannot reach, no forecast will.
echo "backtest nyc_taxi --perfect-foresight" >&2
"$coldstart" -q ahpa backtest "$data/nyc_taxi.csv" --ready-time 180s --perfect-foresight -o json >"$work/bound.nyc_taxi"

# 30 days at 60 s steps (a daily cycle with a weekend dip and noise) for the speed check.
python3 - "$work/30d-60s.csv" <<'PY'
import math, random, sys
random.seed(1)
t0 = 1700006400 // 86400 * 86400
with open(sys.argv[1], "w") as f:
    f.write("timestamp,value\n")
    for i in range(30 * 1440):
        t = t0 + i * 60
        wd = (t // 86400 + 4) % 7
        v = 100 + 80 * math.sin(2 * math.pi * ((t % 86400) / 86400 - 0.3)) * (0.6 if wd in (0, 6) else 1)
        f.write(f"{t},{max(0.0, v + random.gauss(0, 8)):.2f}\n")
PY
# Wall and CPU (user + sys) time per run: the command is single-threaded, so on an idle machine
# wall ≈ CPU; on a shared one wall also counts time spent waiting for a core.
TIMEFORMAT='%R %U %S'
: >"$work/times"
for i in 1 2 3 4 5 6 7; do
  { time "$coldstart" -q ahpa recommend "$work/30d-60s.csv" --ready-time 180s >/dev/null 2>&1; } 2>>"$work/times"  # stderr: the old-data warning
done
"$coldstart" -v ahpa recommend "$work/30d-60s.csv" --ready-time 180s 2>"$work/verbose.err" >/dev/null
compute_ms="$(sed -n 's/.*recommend took \([0-9.]*\) ms.*/\1/p' "$work/verbose.err" | head -1)"

python3 - "$work" "$out" "${compute_ms:-nan}" <<'PY'
import json, os, statistics, sys
work, out, compute_ms = sys.argv[1], sys.argv[2], sys.argv[3]
times = [[float(x) for x in line.split()] for line in open(os.path.join(work, "times")) if line.strip()]
wall = [round(t[0] * 1000) for t in times]
cpu = [round((t[1] + t[2]) * 1000) for t in times]
rows, format_rows, failures = [], [], []
for fn in sorted(os.listdir(work)):
    if not fn.endswith(".json"):
        continue
    d = json.load(open(os.path.join(work, fn)))
    name = fn[:-5]
    p = {x["name"]: x for x in d["policies"]}
    react = p["reactive_hpa"]
    f = {x["format"]: x for x in d["formats"]}
    a = f["ahpa"]
    eq = a["equal_cost_hpa"]
    days = ", ".join(f"{v} {k}" for k, v in sorted(d["replay"]["days_by_strategy"].items()))
    red, dph, dev = a["under_provisioning_reduction_vs_reactive"], a["pod_hours_change_vs_reactive"], a["scaling_events_vs_reactive"]
    fc = d["forecast"]
    ins = d["in_sample"]["comparison"]["not_worse_than_equal_cost"]
    rows.append(f'| {name} | {d["series"]["step_seconds"]} s | {d["replay"]["days"]:.0f} ({days}) | {d["replay"]["capacity_per_pod"]:.4g} '
                f'| {a["under_provisioned_pod_minutes"]:.0f} | {eq["under_provisioned_pod_minutes"]:.0f} ({eq["target_utilization"]*100:.0f}%) '
                f'| {"yes" if a["not_worse_than_equal_cost"] else "**no**"} '
                f'| {react["under_provisioned_pod_minutes"]:.0f} | {red*100:.1f}% | {dph*100:+.1f}% '
                f'| {a["scaling_events"]} / {react["scaling_events"]} ({dev:.2f}x) | {a["pod_starts"]} / {react["pod_starts"]} '
                f'| {"%.1f%%" % (fc["coverage"]*100) if fc else "–"} | {"yes" if ins else "no"} |')
    cells = []
    for k in ("hpa", "keda", "crane", "keda-serve"):
        x = f[k]
        cells.append(f'{x["under_provisioned_pod_minutes"]:.0f} vs {x["equal_cost_hpa"]["under_provisioned_pod_minutes"]:.0f} '
                     f'{"(ok)" if x["not_worse_than_equal_cost"] else "(**worse**)"}, {x["pod_hours_change_vs_reactive"]*100:+.1f}% ph, '
                     f'{x["scaling_events"]} ev')
    format_rows.append(f"| {name} | " + " | ".join(cells) + " |")
    if not a["not_worse_than_equal_cost"]:
        failures.append(f"{name}: the ahpa manifest is worse than its equal-cost HPA "
                        f'({a["under_provisioned_pod_minutes"]:.0f} vs {eq["under_provisioned_pod_minutes"]:.0f} under-provisioned pod-minutes)')
    if name == "nyc_taxi":
        if red < 0.95:
            failures.append(f"nyc_taxi: {red*100:.1f}% fewer under-provisioned pod-minutes than the reactive HPA (need >= 95%)")
        if dph > 0.05:
            failures.append(f"nyc_taxi: pod-hours {dph*100:+.1f}% vs the reactive HPA (need <= +5%)")
        if dev > 1.5:
            failures.append(f"nyc_taxi: {dev:.2f}x the reactive HPA's scaling events (need <= 1.5x)")
bound = json.load(open(os.path.join(work, "bound.nyc_taxi")))["formats"][0]
bound_line = (f'{bound["under_provisioned_pod_minutes"]:.0f} under-provisioned pod-minutes '
              f'({bound["under_provisioning_reduction_vs_reactive"]*100:.1f}% fewer than the reactive HPA), '
              f'**{bound["pod_hours_change_vs_reactive"]*100:+.1f}% pod-hours**, {bound["scaling_events_vs_reactive"]:.2f}x its scaling events')
cpu_ms, wall_ms = statistics.median(cpu), statistics.median(wall)
if cpu_ms >= 200:
    failures.append(f"recommend on 30 days at 60 s used {cpu_ms} ms CPU (need < 200 ms)")
text = f"""# AHPA quality report

Written by `scripts/bench/ahpa-quality.sh` (do not edit by hand). Every series in
`examples/metrics` (Numenta Anomaly Benchmark, MIT) is replayed by `coldstart ahpa backtest
--format all` **walk-forward**: each replayed UTC day runs the manifest `recommend` prints from
the data before that day (strategy, period, bounds, max replicas, HPA target), with a 180 s pod
ready time and the capacity per pod derived once from the warm-up (its p95 / 10). The first
comparison is the one that matters: the **equal-cost HPA**, a reactive HPA whose target is tuned
so it spends the same pod-hours as the replayed manifest. The reactive HPA at a 100 % target (10 %
tolerance, 300 s scale-down window) is a weak baseline, shown second. Under-provisioned
pod-minutes integrate max(0, demand / capacity − ready pods); a scaling event is a change of the
requested replicas; a pod start is one cold start.

The `ahpa` manifest (AHPA's own forecaster is closed; ours stands in for it, damped as described
in docs/ahpa.md):

| series | step | replayed days (strategy per day) | capacity/pod | ahpa under-prov pod-min | equal-cost HPA (target) | not worse than equal cost | reactive HPA under-prov pod-min | reduction vs reactive | pod-hours vs reactive | scaling events ahpa / reactive | pod starts ahpa / reactive | forecast coverage (p95) | in-sample not worse |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
""" + "\n".join(rows) + f"""

The bound: nyc_taxi's `ahpa` manifest replayed the same way with **perfect foresight** (`backtest
--perfect-foresight`: the forecast replaced by the values that really came; same strategy, floors,
bounds and damping per day) — {bound_line}.

The other manifests, each against its own equal-cost HPA (under-provisioned pod-minutes, manifest
vs equal cost; pod-hours vs the reactive HPA; scaling events). `keda-serve` is KEDA's metrics-api
trigger reading `ahpa serve`'s value through the HPA KEDA creates, with the emitted behaviour (with
a forecast: scale-up tolerance 0, a 1800 s scale-down window; without one: the HPA defaults, the
value carrying the advised headroom):

| series | hpa | keda | crane | keda-serve |
|---|---|---|---|---|
""" + "\n".join(format_rows) + f"""

Quality bar (issue 12): nyc_taxi ≥ 95 % fewer under-provisioned pod-minutes than the reactive HPA
at ≤ +5 % pod-hours, with ≤ 1.5× its scaling events; on every series the `ahpa` manifest never
worse than its equal-cost HPA — all walk-forward. Result: **{"PASS" if not failures else "FAIL: " + "; ".join(failures)}**.

Speed: `coldstart ahpa recommend` on 30 days at 60 s steps (43 200 samples), whole process
including CSV parsing, median of {len(cpu)} runs: **{cpu_ms} ms CPU** (user + sys; runs:
{", ".join(map(str, cpu))}), {wall_ms} ms wall (runs: {", ".join(map(str, wall))}; the load average
was {os.getloadavg()[0]:.1f} while measuring). Detection, forecast, policy and the decision replay
alone took {compute_ms} ms wall in one `-v` run. The bar (< 200 ms) is checked on CPU time, which
equals wall time on an idle machine because the command is single-threaded.
"""
with open(out + ".tmp", "w") as f:
    f.write(text)
os.replace(out + ".tmp", out)
print(text)
sys.exit(3 if failures else 0)
PY
