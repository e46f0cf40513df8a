#!/usr/bin/env bash
# analyze against a real registry: the aigc series pushed with skopeo, --history 5 over its tags
# (with --tags filtering out a decoy), the same split as from the OCI layout, and the tags
# ordered by config created rather than by name; --deep resolves each image once.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
cd "$tmp"
img="$SOURCE_DIR/examples/images"

env_text="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
eval "$env_text"
# Tag names sort differently from their dates (r-a is the newest) so ordering by created is tested.
declare -A name=([v1]=r-e [v2]=r-d [v3]=r-c [v4]=r-b [v5]=r-a)
for v in v1 v2 v3 v4 v5; do
  skopeo copy -q --dest-tls-verify=false "oci:$img/aigc:$v" "docker://$REGISTRY/aigc/sd:${name[$v]}" || fail "push $v"
done
skopeo copy -q --dest-tls-verify=false "oci:$img/llm:v1" "docker://$REGISTRY/aigc/sd:decoy" || fail "push decoy"

"$COLDSTART" -q --plain-http "$REGISTRY" analyze --history 5 --tags 'r-.*' "$REGISTRY/aigc/sd" -o json >"$tmp/plan.json"
"$COLDSTART" -q analyze oci:$img/aigc:v1 oci:$img/aigc:v2 oci:$img/aigc:v3 oci:$img/aigc:v4 oci:$img/aigc:v5 -o json \
  >"$tmp/local.json"
python3 - "$tmp/plan.json" "$tmp/local.json" <<'PY' || fail "registry plan differs from the OCI layout's"
import json, sys
remote, local = (json.load(open(p)) for p in sys.argv[1:3])
(r,), (l,) = remote["images"], local["images"]
assert [v["tag"] for v in r["versions"]] == ["r-e", "r-d", "r-c", "r-b", "r-a"], [v["tag"] for v in r["versions"]]
assert [v["manifest_digest"] for v in r["versions"]] == [v["manifest_digest"] for v in l["versions"]]
key = lambda layers: [(x["id"], x["class"], x["destination"], x["reason"]) for x in layers if x["in_newest"]]
assert key(r["layers"]) == key(l["layers"]), (key(r["layers"]), key(l["layers"]))
assert r["totals"]["p2p_bytes"] == l["totals"]["p2p_bytes"]
PY

# --history 2 keeps the two newest by date; a pattern matching nothing is a clear error.
"$COLDSTART" -q --plain-http "$REGISTRY" analyze --history 2 --tags 'r-.*' "docker://$REGISTRY/aigc/sd" -o json >"$tmp/two.json"
python3 -c 'import json,sys; t=[v["tag"] for v in json.load(open(sys.argv[1]))["images"][0]["versions"]]; assert t==["r-b","r-a"], t' \
  "$tmp/two.json" || fail "--history 2"
set +e
"$COLDSTART" -q --plain-http "$REGISTRY" analyze --history 2 --tags 'nope' "$REGISTRY/aigc/sd" >/dev/null 2>"$tmp/err.txt"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q "no tag of $REGISTRY/aigc/sd matches --tags 'nope'" "$tmp/err.txt" || fail "no match: $rc $(cat "$tmp/err.txt")"
# Each image is resolved once, --deep included (it streams through the Source that resolved the
# newest version): the registry log shows no manifest or blob asked for twice.
log="$(ls "$tmp"/env/registry-*.log)"
before=$(wc -l <"$log")
"$COLDSTART" -q --plain-http "$REGISTRY" analyze --deep "$REGISTRY/aigc/sd:r-b" "$REGISTRY/aigc/sd:r-a" >/dev/null
size=-1
for _ in $(seq 50); do  # the registry logs a request just after answering it
  [[ "$(wc -c <"$log")" == "$size" ]] && break
  size="$(wc -c <"$log")"; sleep 0.1
done
tail -n +$((before + 1)) "$log" | grep -oE '"(GET|HEAD) /v2/[^ "]*' | sort | uniq -c >"$tmp/requests.txt"
grep -q ' 1 "GET /v2/aigc/sd/manifests/r-a$' "$tmp/requests.txt" || fail "newest manifest not fetched once: $(cat "$tmp/requests.txt")"
grep -q ' 1 "GET /v2/aigc/sd/manifests/r-b$' "$tmp/requests.txt" || fail "older manifest not fetched once: $(cat "$tmp/requests.txt")"
! grep -vqE '^ *1 ' "$tmp/requests.txt" || fail "requested more than once: $(grep -vE '^ *1 ' "$tmp/requests.txt")"
echo "analyze_registry: ok"
