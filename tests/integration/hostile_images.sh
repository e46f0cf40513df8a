#!/usr/bin/env bash
# Hostile images (built byte for byte by lib/hostile_images.py): each ends in one clear error line
# and exit 1, or in a documented limit whose flag raises it, or is read correctly - always in
# bounded time and memory (peak RSS asserted with /usr/bin/time). A blob whose bytes do not match
# its digest is refused on every transport: oci:, oci-archive:, docker-archive:, docker://.
# docs/reliability.md lists every case with its outcome.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
export TMPDIR="$tmp/t"  # bench pull unpacks here; nothing may be left behind
mkdir -p "$TMPDIR"
img="$tmp/img"
python3 "$SOURCE_DIR/tests/integration/lib/hostile_images.py" "$img"

run_cs() {  # run_cs ARGS...: sets rc, secs, rss_mb; output in $tmp/out, $tmp/err
  local start=$SECONDS
  set +e
  /usr/bin/time -f %M -o "$tmp/rss" timeout 120 "$COLDSTART" -q "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  set -e
  secs=$((SECONDS - start))
  rss_mb=$(($(tail -n 1 "$tmp/rss" | grep -Eo '^[0-9]+' || echo 0) / 1024))
  ((rc != 124)) || fail "coldstart $* hung"
}
expect_error() {  # expect_error TEXT...: exit 1, one line on stderr holding every TEXT, nothing on stdout
  local want
  ((rc == 1)) || { cat "$tmp/err" >&2; fail "expected exit 1, got $rc"; }
  [[ ! -s "$tmp/out" ]] || fail "an error printed results on stdout"
  [[ "$(wc -l <"$tmp/err")" -eq 1 ]] || { cat "$tmp/err" >&2; fail "expected one error line"; }
  for want in "$@"; do grep -qF -- "$want" "$tmp/err" || fail "error line lacks '$want': $(cat "$tmp/err")"; done
}
expect_ok() { ((rc == 0)) || fail "expected success, got exit $rc: $(cat "$tmp/err")"; }
bounded() {  # bounded MAX_SECONDS MAX_MB WHAT (3x both under ASan: shadow memory, quarantine, slower code)
  local scale=1
  [[ -n "${COLDSTART_SANITIZED:-}" ]] && scale=3
  ((secs <= $1 * scale)) || fail "$3 took ${secs}s (bound $(($1 * scale)) s)"
  ((rss_mb <= $2 * scale)) || fail "$3 peaked at ${rss_mb} MB (bound $(($2 * scale)) MB)"
}

# 1. A gzip bomb: 8 MB of gzip members that inflate to 8 GiB of zeros. Stopped after 1 GiB.
run_cs analyze --deep "oci:$img/gzip-bomb:v1"
expect_error "inflates to more than 500 times its size" "decompression bomb" "--max-inflate-ratio"
bounded 30 400 "the gzip bomb"
echo "1. gzip bomb (analyze --deep): exit 1 in ${secs}s, ${rss_mb} MB: $(cat "$tmp/err")"
run_cs bench pull "oci:$img/gzip-bomb:v1" --samples 1 --warmup 0
expect_error "decompression bomb"
bounded 30 400 "the gzip bomb (bench pull)"
[[ -z "$(ls -A "$TMPDIR")" ]] || fail "bench pull left files in TMPDIR: $(ls -A "$TMPDIR")"
echo "   gzip bomb (bench pull, which unpacks to disk): exit 1 in ${secs}s, TMPDIR left empty"

# 2. 300 000 empty entries (150 MB of tar headers): read in bounded memory; --max-entries refuses it.
run_cs analyze --deep "oci:$img/many-entries:v1" -o json
expect_ok
[[ "$(jq '.deep.layers[0].entries // .images[0].deep.layers[0].entries // empty' "$tmp/out" | head -1)" == 300000 ]] ||
  jq -e '[.. | objects | select(has("entries")) | .entries] | index(300000) != null' "$tmp/out" >/dev/null ||
  fail "300000 entries not reported"
