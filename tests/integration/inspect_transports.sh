#!/usr/bin/env bash
# coldstart inspect agrees across transports: oci:, oci-archive: and docker-archive: (skopeo's
# legacy form, pre-25 docker save, Docker 25+) of aigc:v1 give the same diff_ids, and oci vs
# oci-archive the same manifest and layer digests. Bad input gives exit 1 (2 for usage) and
# one error line on stderr, nothing on stdout.
source "$(dirname "$0")/lib/harness.sh"
mkdir -p "$tmp/img"

# The archives are made from the committed aigc layout (skopeo writes the legacy form).
cp -r "$SOURCE_DIR/examples/images/aigc" "$tmp/img/aigc"
"$SOURCE_DIR/scripts/make-test-images" "$tmp/img" --set archives >"$tmp/make.log" 2>&1 ||
  { cat "$tmp/make.log" >&2; fail "make-test-images --set archives"; }
a="$tmp/img/archives"
for f in aigc-v1-legacy.tar aigc-v1-docker-save.tar aigc-v1-docker25.tar aigc-v1.oci.tar; do
  [[ -s "$a/$f" ]] || fail "fixture $a/$f was not built"
done

inspect() {  # inspect NAME IMAGE...: JSON into $tmp/NAME.json
  local name="$1"
  shift
  "$COLDSTART" inspect -o json "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" ||
    { cat "$tmp/$name.err" >&2; fail "inspect $* exited $?"; }
}
inspect oci "oci:$tmp/img/aigc:v1"
inspect ociarchive "oci-archive:$a/aigc-v1.oci.tar:v1"
inspect ociarchive_notag "oci-archive:$a/aigc-v1.oci.tar"
inspect legacy "docker-archive:$a/aigc-v1-legacy.tar"
inspect legacy_ref "docker-archive:$a/aigc-v1-legacy.tar:aigc:v1"
inspect dockersave "docker-archive:$a/aigc-v1-docker-save.tar"
inspect docker25 "docker-archive:$a/aigc-v1-docker25.tar"
inspect docker25_ref "docker-archive:$a/aigc-v1-docker25.tar:docker.io/library/aigc:v1"

python3 - "$tmp" "$a/EXPECTED.json" "$tmp/img/aigc/EXPECTED.json" <<'PY' || fail "transports disagree"
import json, sys
tmp, expected, facts = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))["tags"]["v1"]
docs = {n: json.load(open(f"{tmp}/{n}.json")) for n in
        ["oci", "ociarchive", "ociarchive_notag", "legacy", "legacy_ref", "dockersave", "docker25", "docker25_ref"]}
oci = docs["oci"]
assert oci["schema_version"] == 1
assert oci["platform"] == "linux/amd64", oci["platform"]
assert len(oci["layers"]) >= 3, "aigc:v1 has several layers"
assert oci["totals"]["layers"] == len(oci["layers"])
assert oci["totals"]["size"] == sum(l["size"] for l in oci["layers"])
assert all(l["kind"] == "gzip" for l in oci["layers"]), [l["kind"] for l in oci["layers"]]
assert all(l["created_by"] for l in oci["layers"]), "every layer has its history line"
# The builder's own record of aigc:v1 (examples/images/aigc/EXPECTED.json).
assert oci["manifest"]["digest"] == facts["manifest_digest"]
assert oci["manifest"]["size"] == facts["manifest_size"]
assert oci["config"]["digest"] == facts["config_digest"]
assert oci["created"] == facts["created"]
assert oci["platform"] == facts["platform"], (oci["platform"], facts["platform"])
assert oci["totals"]["history_entries"] == facts["history_count"]
assert oci["totals"]["empty_layer_entries"] == len(facts["empty_layer_history_indices"])
assert len(oci["layers"]) == facts["layer_count"]
for got, want in zip(oci["layers"], facts["layers"]):
    for key in ["index", "digest", "diff_id", "media_type", "size", "created_by"]:
        assert got[key] == want[key], (key, got[key], want[key])
diff_ids = [l["diff_id"] for l in oci["layers"]]
for name, d in docs.items():
    assert d["schema_version"] == 1, name
    assert [l["diff_id"] for l in d["layers"]] == diff_ids, f"{name}: diff_ids differ"
    assert d["config"]["digest"] == oci["config"]["digest"], f"{name}: config differs"
    assert [l["created_by"] for l in d["layers"]] == [l["created_by"] for l in oci["layers"]], name
    assert d["created"] == oci["created"], name
for name in ["ociarchive", "ociarchive_notag"]:
    d = docs[name]
    assert d["manifest"]["digest"] == oci["manifest"]["digest"], name
    assert [l["digest"] for l in d["layers"]] == [l["digest"] for l in oci["layers"]], f"{name}: layer digests"
    assert d["manifest"]["digest"] == expected["archives"]["aigc-v1.oci.tar"]["manifest_digest"]
