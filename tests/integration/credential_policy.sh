#!/usr/bin/env bash
# The credential rule (lib/core/coldstart/core/http_policy.hpp, docs/registry-auth.md) against the
# real docker-registry in token mode and the test token server, which logs every request it gets
# (the Host it was addressed to, Authorization, body) so we can prove where a secret did NOT go:
#  1. a 307 of the token POST (refresh_token=<identity token>) to another origin is refused, and the
#     identity token never reaches that origin;
#  2. a redirected Basic token GET arrives at the other origin without its Authorization;
#  3. Basic credentials never go to a plain-http realm on another host than the registry
#     (unless that host is listed in --plain-http);
#  4. --insecure REGISTRY does not switch off TLS checks for a token realm on another host.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
mkdir -p "$DOCKER_CONFIG"

# run_cs PASSWORD ARGS...: coldstart with PASSWORD on stdin; stdout to $tmp/out, stderr to $tmp/err.
run_cs() {
  local password="$1"
  shift
  set +e
  printf '%s\n' "$password" | timeout 60 "$COLDSTART" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  ((rc != 124)) || fail "coldstart $* hung"
}
# expect_error TEXT...: exit 1 with one error line containing every TEXT.
expect_error() {
  ((rc == 1)) || { cat "$tmp/err" >&2; fail "expected exit 1, got $rc"; }
  [[ "$(wc -l <"$tmp/err")" -eq 1 ]] || { cat "$tmp/err" >&2; fail "expected one error line"; }
  local want
  for want in "$@"; do grep -qF -- "$want" "$tmp/err" || fail "error line lacks '$want': $(cat "$tmp/err")"; done
}
# The registry answers 404 for a repository that does not exist: getting there proves the token came.
expect_token_granted() {
  ((rc == 1)) || { cat "$tmp/err" >&2; fail "expected the registry's not-found, got exit $rc"; }
  grep -qiE 'not found|unknown' "$tmp/err" || fail "expected the registry's not-found ($1): $(cat "$tmp/err")"
}
# never_at HOSTPREFIX FIELD SECRET: no request addressed to HOSTPREFIX carried SECRET in FIELD.
never_at() {
  python3 - "$REGISTRY_TOKEN_LOG" "$@" <<'PY' || fail "$2 carrying the secret reached $1"
import json, sys
log, host, field, secret = sys.argv[1:5]
hits = [e for e in map(json.loads, open(log)) if e["host"].startswith(host) and secret in e[field]]
sys.exit(1 if hits else 0)
PY
}
# seen_at HOSTPREFIX: some request was addressed to HOSTPREFIX (the redirect really happened).
seen_at() {
  grep -q "\"host\": \"$1" "$REGISTRY_TOKEN_LOG" || fail "no request reached $1: the test did not exercise the redirect"
}

# ---- 1 and 2: a realm on 127.0.0.1 that redirects (307) to localhost, another origin -------------
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry token)" || fail "token registry did not start"
image="$REGISTRY/nothing/here:v1"
refresh="$(curl -sf -d grant_type=password -d "username=$REGISTRY_USER" -d "password=$REGISTRY_PASSWORD" \
  -d service=coldstart-test-registry -d client_id=test "$REGISTRY_TOKEN_REALM" | jq -r .refresh_token)"
[[ -n "$refresh" && "$refresh" != null ]] || fail "token server gave no refresh token"
printf '{"auths":{"%s":{"auth":"","identitytoken":"%s"}}}' "$REGISTRY" "$refresh" >"$DOCKER_CONFIG/config.json"
# Control: without the redirect the identity token is exchanged (POST) and the registry is reached.
run_cs "" inspect --plain-http "$REGISTRY" "$image"
expect_token_granted "identity token, no redirect"
curl -sf "http://127.0.0.1:$REGISTRY_TOKEN_PORT/_mode/redirect-cross-origin" >/dev/null || fail "cannot switch the token server"

