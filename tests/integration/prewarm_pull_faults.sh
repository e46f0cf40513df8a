#!/usr/bin/env bash
# Faults of coldstart prewarm pull against a real docker-registry: kill -9 mid-pull then rerun
# resumes from the bytes on disk; the registry stopped mid-pull then restarted: the rerun resumes
# and does not fetch finished blobs again; a corrupted blob in the registry's storage is rejected,
# not stored, one clear line; permission denied (an immutable dir, chattr +i) and disk full (a 1 MiB
# tmpfs) stop with one clear line and leave no blob visible; a token that expires mid-pull is refreshed;
# a registry that goes silent mid-blob fails within --timeout, not minutes.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
cs() { timeout 120 "$COLDSTART" "$@"; }
mkdir -p "$tmp/proxies"
proxy() {  # proxy NAME ARGS...: starts lib/fault_proxy.py, sets $proxy_port
  local name="$1"
  shift
  python3 "$SOURCE_DIR/tests/integration/lib/fault_proxy.py" "$@" >"$tmp/$name.port" 2>"$tmp/$name.log" &
  echo $! >"$tmp/proxies/$name.pid"
  for _ in $(seq 50); do [[ -s "$tmp/$name.port" ]] && break; sleep 0.1; done
  proxy_port="$(cat "$tmp/$name.port")"
  [[ -n "$proxy_port" ]] || fail "fault_proxy.py $* did not start: $(cat "$tmp/$name.log")"
}
cleanup_faults() {
  for p in "$tmp"/proxies/*.pid; do [[ -e "$p" ]] && kill "$(cat "$p")" 2>/dev/null; rm -f "$p"; done
  chattr -i "$tmp/ro/ingest" 2>/dev/null || true
  mountpoint -q "$tmp/full" 2>/dev/null && umount "$tmp/full"
  return 0
}
trap 'rc=$?; set +e; cleanup_faults; (exit $rc); itest_cleanup' EXIT  # set +e: (exit 1) must not end the trap early
run_cs() {  # run_cs ARGS...: sets rc, output in $tmp/out and $tmp/err
  set +e
  cs -q "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  set -e
  ((rc != 124)) || fail "coldstart $* hung"
}
expect_one_line_error() {  # expect_one_line_error PATTERN
  ((rc == 1)) || { cat "$tmp/err" >&2; fail "expected exit 1, got $rc"; }
  [[ "$(wc -l <"$tmp/err")" -eq 1 ]] || { cat "$tmp/err" >&2; fail "expected one error line"; }
  grep -q -- "$1" "$tmp/err" || fail "error line does not say '$1': $(cat "$tmp/err")"
}
wait_for() {  # wait_for SECONDS CONDITION...
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.1; done
}
records() { cat "$1"/ingest/*.ranges 2>/dev/null | wc -l; }

eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
tiny="$SOURCE_DIR/tests/integration/lib/tiny_image.py"
python3 "$tiny" --salt faults --random-kb 6000 "$tmp/oci" v1 >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$tmp/oci:v1" "docker://$REGISTRY/pp/f:v1" || fail "push"
manifest="$(jq -r '.manifests[0].digest[7:]' "$tmp/oci/index.json")"
big="$(jq -r '.layers | max_by(.size) | .digest' "$tmp/oci/blobs/sha256/$manifest")"
big_size="$(jq -r '.layers | max_by(.size) | .size' "$tmp/oci/blobs/sha256/$manifest")"
small="$(jq -r '.layers | min_by(.size) | .digest' "$tmp/oci/blobs/sha256/$manifest")"

# 1. kill -9 mid-pull (a 0.5 MB/s link per connection, 1 MiB chunks): nothing half-written in blobs/, and the rerun
#    resumes: it fetches less than the blob and reports the resumed bytes.
proxy slow "$REGISTRY" --throttle 500000
# (not through cs(): kill -9 must hit coldstart itself, not a wrapper)
"$COLDSTART" -q --plain-http "127.0.0.1:$proxy_port" prewarm pull "127.0.0.1:$proxy_port/pp/f:v1" --cache "$tmp/killed" \
  --chunk-size 1MiB --jobs 2 >/dev/null 2>&1 &
pid=$!
wait_for 60 eval '(($(records "$tmp/killed") >= 2))' || fail "no chunk landed within 60 s"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[[ ! -e "$tmp/killed/blobs/sha256/${big#sha256:}" ]] || fail "a blob is visible after kill -9"
cs -q --plain-http "$REGISTRY" prewarm pull "$REGISTRY/pp/f:v1" --cache "$tmp/killed" --chunk-size 1MiB -o json \
  >"$tmp/resumed.json" || fail "rerun after kill -9"
jq -e --arg d "$big" --argjson n "$big_size" \
  '.blobs[] | select(.digest == $d) | .source == "resumed" and .bytes_resumed >= 2097152 and .bytes_fetched < $n' \
  "$tmp/resumed.json" >/dev/null || fail "not resumed: $(cat "$tmp/resumed.json")"
[[ "$(sha256sum "$tmp/killed/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" == "${big#sha256:}" ]] || fail "resumed blob corrupt"
skopeo copy -q "oci:$tmp/killed:v1" "dir:$tmp/copy-killed" || fail "skopeo copy of the resumed cache"

# 2. The registry is stopped mid-pull (after the small layer is stored), then restarted on the same
#    storage and port: the failed pull says so in one line; the rerun finds the small layer cached
#    and resumes the big one.
regdir="$(ls -d "$tmp"/env/registry-*/ | head -1)"
regdir="${regdir%/}"
regpid="$(cat "$regdir.pid")"
cs -q --plain-http "127.0.0.1:$proxy_port" prewarm pull "127.0.0.1:$proxy_port/pp/f:v1" --cache "$tmp/stopped" \
  --chunk-size 1MiB --jobs 2 >/dev/null 2>"$tmp/stopped.err" &