bounded 60 400 "300 000 entries"
echo "2. 300 000 empty entries: read in ${secs}s, ${rss_mb} MB"
run_cs analyze --deep --max-entries 100000 "oci:$img/many-entries:v1"
expect_error "more than 100000 tar entries" "--max-entries"

# 3. Hostile names: very long, absolute, '..', not UTF-8, a newline; hard links to missing or escaping
#    targets; symlink loops. Read; the escapes are reported; JSON and YAML stay valid.
run_cs analyze --deep "oci:$img/paths:v1" -o json
expect_ok
python3 - "$tmp/out" <<'PY' || fail "hostile paths: $(head -c 600 "$tmp/out")"
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))  # valid UTF-8 JSON
text = json.dumps(doc)
found = [s for s in ("absolute path", "'..' component", "hard link target") if s not in text]
assert not found, f"not reported: {found}"
assert "long.txt" in text or doc, "long path lost"
PY
run_cs analyze --deep "oci:$img/paths:v1" -o yaml
expect_ok
python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1], encoding="utf-8"))' "$tmp/out" || fail "YAML of hostile paths"
run_cs --no-trunc analyze --deep "oci:$img/paths:v1"
expect_ok
# the table keeps one row per file: the newline in a name is shown escaped, not printed
grep -qF '/new\nline.txt' "$tmp/out" || fail "newline name not escaped in the table: $(grep -n 'line.txt' "$tmp/out")"
grep -q '^line.txt' "$tmp/out" && fail "a newline in a name split a table row"
echo "3. hostile paths: read, escapes reported, JSON and YAML valid, table rows whole"

# 4. A safetensors header length of 2^64 - 16: the header is not read; one warning, the rest goes on.
run_cs analyze --deep "oci:$img/safetensors-2e64:v1" -o json
expect_ok
grep -qF "safetensors header claims 18446744073709551600 bytes" "$tmp/err" || fail "no warning: $(cat "$tmp/err")"
jq -e '[.. | objects | select(has("header_error")) | .header_error] | any(test("18446744073709551600"))' "$tmp/out" \
  >/dev/null || fail "header_error not in the JSON"
bounded 10 200 "the safetensors header"

# 5. A manifest of 100 000 layers (15 MB): over the 4 MiB document limit; --max-document-size raises it.
run_cs inspect "oci:$img/layers-100k:v1"
expect_error "more than the 4194304-byte limit" "--max-document-size"
run_cs --max-document-size 32MiB inspect "oci:$img/layers-100k:v1" -o json
expect_ok
[[ "$(jq '.layers | length' "$tmp/out")" == 100000 ]] || fail "100 000 layers not listed"
bounded 30 600 "100 000 layers"
echo "5. 100 000 layers: refused at 4 MiB; read with --max-document-size 32MiB in ${secs}s, ${rss_mb} MB"

# 6. Layer sizes of 2^63 - 1 (their sum overflows): refused as implausible.
run_cs inspect "oci:$img/size-overflow:v1"
expect_error "implausible size of 9223372036854775807 bytes"

# 7. diff_ids that disagree with the layers; fewer diff_ids than layers.
run_cs analyze --deep "oci:$img/diffid-mismatch:v1"
expect_error "does not match the config's diff_id"
run_cs analyze --deep "oci:$img/diffid-count:v1" -o json
expect_ok
grep -qF "the manifest has 2 layers but the config lists 1 diff_ids" "$tmp/err" || fail "no warning: $(cat "$tmp/err")"

# 8. Media types: a gzip layer labelled zstd is read by its bytes; a manifest of an unknown type is refused.
run_cs analyze --deep "oci:$img/media-mislabel:v1" -o json
expect_ok
jq -e '[.. | objects | select(has("compression")) | .compression] | index("gzip") != null' "$tmp/out" >/dev/null ||
  fail "mislabelled layer not read as gzip"
run_cs inspect "oci:$img/media-unknown:v1"
expect_error "unsupported media type 'application/vnd.example.not-a-manifest+json'"
echo "6-8. sizes, diff_ids, media types: as documented"

