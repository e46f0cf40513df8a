#!/usr/bin/env bash
# bench pull against a real registry (aigc:v5 pushed with skopeo): phases with percentiles in
# table, json, csv and markdown; cold and warm (--cache) runs; --vs skopeo,ctr,containerd beside
# coldstart against a real containerd the command starts in a temp dir (root only) and at --containerd
# SOCKET (the testenv containerd, other namespaces untouched); a peer missing
# from PATH gives a note, not a failure; the baseline gate exits 3 on a slower run and 0 within
# the tolerance; pod_ready_seconds is read back by ahpa recommend --ready-time-from.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
cd "$tmp"
export TMPDIR="$tmp/t"  # every temp dir the command makes must be gone afterwards
mkdir -p "$TMPDIR"

env_text="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
eval "$env_text"
skopeo copy -q --dest-tls-verify=false "oci:$SOURCE_DIR/examples/images/aigc:v5" "docker://$REGISTRY/aigc/sd:v5" ||
  fail "push aigc:v5"
image="$REGISTRY/aigc/sd:v5"
bench() { "$COLDSTART" -q --plain-http "$REGISTRY" bench pull "$image" --samples 3 --warmup 0 "$@"; }

# 1. all four formats; JSON with the documented schema, cold and warm runs
bench --cache "$tmp/cache" --warmup 1 -o json --startup-seconds 40s >pull.json 2>err.txt || fail "bench pull json: $(cat err.txt)"
python3 - pull.json "$SOURCE_DIR/examples/images/aigc/EXPECTED.json" <<'PY' || fail "bench pull JSON"
import json, sys
d = json.load(open(sys.argv[1]))
facts = json.load(open(sys.argv[2]))["tags"]["v5"]
assert d["schema_version"] == 1 and d["samples"] == 3 and d["warmup"] == 1, d["warmup"]
names = [r["name"] for r in d["runs"]]
assert names == ["coldstart-cold", "coldstart-warm"], names
for run in d["runs"]:
    assert run["note"] is None
    assert set(run["phases"]) == {"resolve", "config", "fetch", "unpack", "total"}, run["phases"].keys()
    for name, s in run["phases"].items():
        assert s["count"] == 3, (name, s)
        assert 0 <= s["min"] <= s["p50"] <= s["p90"] <= s["p99"] <= s["max"], (name, s)
        assert s["min"] <= s["mean"] <= s["max"] and s["stddev"] >= 0
    assert len(run["samples"]) == 3
    for s in run["samples"]:
        parts = s["resolve_seconds"] + s["config_seconds"] + s["fetch_seconds"] + s["unpack_seconds"]
        assert parts <= s["total_seconds"] * 1.001, s
        assert len(s["layer_fetch_seconds"]) == facts["layer_count"]
        assert s["files"] > 0
    assert run["layers"] == facts["layer_count"]
    assert run["compressed_bytes"] == sum(l["size"] for l in facts["layers"])
    assert run["uncompressed_bytes"] > run["compressed_bytes"]
    assert run["network_bytes_per_second"]["mean"] > 0 and run["decompress_bytes_per_second"]["mean"] > 0
cold_total = d["runs"][0]["phases"]["total"]
assert abs(d["pod_ready_seconds"] - (cold_total["p90"] + 40)) < 1e-9, d["pod_ready_seconds"]
assert d["baseline"] is None
PY
[[ -f "$tmp/cache/index.json" ]] || fail "--cache layout was not filled"
bench -o table >table.txt || fail "table"
grep -Eq '^coldstart-cold +fetch +[0-9.]+m?s' table.txt || fail "table has no fetch row: $(cat table.txt)"
grep -q 'P90' table.txt && grep -q 'pod_ready_seconds' table.txt || fail "table columns: $(cat table.txt)"
bench -o csv >table.csv || fail "csv"
head -1 table.csv | grep -qx 'run,phase,count,min,mean,stddev,p50,p90,p99,max' || fail "csv header: $(head -1 table.csv)"
grep -Eq '^coldstart-cold,unpack,3,[0-9.]+,' table.csv || fail "csv rows: $(cat table.csv)"
bench -o markdown >table.md || fail "markdown"
grep -Eq '^\| *coldstart-cold *\| *total *\|' table.md || fail "markdown rows: $(cat table.md)"
bench --no-unpack -o json >nounpack.json || fail "--no-unpack"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; assert "unpack" not in r["phases"] and r["decompress_bytes_per_second"] is None' \
  nounpack.json || fail "--no-unpack still unpacked"

# 2. pod_ready_seconds round trip into ahpa recommend --ready-time-from
"$COLDSTART" -q ahpa recommend "$SOURCE_DIR/examples/metrics/nyc_taxi.csv" --capacity-per-pod 2000 \
  --ready-time-from pull.json -o json >ahpa.json || fail "ahpa --ready-time-from the bench JSON"
