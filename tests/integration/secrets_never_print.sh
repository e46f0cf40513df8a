#!/usr/bin/env bash
# Secrets never print: every command that talks to a registry or Prometheus runs with -v against
# the token-auth registry (password + identity token), the basic-auth registry and a
# bearer-protected Prometheus (lib/fault_proxy.py --require-bearer in front of a real one), on
# success and on failure (a wrong password). No password, Basic credential, identity token or any
# issued token (a JWT: "eyJ...") may appear in stdout, stderr or any file a command wrote.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
mkdir -p "$DOCKER_CONFIG" "$tmp/out" "$tmp/files"
python3 "$SOURCE_DIR/tests/integration/lib/tiny_image.py" --salt secrets "$tmp/oci" v1 >/dev/null

secrets=()  # every secret value that must never appear
runs=0
run_v() {  # run_v NAME STDIN ARGS...: coldstart -v ARGS with STDIN, output kept under $tmp/out/NAME.*
  local name="$1" input="$2"
  shift 2
  set +e
  printf '%s\n' "$input" | timeout 120 "$COLDSTART" -v "$@" >"$tmp/out/$name.stdout" 2>"$tmp/out/$name.stderr"
  echo $? >"$tmp/out/$name.rc"
  set -e
  [[ "$(cat "$tmp/out/$name.rc")" != 124 ]] || fail "$name hung"
  runs=$((runs + 1))
}
expect_rc() {  # expect_rc NAME RC
  [[ "$(cat "$tmp/out/$1.rc")" == "$2" ]] || fail "$1: exit $(cat "$tmp/out/$1.rc"), expected $2: $(tail -n 3 "$tmp/out/$1.stderr")"
}

# ---- the token registry: password, then the identity token from a docker config ----------------
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env-token" registry token)" || fail "token registry did not start"
skopeo copy -q $REGISTRY_SKOPEO_DEST "oci:$tmp/oci:v1" "docker://$REGISTRY/s/app:v1" || fail "push (token)"
secrets+=("$REGISTRY_PASSWORD" "$(printf '%s' "$REGISTRY_USER:$REGISTRY_PASSWORD" | base64)")
login=(--plain-http "$REGISTRY" --username "$REGISTRY_USER" --password-stdin)
img="$REGISTRY/s/app:v1"
run_v tok-inspect "$REGISTRY_PASSWORD" "${login[@]}" inspect "$img" -o json
expect_rc tok-inspect 0
run_v tok-plan "$REGISTRY_PASSWORD" "${login[@]}" analyze "$img" --plan-out "$tmp/files/plan.json"
expect_rc tok-plan 0
run_v tok-deep "$REGISTRY_PASSWORD" "${login[@]}" analyze --deep "$img" -o json
expect_rc tok-deep 0
run_v tok-pull "$REGISTRY_PASSWORD" "${login[@]}" prewarm pull "$img" --cache "$tmp/files/cache-token"
expect_rc tok-pull 0
run_v tok-bench "$REGISTRY_PASSWORD" "${login[@]}" bench pull "$img" --samples 1 --warmup 0 --cache "$tmp/files/bench-cache" -o json
expect_rc tok-bench 0
run_v tok-manifests "" prewarm manifests --plan "$tmp/files/plan.json" --target kruise --image "$img" --pull-secret regcred
expect_rc tok-manifests 0
run_v tok-wrong "not-the-password-Zq9" "${login[@]}" inspect "$img"
expect_rc tok-wrong 1
secrets+=("not-the-password-Zq9")
# The identity token (refresh token) from a docker config, exchanged by POST.
refresh="$(curl -sf -d grant_type=password -d "username=$REGISTRY_USER" -d "password=$REGISTRY_PASSWORD" \
  -d service=coldstart-test-registry -d client_id=test "$REGISTRY_TOKEN_REALM" | jq -r .refresh_token)"
[[ -n "$refresh" && "$refresh" != null ]] || fail "token server gave no refresh token"
secrets+=("$refresh")
printf '{"auths":{"%s":{"auth":"","identitytoken":"%s"}}}' "$REGISTRY" "$refresh" >"$DOCKER_CONFIG/config.json"
run_v tok-identity "" --plain-http "$REGISTRY" inspect "$img"
expect_rc tok-identity 0
run_v tok-identity-deep "" --plain-http "$REGISTRY" analyze --deep "$img"
expect_rc tok-identity-deep 0
rm "$DOCKER_CONFIG/config.json"

# ---- the basic-auth registry, with credentials from --password-stdin and from a docker config ----
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env-basic" registry htpasswd)" || fail "htpasswd registry did not start"
skopeo copy -q --dest-tls-verify=false --dest-creds "$REGISTRY_USER:$REGISTRY_PASSWORD" "oci:$tmp/oci:v1" \
  "docker://$REGISTRY/s/app:v1" || fail "push (htpasswd)"