pid=$!
wait_for 60 eval '[[ -e "$tmp/stopped/blobs/sha256/${small#sha256:}" ]] && (($(records "$tmp/stopped") >= 1))' ||
  fail "the pull made no progress within 60 s"
kill -KILL -- "-$regpid"
set +e
wait "$pid"
rc=$?
set -e
((rc == 1)) || fail "pull with the registry gone: exit $rc"
[[ "$(wc -l <"$tmp/stopped.err")" -eq 1 ]] || fail "registry gone: not one line: $(cat "$tmp/stopped.err")"
[[ ! -e "$tmp/stopped/blobs/sha256/${big#sha256:}" ]] || fail "a blob is visible after the registry went away"
echo "registry gone mid-pull: $(cat "$tmp/stopped.err")"
unset_registry_vars=()
for var in $(compgen -e); do [[ "$var" == REGISTRY_* ]] && unset_registry_vars+=(-u "$var"); done
setsid env "${unset_registry_vars[@]}" docker-registry serve "$regdir/config.yml" >"$regdir.restart.log" 2>&1 </dev/null &
echo $! >"$regdir.pid"
wait_for 20 curl -sf -o /dev/null "http://$REGISTRY/v2/" || fail "registry did not restart"
cs -q --plain-http "$REGISTRY" prewarm pull "$REGISTRY/pp/f:v1" --cache "$tmp/stopped" -o json >"$tmp/restarted.json" ||
  fail "rerun after the registry restarted"
jq -e --arg big "$big" --arg small "$small" \
  '(.blobs[] | select(.digest == $small) | .source == "cached") and
   (.blobs[] | select(.digest == $big) | .source == "resumed" and .bytes_resumed > 0)' "$tmp/restarted.json" >/dev/null ||
  fail "rerun after restart: $(cat "$tmp/restarted.json")"
skopeo copy -q "oci:$tmp/stopped:v1" "dir:$tmp/copy-stopped" || fail "skopeo copy after restart"

