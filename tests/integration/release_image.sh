#!/usr/bin/env bash
# The release image (issue 9, part 2): scripts/release-image builds an OCI layout of the installed
# coldstart plus the files of its Debian runtime packages, offline. Built twice it has the same
# digest; the layer holds the CA bundle and a nonroot user, owned by root but nonroot's home.
# skopeo pushes it to a real docker-registry; a real containerd (own root/state/socket) pulls it,
# and `ctr run` runs `coldstart --version` and `coldstart inspect` against the registry from inside
# it, as uid 65532. The daemonset manifest's default image is the reference the script tags.
# Needs root (containerd mounts overlayfs and runs runc).
source "$(dirname "$0")/lib/harness.sh"
[[ $(id -u) -eq 0 ]] || fail "needs root: containerd mounts overlayfs and runs runc"
isolate_registry_credentials
script="$SOURCE_DIR/scripts/release-image"

# 1. deterministic: two builds give the same manifest, byte for byte
SOURCE_DATE_EPOCH=1700000000 "$script" "$BUILD_DIR" "$tmp/a" >"$tmp/a.json" 2>"$tmp/err" || fail "release-image: $(cat "$tmp/err")"
SOURCE_DATE_EPOCH=1700000000 "$script" "$BUILD_DIR" "$tmp/b" >"$tmp/b.json" 2>"$tmp/err" || fail "release-image again: $(cat "$tmp/err")"
digest="$(jq -r .manifest_digest "$tmp/a.json")"
[[ "$digest" == "$(jq -r .manifest_digest "$tmp/b.json")" ]] || fail "two builds differ: $(cat "$tmp/a.json" "$tmp/b.json")"
diff -r "$tmp/a" "$tmp/b" >/dev/null || fail "two layouts differ"
version="$("$COLDSTART" --version | sed -n 's/^coldstart version //p')"
ref="$(jq -r .reference "$tmp/a.json")"
[[ "$ref" == "ghcr.io/coldstart/coldstart:$version" ]] || fail "default reference $ref"
jq -e '.packages | index("libcurl4") and index("libarchive13") and index("libzstd1") and index("libisal2") and index("libc6")' \
  "$tmp/a.json" >/dev/null || fail "runtime packages: $(jq -c .packages "$tmp/a.json")"
# the daemonset manifests reference the same image by default
plan="$tmp/plan.json"
"$COLDSTART" -q analyze "oci:$SOURCE_DIR/examples/images/aigc:v1" --plan-out "$plan" >/dev/null || fail "analyze for a plan"
"$COLDSTART" prewarm manifests --plan "$plan" --target daemonset --image registry.example.com/aigc:v1 >"$tmp/ds.yaml" ||
  fail "prewarm manifests"
grep -qF "image: $ref" "$tmp/ds.yaml" || fail "the daemonset does not default to $ref: $(grep image: "$tmp/ds.yaml")"

# 2. what is in it: config, owners, CA bundle, passwd, no docs
manifest="$tmp/a/blobs/sha256/${digest#sha256:}"
config="$tmp/a/blobs/sha256/$(jq -r '.config.digest[7:]' "$manifest")"
layer="$tmp/a/blobs/sha256/$(jq -r '.layers[0].digest[7:]' "$manifest")"
jq -e '.config.User == "65532:65532" and .config.Entrypoint == ["/usr/bin/coldstart"] and .created == "2023-11-14T22:13:20Z"' \
  "$config" >/dev/null || fail "config: $(jq -c .config "$config")"
tar -tvzf "$layer" >"$tmp/listing"
grep -q ' etc/ssl/certs/ca-certificates.crt$' "$tmp/listing" || fail "no CA bundle in the layer"
grep -q ' usr/bin/coldstart$' "$tmp/listing" || fail "no coldstart in the layer"
grep -q ' usr/lib/x86_64-linux-gnu/libcurl.so.4 -> ' "$tmp/listing" || fail "no libcurl in the layer"
awk '$2 != "0/0" && $NF != "home/nonroot/"' "$tmp/listing" | grep -q . && fail "files not owned by root: $(awk '$2 != "0/0"' "$tmp/listing" | head -3)"
grep -q 'usr/share/doc/' "$tmp/listing" && fail "docs in the image"
grep -qx 'nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin' <<<"$(tar -xzOf "$layer" etc/passwd)" || fail "no nonroot user"
[[ "$(tar -tzf "$layer" | sort)" == "$(tar -tzf "$layer")" ]] || fail "layer entries not sorted"

# 3. push with skopeo, pull into a real containerd, run it
registry_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
containerd_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" containerd)" || fail "containerd did not start"
eval "$registry_env"
eval "$containerd_env"
pushed="$REGISTRY/coldstart/coldstart:$version"
skopeo copy -q --dest-tls-verify=false "oci:$tmp/a:$version" "docker://$pushed" 2>"$tmp/err" || fail "skopeo push: $(cat "$tmp/err")"
c() { ctr --address "$CONTAINERD_ADDRESS" -n release "$@"; }
c images pull --plain-http "$pushed" >/dev/null 2>"$tmp/err" || fail "ctr pull: $(cat "$tmp/err")"
# (ASAN_OPTIONS: under the asan preset LeakSanitizer needs ptrace, which a container may refuse)
out="$(c run --rm --net-host --env ASAN_OPTIONS=detect_leaks=0 "$pushed" cs-version /usr/bin/coldstart --version 2>&1)" || fail "ctr run --version: $out"
grep -qx "coldstart version $version" <<<"$out" || fail "--version in the container: $out"
grep -q "^libcurl: " <<<"$out" || fail "--version lists no libcurl in the container: $out"
# from inside the container, over host networking, against the registry it came from
out="$(c run --rm --net-host --env ASAN_OPTIONS=detect_leaks=0 "$pushed" cs-inspect coldstart --plain-http "$REGISTRY" inspect "$pushed" -o json 2>&1)" ||
  fail "ctr run inspect: $out"
jq -e --arg d "$digest" '.manifest_digest == $d or .manifest.digest == $d or (tostring | contains($d))' <<<"$out" >/dev/null ||
  fail "inspect from the container did not see $digest: $out"
# it runs as the nonroot user of the image
c containers create "$pushed" cs-user >/dev/null || fail "ctr containers create"
uid="$(c containers info cs-user | jq -r '.Spec.process.user.uid')"
[[ "$uid" == 65532 ]] || fail "the container runs as uid $uid, not 65532"
c containers rm cs-user >/dev/null
# the image also imports from the layout without a registry (what a node without one would do)
tar -C "$tmp/a" -cf "$tmp/image.tar" . && c images import --index-name "$ref" "$tmp/image.tar" >/dev/null 2>"$tmp/err" ||
  fail "ctr images import: $(cat "$tmp/err")"
names="$(c images ls -q)"  # captured: grep -q closing the pipe early would fail ctr under pipefail
grep -qxF "$ref" <<<"$names" || fail "import did not name $ref: $names"
"$SOURCE_DIR/scripts/testenv" stop "$tmp/env"
echo "release_image: ok"
