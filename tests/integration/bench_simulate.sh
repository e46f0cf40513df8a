#!/usr/bin/env bash
# coldstart bench simulate: the seed case's shape (20 GB: registry only ~20 min at 1000 nodes,
# cache + P2P under 30 s, the gap widening), a plan from analyze, every format, the chart as
# well-formed SVG, and the error paths (bad plan: one line, exit 1; bad flags: exit 2).
source "$(dirname "$0")/lib/harness.sh"
cd "$SOURCE_DIR"

# Seed case.
"$COLDSTART" -q bench simulate --image-size 20GB --stable-fraction 0.8 --nodes 1,10,100,1000 -o json \
  --chart "$tmp/seed.svg" >"$tmp/seed.json"
python3 - "$tmp/seed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1 and d["kind"] == "coldstart-scaleout-simulation", d
r = {x["nodes"]: x["strategies"] for x in d["results"]}
assert sorted(r) == [1, 10, 100, 1000], r.keys()
reg, both = r[1000]["registry"]["seconds"], r[1000]["cache_p2p"]["seconds"]
assert 10 * 60 <= reg <= 60 * 60, f"registry only at 1000 nodes: {reg} s, not ~20 min"
assert both < 30, f"cache + p2p at 1000 nodes: {both} s"
gaps = [r[n]["registry"]["seconds"] / r[n]["cache_p2p"]["seconds"] for n in (1, 10, 100, 1000)]
# Flat (within 1 %) while the registry is not yet the limit, then widening.
assert all(b >= 0.99 * a for a, b in zip(gaps, gaps[1:])) and gaps[2] > gaps[1] and gaps[-1] > 10 * gaps[0], gaps
# Closed-form bound, recomputed here: registry only >= N x bytes / egress.
egress = d["parameters"]["registry_bytes_per_second"]
for n, s in r.items():
    assert s["registry"]["fetch_seconds"] >= n * d["image"]["image_bytes"] / egress * (1 - 1e-9)
    assert all(s[k]["seconds"] > 0 for k in ("registry", "cache", "p2p", "cache_p2p"))
PY

# The chart: well-formed XML, one line per strategy, log axes labelled.
python3 - "$tmp/seed.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
assert len(root.findall(ns + "polyline")) == 4
texts = " ".join(t.text or "" for t in root.iter(ns + "text"))
for want in ("registry only", "image cache", "P2P", "cache + P2P", "nodes", "1000", "log scale"):
    assert want in texts, want
PY

# It renders (librsvg, as image viewers and browsers would draw it).
if command -v rsvg-convert >/dev/null; then
  rsvg-convert "$tmp/seed.svg" -o "$tmp/seed.png" && [[ -s "$tmp/seed.png" ]] || fail "rsvg-convert could not render the chart"
fi

# Human formats.
"$COLDSTART" -q bench simulate --image-size 20GB >"$tmp/seed.txt"
grep -q 'CACHE + P2P' "$tmp/seed.txt" && grep -qE '^ *1000 ' "$tmp/seed.txt" || fail "table: $(cat "$tmp/seed.txt")"
"$COLDSTART" -q bench simulate --image-size 20GB -o markdown >"$tmp/seed.md"
grep -q '^| *NODES' "$tmp/seed.md" || fail "markdown table missing"
"$COLDSTART" -q bench simulate --image-size 20GB -o yaml >"$tmp/seed.yaml"
python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d["schema_version"] == 1 and len(d["results"]) == 4' "$tmp/seed.yaml"

# Plan case: analyze the bundled series, simulate its newest version.
refs=()
for v in 1 2 3 4 5; do refs+=("oci:examples/images/aigc:v$v"); done
"$COLDSTART" -q analyze "${refs[@]}" -o json >"$tmp/plan.json"
"$COLDSTART" -q bench simulate --plan "$tmp/plan.json" --nodes 1,10,100,1000 -o json >"$tmp/plan-sim.json"
python3 - "$tmp/plan.json" "$tmp/plan-sim.json" <<'PY'
import json, sys
plan, d = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = plan["images"][0]["totals"]
assert d["image"]["image_bytes"] == t["image_bytes"] and d["image"]["stable_bytes"] == t["cache_bytes"], d["image"]
assert d["source"].startswith("plan ")
for x in d["results"]:
    s = x["strategies"]
    assert s["cache"]["bytes_per_node"] == t["p2p_bytes"], s["cache"]
    assert s["cache_p2p"]["seconds"] <= s["registry"]["seconds"]
PY

# The unpack rate from a bench pull JSON (compressed bytes / median unpack seconds = 200 MB/s).
cat >"$tmp/pull.json" <<'JSON'
{"schema_version": 1, "runs": [{"name": "coldstart", "compressed_bytes": 1000000000,
  "phases": {"fetch": {"p50": 4.0}, "unpack": {"p50": 5.0}}}]}
JSON
"$COLDSTART" -q bench simulate --image-size 20GB --unpack-from "$tmp/pull.json" -o json >"$tmp/measured.json"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["parameters"]["unpack_bytes_per_second"] == 2e8, d["parameters"]' "$tmp/measured.json"

# Errors: a bad plan is one line and exit 1; bad flags exit 2; no chart left behind.
expect() {  # expect RC FILE-PREFIX ARGS...
  local want=$1 name=$2; shift 2
  set +e
  "$COLDSTART" bench simulate "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; local rc=$?
  set -e
  [[ $rc == "$want" ]] || fail "$name: rc=$rc, want $want: $(cat "$tmp/$name.err")"
  [[ $(wc -l <"$tmp/$name.err") == 1 ]] || fail "$name: not one error line: $(cat "$tmp/$name.err")"
  [[ ! -s "$tmp/$name.out" ]] || fail "$name: wrote to stdout"
}
echo '{"kind": "something-else"}' >"$tmp/bad-plan.json"
echo 'not json' >"$tmp/garbage.json"
expect 1 badplan --plan "$tmp/bad-plan.json" --chart "$tmp/none.svg"
grep -q 'not a coldstart plan' "$tmp/badplan.err" || fail "bad plan message: $(cat "$tmp/badplan.err")"
expect 1 garbage --plan "$tmp/garbage.json"
expect 1 missing --plan "$tmp/does-not-exist.json"
expect 2 nosource --nodes 1,10
expect 2 both --plan "$tmp/plan.json" --image-size 20GB
expect 2 badnodes --image-size 20GB --nodes 1,zero
expect 2 badrate --image-size 20GB --registry-bandwidth fast
expect 2 badfraction --image-size 20GB --stable-fraction 1.5
expect 2 badhit --image-size 20GB --cache-hit -1
expect 1 nounpack --image-size 20GB --unpack-from "$tmp/bad-plan.json"
expect 2 twounpack --image-size 20GB --unpack-from "$tmp/pull.json" --unpack-rate 1GB/s
expect 2 badflag --image-size 20GB --no-such-flag
[[ ! -e "$tmp/none.svg" ]] || fail "a failed run left a chart"
echo "ok"