# 3. A corrupted blob in the registry's storage (same size, one bit flipped): rejected, not stored.
python3 "$tiny" --salt corrupt --random-kb 3000 "$tmp/oci-c" v1 >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$tmp/oci-c:v1" "docker://$REGISTRY/pp/c:v1" || fail "push c"
cm="$(jq -r '.manifests[0].digest[7:]' "$tmp/oci-c/index.json")"
bad="$(jq -r '.layers | max_by(.size) | .digest' "$tmp/oci-c/blobs/sha256/$cm")"
data="$REGISTRY_STORAGE/docker/registry/v2/blobs/sha256/${bad:7:2}/${bad#sha256:}/data"
[[ -f "$data" ]] || data="$(ls "$regdir"/storage/docker/registry/v2/blobs/sha256/"${bad:7:2}"/"${bad#sha256:}"/data)"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(bytes(b))' "$data"
run_cs --plain-http "$REGISTRY" prewarm pull "$REGISTRY/pp/c:v1" --cache "$tmp/corrupt" --chunk-size 1MiB
expect_one_line_error "digest mismatch for blob $bad"
[[ ! -e "$tmp/corrupt/blobs/sha256/${bad#sha256:}" ]] || fail "the corrupt blob was stored"
[[ -z "$(find "$tmp/corrupt/ingest" -name '*.partial')" ]] || fail "the corrupt partial was kept"

# 4. Permission denied: the cache's ingest dir made immutable (root ignores modes, not chattr +i).
cs -q --plain-http "$REGISTRY" prewarm pull "$REGISTRY/pp/f:v1" --cache "$tmp/ro" --layers all >/dev/null 2>&1 || true
rm -rf "$tmp/ro" && mkdir -p "$tmp/ro"
cs -q prewarm pull "oci:$tmp/oci:v1" --cache "$tmp/ro" >/dev/null 2>&1 || true  # builds the layout
rm -rf "$tmp/ro/blobs/sha256/"* "$tmp/ro/ingest/"*
if chattr +i "$tmp/ro/ingest" 2>/dev/null; then
  run_cs --plain-http "$REGISTRY" prewarm pull "$REGISTRY/pp/f:v1" --cache "$tmp/ro"
  chattr -i "$tmp/ro/ingest"
  expect_one_line_error "Operation not permitted (the cache directory must be writable"
  echo "permission denied: $(cat "$tmp/err")"
  [[ -z "$(ls "$tmp/ro/blobs/sha256")" ]] || fail "blobs visible after permission denied: $(ls "$tmp/ro/blobs/sha256")"
else
  echo "prewarm_pull_faults: chattr +i not supported here; permission test skipped"
fi
run_cs prewarm pull "oci:$tmp/oci:v1" --cache "$tmp/oci/index.json"
expect_one_line_error "Not a directory"

# 5. Disk full: a 1 MiB tmpfs cannot hold the 6 MB layer.
mkdir -p "$tmp/full"
if mount -t tmpfs -o size=1m tmpfs "$tmp/full" 2>/dev/null; then
  run_cs --plain-http "$REGISTRY" prewarm pull "$REGISTRY/pp/f:v1" --cache "$tmp/full/cache"
  expect_one_line_error "No space left on device (free space or choose another --cache"
  echo "disk full: $(cat "$tmp/err")"
  [[ ! -e "$tmp/full/cache/blobs/sha256/${big#sha256:}" ]] || fail "a blob is visible after ENOSPC"
  umount "$tmp/full"
else
  echo "prewarm_pull_faults: cannot mount a tmpfs here; disk-full test skipped"
fi
# 6. A token that expires mid-pull is refreshed. The registry accepts a token up to 60 s after its
#    exp (clock-skew leeway), so the token server issues them already 57 s old: each is good for
#    about 3 s, and the pull over a 1 MB/s link takes longer than that.
tok_env="$(REGISTRY_TOKEN_EXPIRES_IN=-57 "$SOURCE_DIR/scripts/testenv" start "$tmp/env-tok" registry token)" ||
  fail "token registry did not start"
(
  eval "$tok_env"
  skopeo copy -q $REGISTRY_SKOPEO_DEST "oci:$tmp/oci:v1" "docker://$REGISTRY/pp/t:v1" || fail "push to token registry"
  proxy tok "$REGISTRY" --throttle 1000000
  before="$(grep -c 'GET /token' "$tmp"/env-tok/registry-*-token.log)"
  cs -q --plain-http "127.0.0.1:$proxy_port" --username "$REGISTRY_USER" --password-stdin prewarm pull \
    "127.0.0.1:$proxy_port/pp/t:v1" --cache "$tmp/token-expiry" --chunk-size 1MiB --jobs 2 -o json \
    <<<"$REGISTRY_PASSWORD" >"$tmp/token-expiry.json" 2>"$tmp/token-expiry.err" ||
    fail "pull with expiring tokens: $(cat "$tmp/token-expiry.err")"
  tokens=$(($(grep -c 'GET /token' "$tmp"/env-tok/registry-*-token.log) - before))
  # one token for resolving, one for the chunk connections; more means a refresh after a 401
  ((tokens >= 3)) || fail "expected the token to be refreshed mid-pull, $tokens token(s) fetched"
  secs="$(jq -r '.seconds' "$tmp/token-expiry.json")"
  echo "token refreshed mid-pull: $tokens tokens over ${secs}s"
)
# 7. A registry that sends a blob's first bytes and then goes silent with the connection open:
#    --timeout bounds each stall, so the pull fails in seconds with one line, nothing in blobs/.
proxy stall "$REGISTRY" --stall-blobs
start=$SECONDS
run_cs --timeout 2s --plain-http "127.0.0.1:$proxy_port" prewarm pull "127.0.0.1:$proxy_port/pp/f:v1" --cache "$tmp/stalled"
expect_one_line_error "in time"
grep -q -- "--timeout" "$tmp/err" || fail "stall error does not point at --timeout: $(cat "$tmp/err")"
((SECONDS - start <= 30)) || fail "a stalled blob took $((SECONDS - start)) s to fail with --timeout 2s"
grep -q stalled "$tmp/stall.log" || fail "the proxy never stalled a blob"
[[ -z "$(find "$tmp/stalled/blobs" -type f -name "${big#sha256:}" 2>/dev/null)" ]] || fail "a stalled blob became visible"
echo "stalled registry: exit 1 after $((SECONDS - start)) s: $(cat "$tmp/err")"

echo "prewarm_pull_faults: ok"