basic="$(printf '%s' "$REGISTRY_USER:$REGISTRY_PASSWORD" | base64)"
secrets+=("$REGISTRY_PASSWORD" "$basic")
login=(--plain-http "$REGISTRY" --username "$REGISTRY_USER" --password-stdin)
img="$REGISTRY/s/app:v1"
run_v basic-inspect "$REGISTRY_PASSWORD" "${login[@]}" inspect "$img" -o yaml
expect_rc basic-inspect 0
run_v basic-deep "$REGISTRY_PASSWORD" "${login[@]}" analyze --deep "$img" -o markdown
expect_rc basic-deep 0
run_v basic-pull "$REGISTRY_PASSWORD" "${login[@]}" prewarm pull "$img" --cache "$tmp/files/cache-basic" -o json
expect_rc basic-pull 0
run_v basic-bench "$REGISTRY_PASSWORD" "${login[@]}" bench pull "$img" --samples 1 --warmup 0 --no-unpack
expect_rc basic-bench 0
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$basic" >"$DOCKER_CONFIG/config.json"
run_v basic-config "" --plain-http "$REGISTRY" analyze "$img" -o json
expect_rc basic-config 0
rm "$DOCKER_CONFIG/config.json"
run_v basic-wrong "wrong-Basic-pw-7Hk" --plain-http "$REGISTRY" --username "$REGISTRY_USER" --password-stdin prewarm pull "$img" \
  --cache "$tmp/files/cache-wrong"
expect_rc basic-wrong 1
secrets+=("wrong-Basic-pw-7Hk" "$(printf '%s' "$REGISTRY_USER:wrong-Basic-pw-7Hk" | base64)")

# ---- a bearer-protected Prometheus (and basic auth on the same server through the proxy) ----------
python3 - "$tmp/backfill.om" <<'PY'
import sys
t0 = 1404172800
with open(sys.argv[1], "w") as f:
    f.write("# TYPE coldstart_secret_rps gauge\n")
    for i in range(3 * 48):
        f.write(f'coldstart_secret_rps{{job="s"}} {1000 + 500 * ((i % 48) // 12)} {t0 + 1800 * i}\n')
    f.write("# EOF\n")
PY
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env-prom" prometheus "$tmp/backfill.om")" || fail "prometheus did not start"
bearer="prom-bearer-Tk5vQz8"
secrets+=("$bearer")
python3 "$SOURCE_DIR/tests/integration/lib/fault_proxy.py" "${PROMETHEUS_URL#http://}" --require-bearer "$bearer" \
  >"$tmp/prom-proxy.port" 2>"$tmp/prom-proxy.log" &
echo $! >"$tmp/env-prom/bearer-proxy.pid"  # stopped with the testenv dir
for _ in $(seq 50); do [[ -s "$tmp/prom-proxy.port" ]] && break; sleep 0.1; done
prom="http://127.0.0.1:$(cat "$tmp/prom-proxy.port")"
printf '%s\n' "$bearer" >"$tmp/bearer-token"
live=(--prometheus "$prom" --query coldstart_secret_rps --range 3d --step 30m --end $((1404172800 + 3 * 86400 - 1800))
  --capacity-per-pod 400 --ready-time 180s)
run_v prom-recommend "" ahpa recommend "${live[@]}" --bearer-token-file "$tmp/bearer-token" -o json
expect_rc prom-recommend 0
run_v prom-backtest "" ahpa backtest "${live[@]}" --bearer-token-file "$tmp/bearer-token" --schedule "$tmp/files/schedule.csv"
expect_rc prom-backtest 0
printf 'wrong-bearer-Xy3\n' >"$tmp/bad-token"
secrets+=("wrong-bearer-Xy3")
run_v prom-wrong "" ahpa recommend "${live[@]}" --bearer-token-file "$tmp/bad-token"
expect_rc prom-wrong 1
grep -q "bearer refused" "$tmp/prom-proxy.log" || fail "the proxy never refused a bearer token"
# Basic auth to Prometheus with --password-stdin (the proxy refuses it: the password must not echo).
run_v prom-basic "prom-basic-pw-Lm2" --username u --password-stdin ahpa recommend "${live[@]}"
expect_rc prom-basic 1
secrets+=("prom-basic-pw-Lm2" "$(printf 'u:prom-basic-pw-Lm2' | base64)")

# ---- nothing secret anywhere ----------------------------------------------------------------------
grep -q "http: GET" "$tmp/out/tok-inspect.stderr" || fail "-v printed no request log: the test would prove nothing"
grep -qi "authorization" "$tmp/out/tok-inspect.stderr" || fail "-v does not show (redacted) headers"
leaks=0
for s in "${secrets[@]}"; do
  [[ -n "$s" ]] || continue
  if hits="$(grep -rlF -- "$s" "$tmp/out" "$tmp/files" 2>/dev/null)"; then
    echo "LEAK of a secret (${#s} chars, starts ${s:0:3}) in: $hits" >&2
    leaks=$((leaks + 1))
  fi
done
if hits="$(grep -rlE 'eyJ[A-Za-z0-9_-]{10,}' "$tmp/out" "$tmp/files" 2>/dev/null)"; then
  echo "LEAK of a token (JWT) in: $hits" >&2
  leaks=$((leaks + 1))
fi
((leaks == 0)) || fail "$leaks secret(s) printed or written"
echo "secrets_never_print: $runs runs with -v, ${#secrets[@]} secrets, none printed or written"
