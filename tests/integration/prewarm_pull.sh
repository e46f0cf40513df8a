#!/usr/bin/env bash
# coldstart prewarm pull against a real docker-registry: the cache is an OCI layout skopeo reads
# and copies; a second run fetches 0 bytes; large blobs travel in Range chunks, and a registry that
# ignores Range (a proxy strips it) still works; a 429 with Retry-After is honoured; token auth
# works; two pulls into one cache at once both succeed and leave it valid; --plan --layers selects
# by class; plain lines without a TTY and nothing with -q.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
cs() { timeout 120 "$COLDSTART" "$@"; }
proxy() {  # proxy NAME ARGS...: starts lib/fault_proxy.py, sets $proxy_port
  local name="$1"
  shift
  python3 "$SOURCE_DIR/tests/integration/lib/fault_proxy.py" "$@" >"$tmp/$name.port" 2>"$tmp/$name.log" &
  echo $! >"$tmp/proxies/$name.pid"
  for _ in $(seq 50); do [[ -s "$tmp/$name.port" ]] && break; sleep 0.1; done
  proxy_port="$(cat "$tmp/$name.port")"
  [[ -n "$proxy_port" ]] || fail "fault_proxy.py $* did not start: $(cat "$tmp/$name.log")"
}
mkdir -p "$tmp/proxies"
stop_proxies() { for p in "$tmp"/proxies/*.pid; do [[ -e "$p" ]] && kill "$(cat "$p")" 2>/dev/null; rm -f "$p"; done; }
trap 'rc=$?; set +e; stop_proxies; (exit $rc); itest_cleanup' EXIT  # set +e: (exit 1) must not end the trap early

# Every blob in the layout hashes to its name; skopeo reads and copies TAG.
verify_cache() {  # verify_cache DIR TAG
  local f
  for f in "$1"/blobs/sha256/*; do
    [[ "$(sha256sum "$f" | cut -d' ' -f1)" == "$(basename "$f")" ]] || fail "blob $f does not match its digest"
  done
  skopeo inspect "oci:$1:$2" >/dev/null || fail "skopeo inspect oci:$1:$2"
  rm -rf "$tmp/copy" && skopeo copy -q "oci:$1:$2" "dir:$tmp/copy" || fail "skopeo copy oci:$1:$2 dir:"
}

registry_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
token_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry token)" || fail "token registry did not start"
eval "$registry_env"
plain="$REGISTRY"
tiny="$SOURCE_DIR/tests/integration/lib/tiny_image.py"
python3 "$tiny" --salt a --random-kb 6000 "$tmp/oci-a" v1 >/dev/null
python3 "$tiny" --salt b --random-kb 3000 "$tmp/oci-b" v2 >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$tmp/oci-a:v1" "docker://$plain/pp/a:v1" || fail "push a"
skopeo copy -q --dest-tls-verify=false "oci:$tmp/oci-b:v2" "docker://$plain/pp/b:v2" || fail "push b"
want_manifest="sha256:$(jq -r '.manifests[0].digest[7:]' "$tmp/oci-a/index.json")"

# 1. Into an empty cache, 1 MiB Range chunks: the layout is what skopeo reads.
cs --plain-http "$plain" prewarm pull "$plain/pp/a:v1" --cache "$tmp/cache" --chunk-size 1MiB -o json \
  >"$tmp/first.json" 2>"$tmp/first.err" || { cat "$tmp/first.err" >&2; fail "first pull"; }
jq -e '.ranges == true and .counts.fetched == 4 and .counts.cached == 0 and .manifest_digest == "'"$want_manifest"'"' \
  "$tmp/first.json" >/dev/null || { cat "$tmp/first.json" >&2; fail "first pull summary"; }
[[ "$(jq -r '.bytes_fetched' "$tmp/first.json")" -gt 6000000 ]] || fail "first pull fetched too little"
grep -q "^coldstart: layer [0-9a-f]\{12\} .* fetched in" "$tmp/first.err" || fail "no plain progress lines without a TTY"
verify_cache "$tmp/cache" v1
jq -e '.manifests | length == 1 and .[0].annotations["org.opencontainers.image.ref.name"] == "v1"
       and .[0].annotations["io.containerd.image.name"] == "'"$plain/pp/a:v1"'"' "$tmp/cache/index.json" >/dev/null ||
  fail "index.json annotations: $(cat "$tmp/cache/index.json")"
[[ -z "$(find "$tmp/cache/ingest" -name '*.partial' -o -name '*.ranges')" ]] || fail "partials left after a good pull"

# 2. Second run: nothing fetched, everything cached; -q prints nothing on stderr.
cs -q --plain-http "$plain" prewarm pull "$plain/pp/a:v1" --cache "$tmp/cache" -o json >"$tmp/second.json" 2>"$tmp/second.err" ||
  fail "second pull"
jq -e '.bytes_fetched == 0 and .counts.cached == 4' "$tmp/second.json" >/dev/null || fail "second pull fetched: $(cat "$tmp/second.json")"
[[ ! -s "$tmp/second.err" ]] || fail "-q printed: $(cat "$tmp/second.err")"

# 3. A registry that ignores Range (answers 200): the blob is streamed whole, still verified.
proxy norange "$plain" --strip-range
cs --plain-http "127.0.0.1:$proxy_port" prewarm pull "127.0.0.1:$proxy_port/pp/a:v1" --cache "$tmp/cache-norange" \
  --chunk-size 1MiB -o json >"$tmp/norange.json" 2>"$tmp/norange.err" || { cat "$tmp/norange.err" >&2; fail "pull without Range"; }
grep -q "range stripped" "$tmp/norange.log" || fail "the proxy saw no Range request"
jq -e '.ranges == false and .counts.fetched == 4' "$tmp/norange.json" >/dev/null || fail "no-Range summary: $(cat "$tmp/norange.json")"
verify_cache "$tmp/cache-norange" v1

# 4. 429 with Retry-After: 2 on the first blob request: honoured, then the pull succeeds.
proxy busy "$plain" --429 1 --retry-after 2
start=$(date +%s.%N)
cs -q --plain-http "127.0.0.1:$proxy_port" prewarm pull "127.0.0.1:$proxy_port/pp/a:v1" --cache "$tmp/cache-429" \
  -o json >"$tmp/429.json" || fail "pull after 429"
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
grep -q "429 sent" "$tmp/busy.log" || fail "the proxy sent no 429"
awk -v e="$elapsed" 'BEGIN { exit !(e >= 1.9) }' || fail "Retry-After: 2 not honoured (pull took ${elapsed}s)"
verify_cache "$tmp/cache-429" v1

# 5. Two pulls into one cache at once (same image twice, another image beside), over a slow link
#    so they overlap: all succeed, every blob verifies, index.json has both tags.
proxy slow "$plain" --throttle 4000000
for i in 1 2; do
  cs -q --plain-http "127.0.0.1:$proxy_port" prewarm pull "127.0.0.1:$proxy_port/pp/a:v1" --cache "$tmp/shared" \
    --chunk-size 1MiB --jobs 3 -o json >"$tmp/shared-$i.json" 2>"$tmp/shared-$i.err" &
  eval "pid$i=\$!"
done
cs -q --plain-http "127.0.0.1:$proxy_port" prewarm pull "127.0.0.1:$proxy_port/pp/b:v2" --cache "$tmp/shared" \
  -o json >"$tmp/shared-3.json" 2>"$tmp/shared-3.err" &
pid3=$!
for i in 1 2 3; do
  eval "wait \$pid$i" || { cat "$tmp/shared-$i.err" >&2; fail "concurrent pull $i failed"; }
done
verify_cache "$tmp/shared" v1
verify_cache "$tmp/shared" v2
jq -e '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | sort == ["v1","v2"]' "$tmp/shared/index.json" \
  >/dev/null || fail "shared index.json: $(cat "$tmp/shared/index.json")"
big="$(jq -r '[.blobs[] | select(.role == "layer")] | max_by(.size_bytes) | .digest' "$tmp/shared-1.json")"
fetched_twice="$(jq -s --arg d "$big" '[.[].blobs[] | select(.digest == $d and .source != "cached")] | length' \
  "$tmp/shared-1.json" "$tmp/shared-2.json")"
[[ "$fetched_twice" == 1 ]] || fail "the big blob was written by $fetched_twice pulls (want 1: the other waits and finds it)"

# 6. Token auth (Bearer from a token server).
eval "$token_env"
skopeo copy -q $REGISTRY_SKOPEO_DEST "oci:$tmp/oci-b:v2" "docker://$REGISTRY/pp/b:v2" || fail "push to token registry"
cs -q --plain-http "$REGISTRY" --username "$REGISTRY_USER" --password-stdin prewarm pull "$REGISTRY/pp/b:v2" \
  --cache "$tmp/cache-token" -o json <<<"$REGISTRY_PASSWORD" >"$tmp/token.json" || fail "pull with token auth"
verify_cache "$tmp/cache-token" v2

# 7. Any transport as the source; --plan --layers selects by class; --layers without a plan is a usage error.
examples="$SOURCE_DIR/examples/images/aigc"
cs -q analyze "oci:$examples:v1" "oci:$examples:v2" "oci:$examples:v3" "oci:$examples:v4" "oci:$examples:v5" \
  --plan-out "$tmp/plan.json" >/dev/null || fail "analyze"
cs -q prewarm pull "oci:$examples:v5" --cache "$tmp/cache-stable" --plan "$tmp/plan.json" --layers stable -o json \
  >"$tmp/stable.json" || fail "pull --layers stable"
stable="$(jq '[.images[0].layers[] | select(.in_newest and .class == "stable") | .digest] | unique | length' "$tmp/plan.json")"
volatile="$(jq '[.images[0].layers[] | select(.in_newest and .class == "volatile")] | length' "$tmp/plan.json")"
jq -e --argjson s "$stable" --argjson v "$volatile" \
  '([.blobs[] | select(.role == "layer")] | length) == $s and (.skipped | length) == $v and
   all(.blobs[] | select(.role == "layer"); .class == "stable") and .ranges == false' "$tmp/stable.json" >/dev/null ||
  fail "--layers stable: $(cat "$tmp/stable.json")"
skopeo inspect "oci:$tmp/cache-stable:v5" >/dev/null || fail "skopeo inspect of a stable-only cache"
set +e
cs prewarm pull "oci:$examples:v5" --cache "$tmp/cache-x" --layers volatile >/dev/null 2>"$tmp/usage.err"
rc=$?
set -e
((rc == 2)) || fail "--layers without --plan: exit $rc, want 2"
grep -q "needs --plan" "$tmp/usage.err" || fail "usage message: $(cat "$tmp/usage.err")"
echo "prewarm_pull: ok"