for name in ["legacy", "legacy_ref", "dockersave", "docker25", "docker25_ref"]:
    d = docs[name]
    # uncompressed layers: the layer digest is the diff_id
    assert [l["digest"] for l in d["layers"]] == diff_ids, f"{name}: layer digests are not the diff_ids"
    assert all(l["kind"] == "tar" for l in d["layers"]), name
for name in ["docker25", "docker25_ref"]:
    assert docs[name]["manifest"]["digest"] == expected["archives"]["aigc-v1-docker25.tar"]["manifest_digest"], name
assert docs["legacy"]["manifest"]["media_type"] == "application/vnd.docker.distribution.manifest.v2+json"
PY

# The other formats render the same report.
"$COLDSTART" inspect "oci:$tmp/img/aigc:v1" >"$tmp/table.txt"
grep -q "^Platform  linux/amd64" "$tmp/table.txt" || fail "table has no platform line"
grep -q "layers" "$tmp/table.txt" || fail "table has no totals row"
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"][7:19])' "$tmp/oci.json")
grep -q "$first" "$tmp/table.txt" || fail "table does not show the short layer digest"
"$COLDSTART" inspect --no-trunc "oci:$tmp/img/aigc:v1" | grep -q "sha256:$first" || fail "--no-trunc shows full digests"
"$COLDSTART" -o yaml inspect "oci:$tmp/img/aigc:v1" | python3 -c 'import sys,yaml; d=yaml.safe_load(sys.stdin); assert d["schema_version"]==1 and d["layers"]' ||
  fail "yaml output"
"$COLDSTART" inspect -o markdown "oci:$tmp/img/aigc:v1" | grep -q "^| *# *| *DIGEST" || fail "markdown table"

# Platform selection through an index.
"$COLDSTART" inspect --platform linux/arm64 -o json "oci:$SOURCE_DIR/examples/images/multiarch:latest" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["platform"].startswith("linux/arm64"), d["platform"]; assert d["index_digest"]' ||
  fail "--platform linux/arm64 on the multiarch index"

# expect_error CODE PATTERN IMAGE...: exit CODE, stdout empty, exactly one stderr line matching PATTERN.
expect_error() {
  local code="$1" pattern="$2" rc=0
  shift 2
  "$COLDSTART" inspect "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [[ $rc -eq $code ]] || { cat "$tmp/err" >&2; fail "inspect $*: exit $rc, expected $code"; }
  [[ ! -s "$tmp/out" ]] || fail "inspect $*: wrote to stdout on error"
  [[ $(wc -l <"$tmp/err") -eq 1 ]] || { cat "$tmp/err" >&2; fail "inspect $*: error is not one line"; }
  grep -qE "$pattern" "$tmp/err" || { cat "$tmp/err" >&2; fail "inspect $*: error does not match '$pattern'"; }
}

expect_error 1 "no image named 'v9'.*v1, v2" "oci:$tmp/img/aigc:v9"
expect_error 1 "linux/s390x.*available: linux/amd64, linux/arm64" --platform linux/s390x "oci:$SOURCE_DIR/examples/images/multiarch:latest"
expect_error 1 "does not exist" "oci:$tmp/no-such-dir:v1"
expect_error 1 "does not exist" "oci-archive:$tmp/no-such.tar"
expect_error 1 "no image named 'aigc:v2'" "docker-archive:$a/aigc-v1-legacy.tar:aigc:v2"

# A corrupted blob: flip one byte of v1's config in a copy of the layout.
cp -r "$tmp/img/aigc" "$tmp/corrupt"
config=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["digest"][7:])' "$tmp/oci.json")
python3 - "$tmp/corrupt/blobs/sha256/$config" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(bytes(b))
PY
expect_error 1 "digest mismatch.*sha256:$config.*sha256:" "oci:$tmp/corrupt:v1"
rm "$tmp/corrupt/blobs/sha256/$config"
expect_error 1 "missing from" "oci:$tmp/corrupt:v1"

# Truncated archives, in each transport.
for f in aigc-v1.oci.tar aigc-v1-legacy.tar aigc-v1-docker25.tar; do
  size=$(stat -c %s "$a/$f")
  head -c $((size / 2)) "$a/$f" >"$tmp/cut-$f"
done
expect_error 1 "cut-aigc-v1.oci.tar" "oci-archive:$tmp/cut-aigc-v1.oci.tar:v1"
expect_error 1 "cut-aigc-v1-legacy.tar" "docker-archive:$tmp/cut-aigc-v1-legacy.tar"
expect_error 1 "cut-aigc-v1-docker25.tar" "docker-archive:$tmp/cut-aigc-v1-docker25.tar"

# Malformed references and arguments are usage errors (exit 2).
expect_error 2 "must be lowercase" "registry.example:5000/Aigc/SD:v1"
expect_error 2 "must be lowercase" "MyTeam/app:v1"
expect_error 2 "invalid tag" "aigc/sd:bad!tag"
expect_error 2 "invalid digest" "aigc/sd@sha256:1234"
expect_error 2 "not supported" "containers-storage:aigc"
expect_error 2 "invalid platform" --platform linux "oci:$tmp/img/aigc:v1"
echo "inspect_transports: ok"