# 9. A blob whose bytes do not match its digest, on every transport.
# flip FILE [OFFSET]: one bit changed, same size (default: the middle byte). Offset 4 is the gzip
# header's MTIME, which no inflater checks: the layer still inflates, only its digest is wrong.
flip() {
  python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); i=int(sys.argv[2]) if len(sys.argv)>2 else len(b)//2; b[i]^=1; open(p,"wb").write(bytes(b))' "$@"
}
good="$img/good"
gm="$(jq -r '.manifests[0].digest[7:]' "$good/index.json")"
layer="$(jq -r '.layers[1].digest[7:]' "$good/blobs/sha256/$gm")"
config="$(jq -r '.config.digest[7:]' "$good/blobs/sha256/$gm")"
cp -r "$good" "$img/bad-layer" && flip "$img/bad-layer/blobs/sha256/$layer" 4
cp -r "$good" "$img/bad-config" && flip "$img/bad-config/blobs/sha256/$config"
# oci:
run_cs inspect "oci:$img/bad-config:v1"
expect_error "digest mismatch" "$config"
run_cs analyze --deep "oci:$img/bad-layer:v1"
expect_error "digest mismatch" "$layer"
run_cs prewarm pull "oci:$img/bad-layer:v1" --cache "$tmp/cache-oci"
expect_error "digest mismatch" "$layer"
[[ ! -e "$tmp/cache-oci/blobs/sha256/$layer" ]] || fail "prewarm pull stored the corrupt blob"
run_cs bench pull "oci:$img/bad-layer:v1" --samples 1 --warmup 0
expect_error "digest mismatch" "$layer"
# oci-archive:
tar -C "$img/bad-layer" -cf "$tmp/bad-layer.tar" .
run_cs analyze --deep "oci-archive:$tmp/bad-layer.tar:v1"
expect_error "digest mismatch" "$layer"
tar -C "$img/bad-config" -cf "$tmp/bad-config.tar" .
run_cs inspect "oci-archive:$tmp/bad-config.tar:v1"
expect_error "digest mismatch" "$config"
# docker-archive: layers are named by diff_id, which coldstart checks as their digest.
skopeo copy -q "oci:$good:v1" "docker-archive:$tmp/good-docker.tar:hostile/good:v1" || fail "skopeo docker-archive"
mkdir -p "$tmp/da" && tar -C "$tmp/da" -xf "$tmp/good-docker.tar"
da_layer="$(jq -r '.[0].Layers[1]' "$tmp/da/manifest.json")"
flip "$tmp/da/$da_layer"
tar -C "$tmp/da" -cf "$tmp/bad-docker.tar" .
run_cs analyze --deep "docker-archive:$tmp/bad-docker.tar"
expect_error "digest mismatch" "docker-archive:"
# docker://: the real registry, its stored blobs corrupted in place.
eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry plain)" || fail "registry did not start"
skopeo copy -q --dest-tls-verify=false "oci:$good:v1" "docker://$REGISTRY/hostile/good:v1" || fail "push"
flip "$REGISTRY_STORAGE/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data" 4
run_cs --plain-http "$REGISTRY" analyze --deep "$REGISTRY/hostile/good:v1"
expect_error "digest mismatch" "$layer"
run_cs --plain-http "$REGISTRY" prewarm pull "$REGISTRY/hostile/good:v1" --cache "$tmp/cache-reg"
expect_error "digest mismatch" "$layer"
[[ ! -e "$tmp/cache-reg/blobs/sha256/$layer" ]] || fail "prewarm pull stored the corrupt blob from the registry"
run_cs --plain-http "$REGISTRY" bench pull "$REGISTRY/hostile/good:v1" --samples 1 --warmup 0
expect_error "digest mismatch" "$layer"
echo "9. digest mismatch: refused on oci:, oci-archive:, docker-archive: and docker:// by inspect, analyze --deep, prewarm pull, bench pull"
echo "hostile_images: ok"
