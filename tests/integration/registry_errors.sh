#!/usr/bin/env bash
# Failures of a real registry give one clear line and exit 1, never a hang: a corrupted config
# blob in the registry's storage (digest mismatch naming both digests), a registry that is down
# (connection refused), an unknown repository.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials

run_cs() {
  set +e
  timeout 120 "$COLDSTART" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  set -e
  ((rc != 124)) || fail "coldstart $* hung (killed after 120 s)"
}
expect_one_line_error() {
  ((rc == 1)) || { cat "$tmp/err" >&2; fail "expected exit 1, got $rc"; }
  [[ ! -s "$tmp/out" ]] || fail "an error printed results on stdout"
  [[ "$(wc -l <"$tmp/err")" -eq 1 ]] || { cat "$tmp/err" >&2; fail "expected one error line"; }
}

env_text="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
eval "$env_text"
python3 "$SOURCE_DIR/tests/integration/lib/tiny_image.py" --salt errors "$tmp/oci" v1 >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$tmp/oci:v1" "docker://$REGISTRY/aigc/broken:v1" || fail "skopeo push"
image="docker://$REGISTRY/aigc/broken:v1"
run_cs inspect "$image" --plain-http "$REGISTRY"
((rc == 0)) || { cat "$tmp/err" >&2; fail "inspect before corruption"; }

# Corrupt the config blob in the registry's own storage (same size, different bytes).
manifest="$(jq -r '.manifests[0].digest[7:]' "$tmp/oci/index.json")"
config="$(jq -r '.config.digest' "$tmp/oci/blobs/sha256/$manifest")"
hex="${config#sha256:}"
data="$REGISTRY_STORAGE/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
[[ -f "$data" ]] || fail "config blob not found in registry storage at $data"
python3 - "$data" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[10] ^= 0x01
open(p, "wb").write(bytes(b))
PY
actual="sha256:$(sha256sum "$data" | cut -d' ' -f1)"
run_cs inspect "$image" --plain-http "$REGISTRY"
expect_one_line_error
[[ "$(cat "$tmp/err")" == "coldstart: error: digest mismatch for blob aigc/broken@$config: expected $config, got $actual (the content is corrupt or was changed; fetch it again)" ]] ||
  fail "corrupted config: $(cat "$tmp/err")"

# An unknown repository.
run_cs inspect "docker://$REGISTRY/aigc/nothing-here:v1" --plain-http "$REGISTRY"
expect_one_line_error
grep -qx "coldstart: error: MANIFEST_UNKNOWN: manifest unknown (registry $REGISTRY, aigc/nothing-here:v1)" "$tmp/err" ||
  fail "unknown repository: $(cat "$tmp/err")"

# The registry goes down: a clear connection error, after bounded retries.
"$SOURCE_DIR/scripts/testenv" stop "$tmp/env"
start=$SECONDS
run_cs inspect "$image" --plain-http "$REGISTRY"
expect_one_line_error
grep -qx "coldstart: error: cannot connect to registry $REGISTRY: Connection refused (is it running?)" "$tmp/err" ||
  fail "registry down (plain http): $(cat "$tmp/err")"
run_cs inspect "$image"
expect_one_line_error
grep -qx "coldstart: error: cannot connect to registry $REGISTRY: Connection refused (is it running? use --plain-http for an HTTP registry)" "$tmp/err" ||
  fail "registry down: $(cat "$tmp/err")"
echo "registry down reported in $((SECONDS - start)) s for two runs"
echo "registry_errors: ok"
