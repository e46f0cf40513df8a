#!/usr/bin/env bash
# Import into containerd (issue 7, part 2) against a real containerd 1.6 with its own root, state
# and socket, and a real docker-registry: an OCI layout cache made by skopeo is imported through
# cluster::import_into_containerd (driver tests/tools/import_layout), and so is a cache written by
# `coldstart prewarm pull`; afterwards `ctr -n k8s.io
# images ls` lists the registry reference, the image is unpacked for overlayfs (the model file is
# in a snapshot), and `ctr images pull` of the same reference fetches no blob from the registry,
# counted in the registry's access log (a control pull of another tag does fetch). A multi-arch
# index imports the same way. A corrupt blob, a stopped containerd and a missing ctr fail with one
# line and name no image. Needs root (containerd mounts overlayfs).
source "$(dirname "$0")/lib/harness.sh"
driver="$BUILD_DIR/tests/import_layout"
[[ -x "$driver" ]] || fail "$driver is not built"
[[ $(id -u) -eq 0 ]] || fail "needs root: containerd mounts overlayfs (run the suite as root)"
isolate_registry_credentials

"$SOURCE_DIR/scripts/make-test-images" "$tmp/img" --set aigc --set multiarch 2>"$tmp/build.log" ||
  { cat "$tmp/build.log" >&2; fail "make-test-images"; }
registry_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
containerd_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" containerd)" || fail "containerd did not start"
eval "$registry_env"
eval "$containerd_env"
log="$tmp/env/registry-${REGISTRY##*:}.log"
[[ -f "$log" ]] || fail "registry access log $log missing"
"$SOURCE_DIR/scripts/make-test-images" --push "$REGISTRY" "$tmp/img" --tls-verify=false 2>"$tmp/push.log" ||
  { cat "$tmp/push.log" >&2; fail "push"; }

ctrk() { ctr --address "$CONTAINERD_ADDRESS" -n k8s.io "$@"; }
blob_gets() { grep -cE '"GET /v2/[^ ]+/blobs/sha256:' "$log" || true; }

# The cache: what `coldstart prewarm pull IMAGE --cache DIR` writes, made here by skopeo (same format).
cache="$tmp/cache"
skopeo copy -q --src-tls-verify=false "docker://$REGISTRY/aigc:v5" "oci:$cache:v5" || fail "skopeo copy aigc:v5"
skopeo copy -q --src-tls-verify=false --multi-arch all "docker://$REGISTRY/multiarch:latest" "oci:$cache:latest" ||
  fail "skopeo copy multiarch"

# 1. import aigc:v5 under its registry reference, unpacked for overlayfs
ref="$REGISTRY/aigc:v5"
"$driver" "$cache" "$ref" --socket "$CONTAINERD_ADDRESS" >"$tmp/import.json" 2>"$tmp/err" ||
  fail "import: $(cat "$tmp/err")"
manifest="$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v5") | .digest' "$cache/index.json")"
jq -e --arg r "$ref" --arg d "$manifest" '.image_names == [$r, ($r | sub(":v5$"; "")) + "@" + $d] and .target_digest == $d
  and .unpacked and .blobs == 8' "$tmp/import.json" >/dev/null || fail "import result: $(cat "$tmp/import.json")"
# (capture first: grep -q would close the pipe early and fail ctr under pipefail)
names="$(ctrk images ls -q)"
grep -qxF "$ref" <<<"$names" || fail "ctr -n k8s.io images ls does not list $ref: $names"
grep -qxF "${ref%:v5}@$manifest" <<<"$names" || fail "the RepoDigest name is missing: $names"
ctrk images check | awk -v r="$ref" '$1 == r' | grep -q 'complete (7/7).* true *$' ||
  fail "image not complete and unpacked: $(ctrk images check)"
# unpacked means the bytes are in overlayfs snapshots: the model file of layer 5 is there, whole
want_size="$(jq -r '.tags.v5.safetensors[0].file_bytes' "$tmp/img/aigc/EXPECTED.json")"
model="$(find "$CONTAINERD_ROOT/io.containerd.snapshotter.v1.overlayfs/snapshots" -path '*/fs/models/aigc/model.safetensors')"
[[ -n "$model" && "$(stat -c %s "$model")" == "$want_size" ]] || fail "model file not unpacked (found '$model')"
[[ "$(ctrk snapshots --snapshotter overlayfs ls | grep -c Committed)" -ge 6 ]] || fail "expected 6 committed snapshots"

# 2. pulling the same reference afterwards fetches no blob (the manifest is still resolved)
before="$(blob_gets)"
manifests_before="$(grep -cE '"(GET|HEAD) /v2/aigc/manifests/v5' "$log" || true)"
chain="$(ctrk images pull --plain-http --snapshotter overlayfs --print-chainid "$ref" 2>&1)" || fail "pull after import: $chain"
after="$(blob_gets)"
(( after == before )) || fail "ctr images pull fetched $((after - before)) blobs after the import"
(( $(grep -cE '"(GET|HEAD) /v2/aigc/manifests/v5' "$log") > manifests_before )) || fail "the pull did not reach the registry"
chain_id="$(sed -n 's/.*chain ID: *//p' <<<"$chain" | tail -1)"
ctrk snapshots --snapshotter overlayfs info "$chain_id" | jq -e '.Kind == "Committed"' >/dev/null ||
  fail "top snapshot $chain_id is not committed"