python3 -c '
import json, sys
want = json.load(open(sys.argv[1]))["pod_ready_seconds"]
got = json.load(open(sys.argv[2]))["policy"]["ready_time_seconds"]
assert abs(got - want) < 1e-9, (got, want)' pull.json ahpa.json || fail "ready time did not round-trip"

# 3. the baseline gate: a much faster baseline is a regression (3); a much slower one is fine (0)
python3 - pull.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, factor in [("fast.json", 0.01), ("slow.json", 100)]:
    b = json.loads(json.dumps(d))
    for key in ("mean", "p50"):
        b["runs"][0]["phases"]["total"][key] *= factor
    json.dump(b, open(name, "w"))
PY
set +e
bench --baseline fast.json --tolerance 10% -o json >gate.json 2>gate.err
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "a slower run must exit 3, got $rc: $(cat gate.err)"
grep -q "regressed against fast.json" gate.err || fail "gate message: $(cat gate.err)"
python3 -c 'import json,sys; b=json.load(open(sys.argv[1]))["baseline"]; assert b["regressed"] is True and b["tolerance"] == 0.1' \
  gate.json || fail "gate JSON"
bench --baseline slow.json --tolerance 10% >/dev/null 2>gate.err || fail "within tolerance must exit 0: $(cat gate.err)"
set +e
bench --tolerance lots >/dev/null 2>gate.err
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "a bad --tolerance is a usage error, got $rc"

# 4. a peer that is not installed is a note, not a failure
PATH="$tmp/nobin" bench --vs skopeo -o json >missing.json 2>err.txt || fail "missing peer failed: $(cat err.txt)"
python3 -c '
import json, sys
runs = {r["name"]: r for r in json.load(open(sys.argv[1]))["runs"]}
assert "skopeo is not installed" in runs["skopeo"]["note"], runs["skopeo"]
assert runs["skopeo"]["samples"] == [] and runs["coldstart-cold"]["note"] is None' missing.json || fail "missing-peer note"
PATH="$tmp/nobin" bench --vs skopeo >missing.txt 2>&1 || fail "missing peer table"
grep -q "skopeo: not run: skopeo is not installed" missing.txt || fail "table note: $(cat missing.txt)"

# 5. --vs against real peers: skopeo, ctr content fetch, ctr images pull on a containerd the
# command starts (root only: containerd mounts snapshots)
if [[ $(id -u) -eq 0 ]]; then
  bench --vs skopeo,ctr,containerd -o json >vs.json 2>err.txt || fail "--vs: $(cat err.txt)"
  python3 - vs.json <<'PY' || fail "--vs rows"
import json, sys
runs = {r["name"]: r for r in json.load(open(sys.argv[1]))["runs"]}
for name in ["skopeo", "ctr-fetch", "ctr-pull"]:
    r = runs[name]
    assert r["note"] is None, (name, r["note"])
    assert r["phases"]["total"]["count"] == 3 and r["phases"]["total"]["min"] > 0, (name, r)
# the same ctr images pull after coldstart prewarm pull --import containerd (a child of coldstart)
pre = runs["ctr-pull-prewarmed"]
assert pre["note"] is None, pre["note"]
assert pre["cache"] == "prewarmed" and pre["phases"]["total"]["count"] == 3, pre
PY
  bench --vs containerd --samples 1 >vs.txt 2>&1 || fail "--vs table"
  grep -Eq '^ctr-pull +total' vs.txt || fail "ctr-pull row: $(cat vs.txt)"
  # --containerd SOCKET: the testenv containerd; bench empties only its own namespace
  eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/ctrd" containerd)" || fail "containerd did not start"
  ctr --address "$CONTAINERD_ADDRESS" -n other content fetch --plain-http "$image" >/dev/null || fail "seed other namespace"
  bench --vs ctr,containerd --samples 1 --containerd "$CONTAINERD_ADDRESS" -o json >attach.json 2>err.txt ||
    fail "--containerd: $(cat err.txt)"
  python3 -c '
import json, sys
runs = {r["name"]: r for r in json.load(open(sys.argv[1]))["runs"]}
assert runs["ctr-fetch"]["note"] is None and runs["ctr-pull"]["note"] is None, runs' attach.json || fail "--containerd rows"
  [[ -n "$(ctr --address "$CONTAINERD_ADDRESS" -n other content ls -q)" ]] || fail "bench touched another namespace"
  set +e
  bench --vs ctr --samples 1 --containerd "$tmp/no.sock" -o json >nosock.json 2>err.txt
  rc=$?
  set -e
  [[ $rc -eq 0 ]] || fail "a dead --containerd must be a note, got exit $rc: $(cat err.txt)"
  grep -q "not answering" nosock.json || fail "dead socket note: $(cat nosock.json)"
else
  echo "not root: --vs ctr,containerd against a real containerd skipped" >&2
fi

# nothing left behind: sample blobs, rootfs, containerd's private root
leftover="$(find "$TMPDIR" -mindepth 1 -maxdepth 1)"
[[ -z "$leftover" ]] || fail "temp dirs left: $leftover"
echo "bench_pull: ok"