run_cs "" inspect --plain-http "$REGISTRY" "$image"
expect_error "127.0.0.1:$REGISTRY_TOKEN_PORT redirected a request carrying credentials to another origin" \
  "localhost:$REGISTRY_TOKEN_PORT"
never_at localhost body "$refresh"
never_at localhost body "refresh_token"
echo "1. the token POST is not re-sent across origins"

rm "$DOCKER_CONFIG/config.json"
run_cs "$REGISTRY_PASSWORD" inspect --plain-http "$REGISTRY" --username "$REGISTRY_USER" --password-stdin "$image"
expect_error "authentication failed for $REGISTRY"
seen_at localhost
never_at localhost authorization "Basic"
echo "2. a redirected Basic GET loses its Authorization at the other origin"
curl -sf "http://127.0.0.1:$REGISTRY_TOKEN_PORT/_mode/normal" >/dev/null

# ---- 3: a plain-http realm on another host than the registry ------------------------------------
(
  eval "$(TESTENV_TOKEN_REALM_HOST=localhost "$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry token)" ||
    fail "token registry (localhost realm) did not start"
  [[ "$REGISTRY_TOKEN_REALM" == http://localhost:* ]] || fail "realm is $REGISTRY_TOKEN_REALM"
  image="$REGISTRY/nothing/here:v1"
  run_cs "$REGISTRY_PASSWORD" inspect --plain-http "$REGISTRY" --username "$REGISTRY_USER" --password-stdin "$image"
  expect_error "plain-http token realm on another host, localhost:$REGISTRY_TOKEN_PORT" \
    "--plain-http localhost:$REGISTRY_TOKEN_PORT"
  never_at "" authorization "Basic"
  # Anonymous requests carry nothing secret and may go there.
  run_cs "" inspect --plain-http "$REGISTRY" "$image"
  expect_error "authentication required for $REGISTRY"
  # Listing the realm host in --plain-http is the user's explicit consent.
  run_cs "$REGISTRY_PASSWORD" inspect --plain-http "$REGISTRY" --plain-http "localhost:$REGISTRY_TOKEN_PORT" \
    --username "$REGISTRY_USER" --password-stdin "$image"
  expect_token_granted "realm listed in --plain-http"
  echo "3. Basic credentials go to a plain-http realm on another host only when it is listed"
) || exit 1

# ---- 4: --insecure REGISTRY and an https realm on another host ----------------------------------
(
  eval "$(TESTENV_TOKEN_REALM_HOST=localhost TESTENV_TOKEN_TLS=1 "$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry token)" ||
    fail "token registry (TLS realm) did not start"
  [[ "$REGISTRY_TOKEN_REALM" == https://localhost:* ]] || fail "realm is $REGISTRY_TOKEN_REALM"
  image="$REGISTRY/nothing/here:v1"
  : >"$REGISTRY_TOKEN_LOG"
  run_cs "$REGISTRY_PASSWORD" inspect --plain-http "$REGISTRY" --insecure "$REGISTRY" \
    --username "$REGISTRY_USER" --password-stdin "$image"
  expect_error "TLS certificate of localhost:$REGISTRY_TOKEN_PORT is not trusted"
  [[ ! -s "$REGISTRY_TOKEN_LOG" ]] || fail "the realm received a request over unverified TLS"
  # The realm's own entry, or its CA, is what lets it through.
  run_cs "$REGISTRY_PASSWORD" inspect --plain-http "$REGISTRY" --insecure "$REGISTRY" --insecure "localhost:$REGISTRY_TOKEN_PORT" \
    --username "$REGISTRY_USER" --password-stdin "$image"
  expect_token_granted "realm listed in --insecure"
  run_cs "$REGISTRY_PASSWORD" inspect --plain-http "$REGISTRY" --ca-cert "$REGISTRY_TOKEN_CA" \
    --username "$REGISTRY_USER" --password-stdin "$image"
  expect_token_granted "realm CA given with --ca-cert"
  echo "4. --insecure REGISTRY leaves TLS checks on for the realm's host"
) || exit 1
echo "credential policy: all cases hold"
