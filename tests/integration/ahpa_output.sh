#!/usr/bin/env bash
# ahpa recommend's two outputs kept apart: the manifest (--format, on stdout or --manifest-out)
# and the report (-o json|yaml: one document either way). The AHPA schedule starts at --start
# (default now), and an old export is warned about.
source "$(dirname "$0")/lib/harness.sh"
taxi="$SOURCE_DIR/examples/metrics/nyc_taxi.csv"
args=(--capacity-per-pod 2000 --ready-time 180s)

"$COLDSTART" -q ahpa recommend "$taxi" "${args[@]}" -o json >"$tmp/rep.json"
"$COLDSTART" -q ahpa recommend "$taxi" "${args[@]}" -o yaml >"$tmp/rep.yaml"
"$COLDSTART" ahpa recommend "$taxi" "${args[@]}" --manifest-out "$tmp/m.yaml" -o json >"$tmp/rep2.json" 2>"$tmp/rep2.err"
"$COLDSTART" -q ahpa recommend "$taxi" "${args[@]}" >"$tmp/stdout.yaml"
"$COLDSTART" -q ahpa recommend "$taxi" "${args[@]}" --manifest-out "$tmp/m2.yaml" >"$tmp/summary.txt"
"$COLDSTART" -q ahpa recommend "$taxi" "${args[@]}" --start 2030-01-01T00:00:00Z -o json >"$tmp/start.json"
python3 - "$tmp" <<'PY' || fail "outputs differ"
import json, sys, time, yaml, datetime
t = sys.argv[1]
rep = json.load(open(f"{t}/rep.json"))
def timeless(doc):
    # Two runs may straddle a second: the schedule's start (now) and end may differ by one.
    if isinstance(doc, dict):
        return {k: timeless(v) for k, v in doc.items() if k not in ("startTime", "endTime")}
    return [timeless(v) for v in doc] if isinstance(doc, list) else doc
assert timeless(yaml.safe_load(open(f"{t}/rep.yaml"))) == timeless(rep), "-o yaml and -o json are different documents"
assert rep["schema_version"] == 1 and "manifest" in rep
manifest = yaml.safe_load(open(f"{t}/m.yaml"))
assert manifest == json.load(open(f"{t}/rep2.json"))["manifest"], "--manifest-out is not the report's manifest"
assert yaml.safe_load(open(f"{t}/stdout.yaml"))["kind"] == "AdvancedHorizontalPodAutoscaler", "no -o: stdout is the manifest"
assert timeless(yaml.safe_load(open(f"{t}/m2.yaml"))) == timeless(yaml.safe_load(open(f"{t}/stdout.yaml")))
assert "strategy: auto" in open(f"{t}/summary.txt").read(), "--manifest-out without -o: stdout is the summary"
def start(doc):
    s = doc["spec"]["instanceBounds"][0]["startTime"]
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
assert abs(start(rep["manifest"]) - time.time()) < 120, "the schedule does not start now"
assert start(json.load(open(f"{t}/start.json"))["manifest"]) == datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
PY
grep -q 'warning: the data ends 2015-02-01 00:00:00, .* days before now' "$tmp/rep2.err" || fail "no old-data warning: $(cat "$tmp/rep2.err")"
"$SOURCE_DIR/tests/tools/k8s-validate" "$tmp/m.yaml" >/dev/null || fail "--manifest-out manifest rejected"
echo "ok"