# control: a tag that was not imported does fetch its own layers, so the count above can fail
ctrk images pull --plain-http "$REGISTRY/aigc:v4" >/dev/null 2>&1 || fail "control pull"
(( $(blob_gets) > after )) || fail "control pull fetched nothing: the access-log count is broken"

# 3. a multi-arch index: the index is the target, the host platform is unpacked, pull fetches nothing
ref="$REGISTRY/multiarch:latest"
"$driver" "$cache" "$ref" --socket "$CONTAINERD_ADDRESS" >"$tmp/import.json" 2>"$tmp/err" ||
  fail "import index: $(cat "$tmp/err")"
jq -e '.target_media_type | test("index|manifest.list")' "$tmp/import.json" >/dev/null || fail "target is not the index"
ctrk images check | awk -v r="$ref" '$1 == r' | grep -q ' true *$' || fail "index image not unpacked: $(ctrk images check)"
before="$(blob_gets)"
ctrk images pull --plain-http "$ref" >/dev/null 2>&1 || fail "pull index after import"
(( $(blob_gets) == before )) || fail "pull of the index fetched blobs after the import"

# 4. the io.containerd.image.name annotation (what prewarm pull writes) picks between images that
#    share a tag; an entry named for another image is never taken by its tag
entry() { jq -c --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t)' "$cache/index.json"; }
cp -r "$cache" "$tmp/named"
jq -n --argjson a "$(entry v5)" --argjson b "$(entry latest)" --arg na "$REGISTRY/aigc:v5" --arg nb "$REGISTRY/other:v5" \
  '{schemaVersion: 2, manifests: [
     ($a | .annotations = {"org.opencontainers.image.ref.name": "v5", "io.containerd.image.name": $na}),
     ($b | .annotations = {"org.opencontainers.image.ref.name": "v5", "io.containerd.image.name": $nb})]}' \
  >"$tmp/named/index.json"
"$driver" "$tmp/named" "$REGISTRY/other:v5" --socket "$CONTAINERD_ADDRESS" --namespace named >"$tmp/import.json" 2>"$tmp/err" ||
  fail "import by io.containerd.image.name: $(cat "$tmp/err")"
jq -e --argjson b "$(entry latest)" '.target_digest == $b.digest' "$tmp/import.json" >/dev/null ||
  fail "io.containerd.image.name did not select the other image: $(cat "$tmp/import.json")"
if "$driver" "$tmp/named" "$REGISTRY/third:v5" --socket "$CONTAINERD_ADDRESS" --namespace named 2>"$tmp/err"; then
  fail "a tag named for other images must not match"
fi

# 5. the command itself: `coldstart prewarm pull --import containerd=SOCKET` fills the cache, imports
#    it named by the registry reference and unpacked, and a later `ctr images pull` fetches no blob.
#    A staging name left by a coldstart killed between its two imports (its pid is gone) is removed;
#    one whose pid lives (here: this shell) is another import under way and stays.
stale="import.coldstart.invalid/staging/2147483646:0123456789ab"
live="import.coldstart.invalid/staging/$$:0123456789ab"
ctrk images tag "$ref" "$stale" "$live" >/dev/null || fail "tag staging names"
"$COLDSTART" -q --plain-http "$REGISTRY" prewarm pull "$REGISTRY/aigc:v3" --cache "$tmp/pulled" \
  --import "containerd=$CONTAINERD_ADDRESS" -o json >"$tmp/pull.json" 2>"$tmp/err" || fail "prewarm pull --import: $(cat "$tmp/err")"
jq -e --arg r "$REGISTRY/aigc:v3" '.import.image_names[0] == $r and .import.unpacked and .import.namespace == "k8s.io"
  and .import.unpacker == "coldstart" and .import.layers == 6 and .import.left_to_containerd == ""
  and .import.layers_by_coldstart + .import.layers_present == 6 and .import.layers_by_coldstart > 0' \
  "$tmp/pull.json" >/dev/null || fail "prewarm pull -o json has no import record: $(jq -c .import "$tmp/pull.json")"
ctrk images check | awk -v r="$REGISTRY/aigc:v3" '$1 == r' | grep -q 'complete.* true *$' ||
  fail "aigc:v3 from prewarm pull --import not complete and unpacked: $(ctrk images check)"
names="$(ctrk images ls -q)"
grep -qxF "$stale" <<<"$names" && fail "the stale staging name was not removed: $names"
grep -qxF "$live" <<<"$names" || fail "a live import's staging name was removed: $names"
grep -c '^import.coldstart.invalid/' <<<"$names" | grep -qx 1 || fail "the import left its own staging name: $names"
ctrk images rm "$live" >/dev/null
before="$(blob_gets)"
out="$(ctrk images pull --plain-http --snapshotter overlayfs "$REGISTRY/aigc:v3" 2>&1)" || fail "pull after prewarm: $out"
(( $(blob_gets) == before )) || fail "ctr images pull fetched blobs after prewarm pull --import"
plan="$tmp/plan.json"
"$COLDSTART" -q analyze "oci:$tmp/img/aigc:v1" "oci:$tmp/img/aigc:v2" "oci:$tmp/img/aigc:v3" --plan-out "$plan" >/dev/null ||
  fail "analyze for the plan"
