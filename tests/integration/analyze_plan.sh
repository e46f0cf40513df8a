#!/usr/bin/env bash
# coldstart analyze on the bundled example series: the plan puts exactly the layers EXPECTED.json
# marks stable in `cache` and the volatile ones in `p2p`; the JSON validates against the published
# schema; hints, fleet view, markdown, --plan-out, --history on an OCI layout, and clear errors.
source "$(dirname "$0")/lib/harness.sh"
cd "$tmp"  # no .coldstart-ci.yaml here
img="$SOURCE_DIR/examples/images"
aigc=(oci:$img/aigc:v1 oci:$img/aigc:v2 oci:$img/aigc:v3 oci:$img/aigc:v4 oci:$img/aigc:v5)

# 1. The split matches EXPECTED.json and the document matches the schema.
"$COLDSTART" -q analyze "${aigc[@]}" -o json --plan-out "$tmp/plan-file.json" >"$tmp/plan.json"
/usr/bin/python3 - "$tmp/plan.json" "$img/aigc/EXPECTED.json" "$SOURCE_DIR/docs/schemas/plan.schema.json" <<'PY' || fail "plan does not match EXPECTED.json"
import json, sys
import jsonschema
plan, expected, schema = (json.load(open(p)) for p in sys.argv[1:4])
jsonschema.validate(plan, schema)
assert plan["schema_version"] == 1
(image,) = plan["images"]
v5 = expected["tags"]["v5"]
assert image["newest"]["tag"] == "v5" and image["newest"]["manifest_digest"] == v5["manifest_digest"]
assert [v["tag"] for v in image["versions"]] == ["v1", "v2", "v3", "v4", "v5"]
newest = [l for l in image["layers"] if l["in_newest"]]
assert [l["id"] for l in newest] == [l["diff_id"] for l in v5["layers"]], "newest layers out of order"
want = {l["diff_id"]: ("cache" if l["expected_class"] == "stable" else "p2p") for l in v5["layers"]}
got = {l["id"]: l["destination"] for l in newest}
assert got == want, f"destinations {got} != {want}"
roles = {l["diff_id"]: l["role"] for l in v5["layers"]}
cached = sorted(roles[i] for i, d in got.items() if d == "cache")
assert cached == ["base", "cuda", "empty", "python"], cached
assert sorted(roles[i] for i, d in got.items() if d == "p2p") == ["app", "model"]
for l in newest:
    if l["destination"] == "cache":
        assert l["reason"] == "identical in 5/5 versions", l["reason"]
    else:
        assert l["reason"] == "changed in 4 of the last 4 releases, in 1/5 versions", l["reason"]
# Every older app/model layer is retired, volatile, with nothing to place.
retired = [l for l in image["layers"] if not l["in_newest"]]
assert len(retired) == 8 and all(l["destination"] == "none" and l["class"] == "volatile" for l in retired)
size = sum(l["size"] for l in v5["layers"])
p2p = sum(l["size"] for l in v5["layers"] if l["expected_class"] == "volatile")
t = image["totals"]
assert t["image_bytes"] == size and t["p2p_bytes"] == p2p and t["cache_bytes"] == size - p2p, t
assert t["node_fetch_without_plan_bytes"] == size and t["node_fetch_with_plan_bytes"] == p2p
kinds = [h["kind"] for h in plan["hints"]]
assert kinds == ["model_weights"], kinds
assert plan["hints"][0]["evidence"] == "created_by copies a models directory"
PY
python3 - "$tmp/plan.json" "$tmp/plan-file.json" <<'PY' || fail "--plan-out differs from -o json"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("generated_at"); b.pop("generated_at")
assert a == b
PY

# 2. The human table, YAML and Markdown say the same.
"$COLDSTART" -q analyze "${aigc[@]}" >"$tmp/table.txt"
grep -q "oci:$img/aigc — 5 version(s): v1 v2 v3 v4 v5 (newest v5)" "$tmp/table.txt" || fail "table header"
[[ "$(grep -c 'identical in 5/5 versions' "$tmp/table.txt")" == 4 ]] || fail "table: 4 stable layers expected"
[[ "$(grep -c 'changed in 4 of the last 4 releases' "$tmp/table.txt")" == 2 ]] || fail "table: 2 volatile layers expected"
grep -q "without the plan" "$tmp/table.txt" || fail "table: savings line"
"$COLDSTART" -q analyze "${aigc[@]}" -o yaml >"$tmp/plan.yaml"
grep -q "^schema_version: 1$" "$tmp/plan.yaml" || fail "yaml output"
"$COLDSTART" -q analyze "${aigc[@]}" -o markdown >"$tmp/plan.md"
head -1 "$tmp/plan.md" | grep -q "^### oci:$img/aigc" || fail "markdown heading"
grep -q "^| # | LAYER | SIZE |" "$tmp/plan.md" || fail "markdown table"
grep -q "^### Hints" "$tmp/plan.md" || fail "markdown hints"

