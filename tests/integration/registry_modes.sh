#!/usr/bin/env bash
# coldstart inspect reads an image from a real docker-registry in all four modes (plain HTTP,
# htpasswd Basic, TLS with a test CA, token auth with signed JWTs) and agrees with skopeo and the
# OCI layout it was pushed from; wrong or missing credentials, a missing tag and TLS/HTTP mix-ups
# each give one clear error line and exit 1. Credentials also come from docker config.json
# (auth, identitytoken, credHelpers), $REGISTRY_AUTH_FILE and the containers auth.json.
source "$(dirname "$0")/lib/harness.sh"
mkdir -p "$tmp/empty-docker-config"

# No credentials but the ones each check gives: an empty docker config, no auth files.
export DOCKER_CONFIG="$tmp/empty-docker-config"
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR

python3 "$SOURCE_DIR/tests/integration/lib/tiny_image.py" "$tmp/oci" v1 >/dev/null
want_manifest="$(jq -r '.manifests[0].digest' "$tmp/oci/index.json")"
config_blob="$tmp/oci/blobs/sha256/$(jq -r '.config.digest[7:]' "$tmp/oci/blobs/sha256/${want_manifest#sha256:}")"
want_diff_ids="$(jq -c '.rootfs.diff_ids' "$config_blob")"
want_layers="$(jq -c '[.layers[].digest]' "$tmp/oci/blobs/sha256/${want_manifest#sha256:}")"

# run_cs PASSWORD ARGS...: coldstart with PASSWORD on stdin; stdout to $tmp/out, stderr to $tmp/err.
run_cs() {
  local password="$1"
  shift
  set +e
  printf '%s\n' "$password" | timeout 120 "$COLDSTART" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  ((rc != 124)) || fail "coldstart $* hung (killed after 120 s)"
}

# expect_error WANT_LINE: exit 1, nothing on stdout, exactly WANT_LINE on stderr.
expect_error() {
  ((rc == 1)) || { cat "$tmp/err" >&2; fail "expected exit 1, got $rc"; }
  [[ ! -s "$tmp/out" ]] || fail "an error printed results on stdout"
  [[ "$(wc -l <"$tmp/err")" -eq 1 ]] || { cat "$tmp/err" >&2; fail "expected one error line"; }
  [[ "$(cat "$tmp/err")" == "$1" ]] || fail "error line was: $(cat "$tmp/err")
                                            wanted: $1"
}

expect_image() {
  ((rc == 0)) || { cat "$tmp/err" >&2; fail "inspect failed ($1)"; }
  [[ "$(jq -r '.manifest.digest' "$tmp/out")" == "$want_manifest" ]] || fail "manifest digest ($1)"
  [[ "$(jq -c '[.layers[].diff_id]' "$tmp/out")" == "$want_diff_ids" ]] || fail "diff_ids ($1)"
  [[ "$(jq -c '[.layers[].digest]' "$tmp/out")" == "$want_layers" ]] || fail "layer digests ($1)"
}

for mode in plain htpasswd tls token; do
  # Each registry's exports stay in this subshell.
  (
    env_text="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry "$mode")" || fail "registry ($mode) did not start"
    eval "$env_text"
    echo "== $mode: $REGISTRY"
    eval "skopeo copy -q $REGISTRY_SKOPEO_DEST oci:$tmp/oci:v1 docker://$REGISTRY/aigc/tiny:v1" || fail "skopeo push ($mode)"
    image="docker://$REGISTRY/aigc/tiny:v1"
    conn=()
    [[ "$REGISTRY_PLAIN_HTTP" == 1 ]] && conn=(--plain-http "$REGISTRY")
    [[ "$mode" == tls ]] && conn=(--ca-cert "$REGISTRY_CA")
    auth=()
    [[ -n "${REGISTRY_USER:-}" ]] && auth=(--username "$REGISTRY_USER" --password-stdin)

    run_cs "${REGISTRY_PASSWORD:-}" inspect "$image" "${conn[@]}" "${auth[@]}" -o json
    expect_image "$mode"
    # skopeo sees the same diff_ids.
    skopeo_flags=(--tls-verify=false)
    [[ "$mode" == tls ]] && skopeo_flags=(--cert-dir "$REGISTRY_CERT_DIR")
    [[ -n "${REGISTRY_USER:-}" ]] && skopeo_flags+=(--creds "$REGISTRY_USER:$REGISTRY_PASSWORD")
    [[ "$(skopeo inspect "${skopeo_flags[@]}" --config "$image" | jq -c '.rootfs.diff_ids')" == "$want_diff_ids" ]] ||
      fail "skopeo disagrees on diff_ids ($mode)"
    # The password never reaches the output, not even with -v.
    run_cs "${REGISTRY_PASSWORD:-}" inspect "$image" -v "${conn[@]}" "${auth[@]}"
    ((rc == 0)) || { cat "$tmp/err" >&2; fail "inspect -v ($mode)"; }
    if [[ -n "${REGISTRY_PASSWORD:-}" ]]; then
      ! grep -qF "$REGISTRY_PASSWORD" "$tmp/out" "$tmp/err" || fail "the password was printed ($mode)"
      ! grep -qF "$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)" "$tmp/err" || fail "basic credentials printed ($mode)"
      ! grep -qE 'Bearer [A-Za-z0-9_-]{20,}' "$tmp/err" || fail "a bearer token was printed ($mode)"
      grep -q '<redacted>' "$tmp/err" || fail "-v does not log the (redacted) Authorization header ($mode)"
    fi

    run_cs "${REGISTRY_PASSWORD:-}" inspect "docker://$REGISTRY/aigc/tiny:v9" "${conn[@]}" "${auth[@]}"
    expect_error "coldstart: error: MANIFEST_UNKNOWN: manifest unknown (registry $REGISTRY, aigc/tiny:v9)"

    case "$mode" in
      plain)
        run_cs "" inspect "docker://$REGISTRY/aigc/tiny:v1"
        expect_error "coldstart: error: TLS handshake with registry $REGISTRY failed: $(sed -n 's/.*failed: \(.*\) (if it.*/\1/p' "$tmp/err") (if it serves plain HTTP, use --plain-http $REGISTRY)"
        run_cs "" inspect "docker://$REGISTRY/no/such-repo:v1" "${conn[@]}"
        expect_error "coldstart: error: MANIFEST_UNKNOWN: manifest unknown (registry $REGISTRY, no/such-repo:v1)"
        ;;
      tls)
        run_cs "" inspect "$image"
        grep -q "^coldstart: error: TLS certificate of registry $REGISTRY is not trusted: .* (pass its CA with --ca-cert FILE, or skip verification with --insecure $REGISTRY)\$" "$tmp/err" ||
          fail "untrusted certificate: $(cat "$tmp/err")"
        ((rc == 1)) || fail "untrusted certificate exit code $rc"
        run_cs "" inspect "$image" --insecure "$REGISTRY" -o json
        expect_image "tls --insecure"
        ;;
      htpasswd | token)
        run_cs "wrong-password" inspect "$image" "${conn[@]}" --username "$REGISTRY_USER" --password-stdin
        expect_error "coldstart: error: authentication failed for $REGISTRY (check --username/--password-stdin or docker login)"
        run_cs "" inspect "$image" "${conn[@]}"
        expect_error "coldstart: error: authentication required for $REGISTRY (pass --username and --password-stdin, or run docker login)"

        # docker config.json with a base64 auth entry
        mkdir -p "$tmp/docker-$mode"
        printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)" \
          >"$tmp/docker-$mode/config.json"
        DOCKER_CONFIG="$tmp/docker-$mode" run_cs "" inspect "$image" "${conn[@]}" -o json
        expect_image "$mode via config.json"
        # $REGISTRY_AUTH_FILE wins over a docker config with a wrong password
        printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf '%s:wrong' "$REGISTRY_USER" | base64 -w0)" \
          >"$tmp/docker-$mode/config.json"
        cp "$tmp/docker-$mode/config.json" "$tmp/wrong-$mode.json"
        printf '{"auths":{"%s/aigc":{"auth":"%s"}}}' "$REGISTRY" "$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)" \
          >"$tmp/auth-$mode.json"
        DOCKER_CONFIG="$tmp/docker-$mode" REGISTRY_AUTH_FILE="$tmp/auth-$mode.json" run_cs "" inspect "$image" "${conn[@]}" -o json
        expect_image "$mode via REGISTRY_AUTH_FILE"
        DOCKER_CONFIG="$tmp/docker-$mode" run_cs "" inspect "$image" "${conn[@]}"
        expect_error "coldstart: error: authentication failed for $REGISTRY (check --username/--password-stdin or docker login)"
        # containers auth.json under XDG_RUNTIME_DIR
        mkdir -p "$tmp/xdg-$mode/containers"
        cp "$tmp/auth-$mode.json" "$tmp/xdg-$mode/containers/auth.json"
        XDG_RUNTIME_DIR="$tmp/xdg-$mode" run_cs "" inspect "$image" "${conn[@]}" -o json
        expect_image "$mode via XDG_RUNTIME_DIR/containers/auth.json"
        # a credential helper (credHelpers) on PATH
        mkdir -p "$tmp/bin-$mode"
        printf '#!/bin/sh\nread server\n[ "$server" = "%s" ] || { echo "credentials not found in native keychain"; exit 1; }\necho '"'"'{"Username":"%s","Secret":"%s"}'"'"'\n' \
          "$REGISTRY" "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$tmp/bin-$mode/docker-credential-coldtest"
        chmod +x "$tmp/bin-$mode/docker-credential-coldtest"
        printf '{"credHelpers":{"%s":"coldtest"}}' "$REGISTRY" >"$tmp/docker-$mode/config.json"
        PATH="$tmp/bin-$mode:$PATH" DOCKER_CONFIG="$tmp/docker-$mode" run_cs "" inspect "$image" "${conn[@]}" -o json
        expect_image "$mode via credHelpers"
        ;;
    esac
    if [[ "$mode" == token ]]; then
      # An identity token (OAuth2 refresh token), as `docker login` stores for identity providers.
      refresh="$(curl -sf -d grant_type=password -d "username=$REGISTRY_USER" -d "password=$REGISTRY_PASSWORD" \
        -d service=coldstart-test-registry -d client_id=test "$REGISTRY_TOKEN_REALM" | jq -r .refresh_token)"
      [[ -n "$refresh" && "$refresh" != null ]] || fail "token server gave no refresh token"
      printf '{"auths":{"%s":{"auth":"","identitytoken":"%s"}}}' "$REGISTRY" "$refresh" >"$tmp/docker-$mode/config.json"
      DOCKER_CONFIG="$tmp/docker-$mode" run_cs "" inspect "$image" "${conn[@]}" -o json
      expect_image "token via identitytoken"
      grep -q 'POST /token' "$tmp"/env/registry-*-token.log || fail "the identity token was not exchanged with POST"
    fi
  ) || exit 1
done
echo "registry_modes: ok"
