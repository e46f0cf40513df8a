#!/usr/bin/env bash
# scripts/make-test-images --push: every layout reaches a real docker-registry with its digests unchanged
# (plain HTTP, Basic auth, TLS with a test CA), the zstd layer is not recompressed, the multi-arch index
# arrives whole, and a push with wrong credentials fails with a clear line.
source "$(dirname "$0")/lib/harness.sh"
make="$SOURCE_DIR/scripts/make-test-images"

"$make" "$tmp/all" --set aigc --set llm --set misordered --set multiarch --set zstd 2>"$tmp/build.log" ||
  { cat "$tmp/build.log" >&2; fail "build"; }
"$make" "$tmp/small" --set zstd 2>"$tmp/build.log" || { cat "$tmp/build.log" >&2; fail "build small"; }

# Start all three registries before eval-ing any exports: docker-registry reads REGISTRY_* variables
# as configuration overrides, so one registry's exports must not reach the next one's environment.
plain_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry (plain) did not start"
basic_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry htpasswd)" || fail "registry (htpasswd) did not start"
tls_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry tls)" || fail "registry (tls) did not start"

# plain HTTP: everything, then check what the registry holds
eval "$plain_env"
"$make" --push "$REGISTRY" "$tmp/all" --tls-verify=false 2>"$tmp/push.log" || { cat "$tmp/push.log" >&2; fail "push plain"; }
grep -q "pushed 12 tags to $REGISTRY with digests unchanged" "$tmp/push.log" || { cat "$tmp/push.log" >&2; fail "push summary"; }
raw() { skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/$1"; }
[[ "$(raw zstd:latest | jq -r '.layers[1].mediaType')" == "application/vnd.oci.image.layer.v1.tar+zstd" ]] || fail "zstd media type"
[[ "$(raw zstd:latest | sha256sum | cut -d' ' -f1)" == "$(jq -r '.tags.latest.manifest_digest[7:]' "$tmp/all/zstd/EXPECTED.json")" ]] ||
  fail "zstd manifest digest changed"
[[ "$(raw multiarch:latest | sha256sum | cut -d' ' -f1)" == "$(jq -r '.tags.latest.index_digest[7:]' "$tmp/all/multiarch/EXPECTED.json")" ]] ||
  fail "multiarch index digest changed"
arm="$(jq -r '.tags.latest.manifests.arm64.manifest_digest' "$tmp/all/multiarch/EXPECTED.json")"
raw "multiarch@$arm" >/dev/null || fail "arm64 manifest of the index was not pushed"
for t in v1 v2 v3 v4 v5; do
  want="$(jq -r ".tags.$t.layers[5].digest" "$tmp/all/aigc/EXPECTED.json")"
  [[ "$(raw "aigc:$t" | jq -r '.layers[5].digest')" == "$want" ]] || fail "aigc:$t model layer"
done
curl -sf "http://$REGISTRY/v2/aigc/tags/list" | jq -e '.tags | sort == ["v1","v2","v3","v4","v5"]' >/dev/null || fail "aigc tags"

# Basic auth: the right credentials work, wrong ones fail with one line
eval "$basic_env"
if "$make" --push "$REGISTRY" "$tmp/small" --tls-verify=false --creds "$REGISTRY_USER:wrong" 2>"$tmp/err"; then
  fail "push with a wrong password must fail"
fi
grep -q "make-test-images: skopeo copy .* failed" "$tmp/err" || fail "wrong-password message: $(tail -1 "$tmp/err")"
if grep -q "wrong" "$tmp/err"; then fail "credentials printed"; fi
"$make" --push "$REGISTRY" "$tmp/small" --tls-verify=false --creds "$REGISTRY_USER:$REGISTRY_PASSWORD" 2>"$tmp/push.log" ||
  { cat "$tmp/push.log" >&2; fail "push htpasswd"; }

# TLS with the test CA (verification on)
eval "$tls_env"
"$make" --push "$REGISTRY" "$tmp/small" --cert-dir "$REGISTRY_CERT_DIR" 2>"$tmp/push.log" ||
  { cat "$tmp/push.log" >&2; fail "push tls"; }
if "$make" --push "$REGISTRY" "$tmp/small" 2>"$tmp/err"; then fail "push to an untrusted certificate must fail"; fi
echo "fixtures_push: ok"