# 3. The misordered series: a volatile layer below stable ones (named by its step) and a duplicate.
"$COLDSTART" -q analyze oci:$img/misordered:v1 oci:$img/misordered:v2 oci:$img/misordered:v3 -o json >"$tmp/mis.json"
python3 - "$tmp/mis.json" "$img/misordered/EXPECTED.json" <<'PY' || fail "misordered hints"
import json, sys
plan, expected = (json.load(open(p)) for p in sys.argv[1:3])
hints = {h["kind"]: h for h in plan["hints"]}
assert "volatile_below_stable" in hints, hints.keys()
assert "COPY app/ /app/" in hints["volatile_below_stable"]["message"], hints["volatile_below_stable"]["message"]
assert "duplicate_layer" in hints
newest = expected["tags"]["v3"]
(pair,) = newest["duplicate_layer_indices"]
assert hints["duplicate_layer"]["evidence"] == f"same diff_id at positions {pair[0]}, {pair[1]}", hints["duplicate_layer"]
PY

# 4. Fleet: llm shares aigc's base and cuda layers.
"$COLDSTART" -q analyze oci:$img/aigc:v4 oci:$img/aigc:v5 oci:$img/llm:v1 oci:$img/llm:v2 -o json >"$tmp/fleet.json"
python3 - "$tmp/fleet.json" "$img/aigc/EXPECTED.json" <<'PY' || fail "fleet view"
import json, sys
plan, expected = (json.load(open(p)) for p in sys.argv[1:3])
assert len(plan["images"]) == 2
roles = {l["diff_id"]: l["role"] for l in expected["tags"]["v5"]["layers"]}
shared = {l["id"]: l for l in plan["fleet"]["shared_layers"]}
shared_roles = {roles.get(i) for i in shared}
assert {"base", "cuda"} <= shared_roles, shared_roles
for l in shared.values():
    assert len(l["repositories"]) == 2 and l["bytes_saved_per_node"] == l["size_bytes"]
assert plan["fleet"]["shared_bytes"] == sum(l["size_bytes"] for l in shared.values())
f = plan["fleet"]
assert f["node_fetch_with_plan_bytes"] < f["node_fetch_without_plan_bytes"]
PY
"$COLDSTART" -q analyze oci:$img/aigc:v4 oci:$img/aigc:v5 oci:$img/llm:v1 oci:$img/llm:v2 >"$tmp/fleet.txt"
grep -q "fleet-wide cache candidates" "$tmp/fleet.txt" || fail "fleet table"

# 5. --history on an OCI layout keeps the N newest tags matching --tags.
"$COLDSTART" -q analyze --history 3 --tags 'v[0-9]+' oci:$img/aigc -o json >"$tmp/hist.json"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); t=[v["tag"] for v in p["images"][0]["versions"]]; assert t==["v3","v4","v5"], t' \
  "$tmp/hist.json" || fail "--history 3"

# 6. Bad input: one clear line, non-zero exit, no plan file left behind.
set +e
"$COLDSTART" analyze "oci:$img/aigc:v404" --plan-out "$tmp/never.json" >/dev/null 2>"$tmp/err.txt"
rc=$?
set -e
[[ $rc == 1 ]] || fail "missing tag: exit $rc"
[[ "$(wc -l <"$tmp/err.txt")" == 1 ]] || fail "missing tag: expected one error line, got: $(cat "$tmp/err.txt")"
[[ ! -e "$tmp/never.json" ]] || fail "a plan file was written on error"
set +e
"$COLDSTART" analyze --history 2 --tags '(' oci:$img/aigc >/dev/null 2>"$tmp/err.txt"
rc=$?
set -e
[[ $rc == 2 ]] || fail "bad regex: exit $rc"
grep -q "not a valid regular expression" "$tmp/err.txt" || fail "bad regex message: $(cat "$tmp/err.txt")"
echo "analyze_plan: ok"
