#!/usr/bin/env bash
# Concurrency: analyze --deep of a 24-layer image from a real registry, its layers streamed in
# parallel through one registry client while lib/fault_proxy.py resets the downloads of 10 blobs
# mid-body 6 times each (each cut resumed with a Range request; more cuts than the 4 retries, which
# cuts that bring new bytes must not use up), gives exactly the report of the same image read from
# its OCI layout: same layers, digests, diff_ids, files, waste and largest paths.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials

python3 "$SOURCE_DIR/tests/integration/lib/hostile_images.py" "$tmp/img" many-layers
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
skopeo copy -q --dest-tls-verify=false "oci:$tmp/img/many-layers:v1" "docker://$REGISTRY/deep/many:v1" || fail "push"

python3 "$SOURCE_DIR/tests/integration/lib/fault_proxy.py" "$REGISTRY" --reset-blobs 10 --reset-each 6 >"$tmp/proxy.port" 2>"$tmp/proxy.log" &
echo $! >"$tmp/env/reset-proxy.pid"  # stopped with the testenv dir
for _ in $(seq 50); do [[ -s "$tmp/proxy.port" ]] && break; sleep 0.1; done
P="127.0.0.1:$(cat "$tmp/proxy.port")"

"$COLDSTART" -q analyze --deep --top 30 "oci:$tmp/img/many-layers:v1" -o json >"$tmp/local.json" ||
  fail "deep analysis of the OCI layout"
start=$SECONDS
timeout 120 "$COLDSTART" -q --plain-http "$P" analyze --deep --top 30 "$P/deep/many:v1" -o json >"$tmp/remote.json" \
  2>"$tmp/remote.err" || fail "deep analysis through resets: $(cat "$tmp/remote.err")"
secs=$((SECONDS - start))
resets=$(grep -c "^reset" "$tmp/proxy.log" || true)
# Layers are read in parallel Range chunks and a reader may stop before a blob's last bytes (the
# tar ends before the gzip trailer), so not every planned cut happens; but most must, and some
# blob must have been cut more often than the 4 retries allow.
most=$(awk '/^reset/ { n[$2]++ } END { m = 0; for (b in n) if (n[b] > m) m = n[b]; print m }' "$tmp/proxy.log")
((resets >= 40 && most > 4)) ||
  fail "the proxy reset $resets connections (at most $most of one blob), expected about 60 and > 4 of one: the test did not exercise resets"
python3 - "$tmp/local.json" "$tmp/remote.json" <<'PY' || fail "the registry report differs from the OCI layout's"
import json, sys
def strip(node):
    """Drops what legitimately differs: timings and the image's name."""
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in ("seconds", "image", "reference") and not k.endswith("_seconds")}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node
local, remote = (strip(json.load(open(p))) for p in sys.argv[1:3])
deep_l, deep_r = local["images"][0]["deep"], remote["images"][0]["deep"]
if deep_l != deep_r:
    for k in sorted(set(deep_l) | set(deep_r)):
        if deep_l.get(k) != deep_r.get(k):
            print(f"differs: {k}: {str(deep_l.get(k))[:200]} != {str(deep_r.get(k))[:200]}", file=sys.stderr)
    sys.exit(1)
assert json.dumps(deep_l).count("sha256:") >= 48, "the report lists too few digests to compare"
PY
layers=$(jq '.images[0].deep.layers | length' "$tmp/remote.json")
((layers == 24)) || fail "expected 24 layers in the report, found $layers"
echo "deep_concurrency: 24 layers through $resets resets (6 per blob) in ${secs}s, report identical to the OCI layout's"
