#!/usr/bin/env bash
# analyze --deep on the bundled fixtures: exact safetensors parameter count, whiteouts and the opaque
# directory applied, N-1 waste and final filesystem equal to EXPECTED.json; a zstd image; a damaged
# layer gives one error line and exit 1.
source "$(dirname "$0")/lib/harness.sh"
images="$SOURCE_DIR/examples/images"

check() {  # LAYOUT TAG: compares images[0].deep with EXPECTED.json
  local layout="$1" tag="$2"
  "$COLDSTART" analyze --deep "oci:$images/$layout:$tag" -o json >"$tmp/$layout-$tag.json"
  python3 - "$tmp/$layout-$tag.json" "$images/$layout/EXPECTED.json" "$tag" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))["tags"][sys.argv[3]]
deep = doc["images"][0]["deep"]
fs = exp["filesystem"]
s = deep["summary"]
fail = []
def eq(what, got, want):
    if got != want:
        fail.append(f"{what}: got {got!r}, expected {want!r}")
eq("schema_version", deep["schema_version"], 1)
eq("files", s["files"], fs["final_regular_files"] + fs["final_hardlinks"])
eq("directories", s["directories"], fs["final_directories"])
eq("symlinks", s["symlinks"], fs["final_symlinks"])
eq("final_size_bytes", s["final_size_bytes"], fs["final_size_bytes"])
eq("wasted_bytes", s["wasted_bytes"], fs["wasted_bytes"])
eq("wasted_files", s["wasted_files"], len(fs["wasted"]))
by_layer = {}
for w in fs["wasted"]:
    by_layer[w["layer"]] = by_layer.get(w["layer"], 0) + w["bytes"]
for layer in deep["layers"]:
    eq(f"layer {layer['index']} bytes_wasted", layer["bytes_wasted"], by_layer.get(layer["index"], 0))
    want = exp["layers"][layer["index"]]
    eq(f"layer {layer['index']} diff_id", layer["diff_id"], want["diff_id"])
    eq(f"layer {layer['index']} uncompressed", layer["uncompressed_bytes"], want["uncompressed_size"])
    eq(f"layer {layer['index']} compressed", layer["compressed_bytes"], want["size"])
eq("whiteouts", sum(l["whiteouts"] for l in deep["layers"]), len(fs["whiteouts"]) + len(fs["opaque_dirs"]))
wasted_paths = {w["path"]: w for w in deep["wasted_paths"]}
for w in fs["wasted"]:
    if w["path"] not in wasted_paths and len(deep["wasted_paths"]) < 10:
        fail.append(f"wasted path {w['path']} not reported")
weights = {w["path"].lstrip("/"): w for w in deep["model_weights"]}
for st in exp.get("safetensors", []):
    got = weights.get(st["path"].lstrip("/"))
    if got is None or got["safetensors"] is None:
        fail.append(f"no safetensors header for {st['path']}")
        continue
    eq("parameter_count", got["safetensors"]["parameter_count"], st["parameter_count"])
    eq("tensor_count", got["safetensors"]["tensor_count"], st["tensor_count"])
    eq("header_bytes", got["safetensors"]["header_bytes"], st["header_bytes"])
    eq("file size", got["size"], st["file_bytes"])
    eq("in final filesystem", got["in_final_filesystem"], True)
eq("model_weights category files", deep["categories"]["model_weights"]["files"], len(exp.get("safetensors", [])))
if fail:
    print(f"{sys.argv[1]}:\n  " + "\n  ".join(fail))
    sys.exit(1)
print(f"ok {sys.argv[3]}: {s['files']} files, {s['final_size_bytes']} B, wasted {s['wasted_bytes']} B")
PY
}

check aigc v1
check aigc v2   # GPL-3 whiteout and the opaque /var/lib/apt/lists
check aigc v5
check zstd latest
check llm v1

# v2 deletes the apt lists: the package cache category shrinks to the pip cache.
python3 - "$tmp/aigc-v1.json" "$tmp/aigc-v2.json" <<'PY'
import json, sys
v1, v2 = (json.load(open(p))["images"][0]["deep"] for p in sys.argv[1:3])
c1, c2 = v1["categories"]["package_caches"]["bytes"], v2["categories"]["package_caches"]["bytes"]
assert c1 - c2 == 97370 + 62, (c1, c2)
assert v1["categories"]["cuda_nvidia"]["files"] > 0 and v1["categories"]["python_packages"]["files"] > 0
assert v2["layers"][4]["whiteouts"] == 2, v2["layers"][4]
PY

# The table names the model file and its parameter count.
"$COLDSTART" analyze --deep "oci:$images/aigc:v1" >"$tmp/table.txt"
grep -q "model.safetensors" "$tmp/table.txt"
grep -q "49,360" "$tmp/table.txt"

# A damaged layer blob: one error line naming the layer, exit code 1, no crash.
cp -r "$images/aigc" "$tmp/damaged"
blob=$(python3 - "$images/aigc/EXPECTED.json" <<'PY'
import json, sys
print(json.load(open(sys.argv[1]))["tags"]["v1"]["layers"][1]["digest"].split(":")[1])
PY
)
chmod u+w "$tmp/damaged/blobs/sha256/$blob"
printf 'garbage' | dd of="$tmp/damaged/blobs/sha256/$blob" bs=1 seek=1000 conv=notrunc status=none
set +e
"$COLDSTART" analyze --deep "oci:$tmp/damaged:v1" >"$tmp/damaged.out" 2>"$tmp/damaged.err"
rc=$?
set -e
if [[ $rc -ne 1 ]]; then echo "damaged layer: exit code $rc, expected 1"; cat "$tmp/damaged.err"; exit 1; fi
grep -q "$blob\|${blob:0:12}" "$tmp/damaged.err" || { echo "damaged layer: error does not name the blob:"; cat "$tmp/damaged.err"; exit 1; }
echo "analyze_deep: ok"
