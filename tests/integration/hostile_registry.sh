#!/usr/bin/env bash
# Hostile registries: lib/fault_proxy.py in front of the real docker-registry injects a 5xx storm,
# connection resets mid-blob, a byte-a-second drip, a Content-Length that lies, a 401 loop and a
# blob redirect to another host. Each ends in a bounded number of retries and one clear error
# line (exit 1), or succeeds with the right bytes; credentials never follow the redirect.
# (A registry that accepts the connection and never answers: registry_silent.sh; one that stalls
# mid-blob: prewarm_pull_faults.sh.) docs/reliability.md lists every case and its outcome.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
mkdir -p "$tmp/proxies"
proxy() {  # proxy NAME UPSTREAM ARGS...: starts lib/fault_proxy.py, sets $P (127.0.0.1:port)
  local name="$1"
  shift
  python3 "$SOURCE_DIR/tests/integration/lib/fault_proxy.py" "$@" >"$tmp/$name.port" 2>"$tmp/$name.log" &
  echo $! >"$tmp/proxies/$name.pid"
  for _ in $(seq 50); do [[ -s "$tmp/$name.port" ]] && break; sleep 0.1; done
  [[ -s "$tmp/$name.port" ]] || fail "fault_proxy.py $* did not start: $(cat "$tmp/$name.log")"
  P="127.0.0.1:$(cat "$tmp/$name.port")"
}
stop_proxies() { for p in "$tmp"/proxies/*.pid; do [[ -e "$p" ]] && kill "$(cat "$p")" 2>/dev/null; rm -f "$p"; done; return 0; }
trap 'rc=$?; set +e; stop_proxies; (exit $rc); itest_cleanup' EXIT
run_cs() {  # run_cs ARGS...: sets rc and $secs; output in $tmp/out, $tmp/err
  local start=$SECONDS
  set +e
  timeout 120 "$COLDSTART" -q "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  set -e
  secs=$((SECONDS - start))
  ((rc != 124)) || fail "coldstart $* hung"
}
expect_error() {  # expect_error MAX_SECONDS TEXT...: exit 1, one line holding every TEXT, within MAX_SECONDS
  local max="$1" want
  shift
  ((rc == 1)) || { cat "$tmp/err" >&2; fail "expected exit 1, got $rc"; }
  [[ ! -s "$tmp/out" ]] || fail "an error printed results on stdout"
  [[ "$(wc -l <"$tmp/err")" -eq 1 ]] || { cat "$tmp/err" >&2; fail "expected one error line"; }
  for want in "$@"; do grep -qF -- "$want" "$tmp/err" || fail "error line lacks '$want': $(cat "$tmp/err")"; done
  ((secs <= max)) || fail "took ${secs}s, more than ${max}s: $(cat "$tmp/err")"
}
count() { grep -c "$1" "$2" || true; }

eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
python3 "$SOURCE_DIR/tests/integration/lib/tiny_image.py" --salt hostile --random-kb 2000 "$tmp/oci" v1 >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$tmp/oci:v1" "docker://$REGISTRY/h/r:v1" || fail "push"
manifest="$(jq -r '.manifests[0].digest[7:]' "$tmp/oci/index.json")"
big="$(jq -r '.layers | max_by(.size) | .digest' "$tmp/oci/blobs/sha256/$manifest")"

# 1. A 5xx storm: every request answered 503. Four retries with back-off, then the registry's error.
proxy storm "$REGISTRY" --5xx -1
run_cs --plain-http "$P" inspect "$P/h/r:v1"
expect_error 15 "UNAVAILABLE: service unavailable" "registry $P"
n=$(count "503 sent" "$tmp/storm.log")
((n == 5)) || fail "5xx storm: expected 1 + 4 retries, the proxy sent $n 503s"
echo "1. 5xx storm: exit 1 after ${secs}s and $n attempts: $(cat "$tmp/err")"
# A short storm (3 answers) is ridden out by the retries.
proxy burst "$REGISTRY" --5xx 3
run_cs --plain-http "$P" prewarm pull "$P/h/r:v1" --cache "$tmp/burst"
((rc == 0)) || fail "a 3-answer 503 burst was not ridden out: $(cat "$tmp/err")"

# 2. Connection resets mid-blob (TCP RST after half the body): resumed with Range, the right bytes.
proxy resets "$REGISTRY" --reset-blobs 3
run_cs --plain-http "$P" prewarm pull "$P/h/r:v1" --cache "$tmp/reset" -o json
((rc == 0)) || fail "pull through 3 resets: $(cat "$tmp/err")"
(($(count "reset" "$tmp/resets.log") == 3)) || fail "the proxy did not reset 3 blobs: $(cat "$tmp/resets.log")"
[[ "$(sha256sum "$tmp/reset/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" == "${big#sha256:}" ]] || fail "reset blob corrupt"
# Resets on every attempt: bounded, then one line. A cut after new bytes is resumed (at most 32
# resumes per blob); a request that got no byte at all is retried (4 retries): at most 33 x 5.
proxy reset-all "$REGISTRY" --reset-blobs -1
run_cs --plain-http "$P" inspect "$P/h/r:v1"
expect_error 30 "registry $P" "reset"
n=$(count "reset" "$tmp/reset-all.log")
((n <= 165)) || fail "reset on every attempt: $n attempts, expected at most 165"
echo "2. resets: ridden out with resumes; on every attempt, exit 1 after $n attempts: $(cat "$tmp/err")"

# 3. A byte-a-second drip of a blob: the low-speed floor (1 KiB/s over min(30s, --timeout)) ends it.
proxy drip "$REGISTRY" --drip blobs
run_cs --timeout 1s --plain-http "$P" inspect "$P/h/r:v1"
expect_error 15 "registry $P did not answer in time" "--timeout"
grep -q drip "$tmp/drip.log" || fail "the proxy never dripped"
echo "3. byte-a-second drip (blob): exit 1 after ${secs}s: $(cat "$tmp/err")"
# ... and of a manifest: the --timeout deadline covers a document's body.
proxy drip-m "$REGISTRY" --drip manifests
run_cs --timeout 2s --plain-http "$P" analyze "$P/h/r:v1"
expect_error 6 "registry $P did not answer in time" "--timeout"
echo "   byte-a-second drip (manifest): exit 1 after ${secs}s"

# 4. A Content-Length 1000 bytes longer than the body, then silence on the open connection.
proxy lie-m "$REGISTRY" --lying-length manifests
run_cs --timeout 2s --plain-http "$P" inspect "$P/h/r:v1"
expect_error 6 "registry $P did not answer in time" "--timeout"
proxy lie-b "$REGISTRY" --lying-length blobs
run_cs --timeout 1s --plain-http "$P" prewarm pull "$P/h/r:v1" --cache "$tmp/lie"
expect_error 15 "registry $P"
[[ -z "$(ls "$tmp/lie/blobs/sha256" 2>/dev/null | grep -v "$manifest")" ]] || true
echo "4. lying Content-Length: manifest and blob, exit 1: $(cat "$tmp/err")"

# 5. A 401 loop: the realm grants a token every time and the registry refuses it every time.
proxy loop "$REGISTRY" --401-loop
run_cs --plain-http "$P" inspect "$P/h/r:v1"
expect_error 10 "authentication required for $P"
anonymous=$(count "401 sent" "$tmp/loop.log")
printf 'secret\n' >"$tmp/pw"
set +e
timeout 60 "$COLDSTART" -q --plain-http "$P" --username u --password-stdin inspect "$P/h/r:v1" <"$tmp/pw" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
secs=0
expect_error 10 "authentication failed for $P"
total=$(count "401 sent" "$tmp/loop.log")
tokens=$(count "token granted" "$tmp/loop.log")
((total <= 6 && tokens <= 4)) || fail "401 loop: $total 401s and $tokens tokens, expected a bounded few"
echo "5. 401 loop: exit 1 after $anonymous 401s (anonymous), $((total - anonymous)) with credentials, $tokens tokens"

# 6. Blobs redirected (307) to another host, as to a CDN: followed, and the credentials stay behind.
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env-auth" registry htpasswd)" || fail "htpasswd registry did not start"
skopeo copy -q --dest-tls-verify=false --dest-creds "$REGISTRY_USER:$REGISTRY_PASSWORD" "oci:$tmp/oci:v1" \
  "docker://$REGISTRY/h/r:v1" || fail "push (htpasswd)"
proxy cdn "$REGISTRY" --redirect-blobs localhost --upstream-auth "$REGISTRY_USER:$REGISTRY_PASSWORD"
port="${P#127.0.0.1:}"
printf '%s\n' "$REGISTRY_PASSWORD" >"$tmp/pw"
set +e
timeout 60 "$COLDSTART" -q --plain-http "$P" --plain-http "localhost:$port" --username "$REGISTRY_USER" --password-stdin \
  prewarm pull "$P/h/r:v1" --cache "$tmp/cdn" <"$tmp/pw" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
((rc == 0)) || fail "pull with blobs redirected to another host: $(cat "$tmp/err")"
(($(count "redirected" "$tmp/cdn.log") >= 2)) || fail "the proxy redirected no blob: $(cat "$tmp/cdn.log")"
! grep -q "leaked authorization" "$tmp/cdn.log" || fail "credentials followed the redirect: $(grep leaked "$tmp/cdn.log")"
[[ "$(sha256sum "$tmp/cdn/blobs/sha256/${big#sha256:}" | cut -d' ' -f1)" == "${big#sha256:}" ]] || fail "redirected blob corrupt"
echo "6. blob redirect to another host: followed without the Authorization header"
echo "hostile_registry: ok"