# a partial cache cannot be imported: naming it would make the kubelet skip a pull it still needs
rc=0; "$COLDSTART" -q --plain-http "$REGISTRY" prewarm pull "$REGISTRY/aigc:v3" --cache "$tmp/part" --plan "$plan" \
  --layers stable --import containerd 2>"$tmp/err" >/dev/null || rc=$?
((rc == 2)) || fail "--import with --layers stable: exit $rc, expected 2: $(cat "$tmp/err")"
# a local source needs --tag REGISTRY/REPO:TAG to be named by
rc=0; "$COLDSTART" -q prewarm pull "oci:$tmp/img/aigc:v3" --cache "$tmp/local" --import "containerd=$CONTAINERD_ADDRESS" \
  2>"$tmp/err" >/dev/null || rc=$?
((rc == 2)) && grep -q -- "--tag" "$tmp/err" || fail "local source without --tag: exit $rc: $(cat "$tmp/err")"
# (and containerd's own unpack on request: --unpacker containerd)
"$COLDSTART" -q prewarm pull "oci:$tmp/img/aigc:v3" --cache "$tmp/local" --tag "$REGISTRY/local/aigc:v3" \
  --import "containerd=$CONTAINERD_ADDRESS" --unpacker containerd -o json >"$tmp/local.json" 2>"$tmp/err" ||
  fail "local source with --tag: $(cat "$tmp/err")"
jq -e '.import.unpacker == "containerd" and .import.layers_by_coldstart == 0 and .import.unpacked' "$tmp/local.json" >/dev/null ||
  fail "--unpacker containerd: $(jq -c .import "$tmp/local.json")"
names="$(ctrk images ls -q)"  # captured: grep -q closing the pipe early would fail ctr under pipefail
grep -qxF "$REGISTRY/local/aigc:v3" <<<"$names" || fail "local source not named by --tag: $names"

# 6. failures: one line, exit 1, no image named
cp -r "$cache" "$tmp/bad"
model_layer="$(jq -r '.tags.v5.layers[5].digest[7:]' "$tmp/img/aigc/EXPECTED.json")"
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(bytes(b))' \
  "$tmp/bad/blobs/sha256/$model_layer"
if "$driver" "$tmp/bad" "$REGISTRY/aigc:v5" --socket "$CONTAINERD_ADDRESS" --namespace corrupt 2>"$tmp/err"; then
  fail "a corrupt blob must fail the import"
fi
[[ "$(wc -l <"$tmp/err")" -eq 1 ]] && grep -q "blob .*$model_layer is corrupt" "$tmp/err" || fail "corrupt message: $(cat "$tmp/err")"
[[ -z "$(ctr --address "$CONTAINERD_ADDRESS" -n corrupt images ls -q)" ]] || fail "a corrupt import named an image"

if "$driver" "$cache" "$REGISTRY/aigc:v5" --socket "$tmp/no-such.sock" 2>"$tmp/err"; then fail "no containerd must fail"; fi
grep -q "containerd is not running at $tmp/no-such.sock" "$tmp/err" || fail "not-running message: $(cat "$tmp/err")"
if PATH=/nonexistent "$driver" "$cache" "$REGISTRY/aigc:v5" --socket "$CONTAINERD_ADDRESS" 2>"$tmp/err"; then
  fail "a missing ctr must fail"
fi
grep -q "ctr was not found on PATH" "$tmp/err" || fail "missing-ctr message: $(cat "$tmp/err")"
if "$driver" "$cache" "$REGISTRY/aigc:v1" --socket "$CONTAINERD_ADDRESS" 2>"$tmp/err"; then fail "an image not in the cache must fail"; fi
grep -q "aigc:v1 is not in the cache" "$tmp/err" || fail "not-in-cache message: $(cat "$tmp/err")"

# an unpack failure after the names exist says so (btrfs is not loaded in this containerd)
if "$driver" "$cache" "$REGISTRY/aigc:v5" --socket "$CONTAINERD_ADDRESS" --namespace nobtrfs --snapshotter btrfs 2>"$tmp/err"; then
  fail "an unknown snapshotter must fail"
fi
grep -q "has the image but could not unpack it for btrfs: .*snapshotter not loaded" "$tmp/err" || fail "unpack message: $(cat "$tmp/err")"

# 7. stop leaves no mount and no process of this containerd behind
"$SOURCE_DIR/scripts/testenv" stop "$tmp/env"
! grep -q " $tmp/env/" /proc/self/mountinfo || fail "mounts left under $tmp/env"
[[ ! -e "$tmp/env/containerd.pid" ]] || fail "containerd pid file left"
echo "prewarm_import: ok"
