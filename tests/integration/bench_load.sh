#!/usr/bin/env bash
# bench load on a generated safetensors file, with vmtouch as an independent witness of the page
# cache: --mode cold evicts (cold reads start ~0 % resident and vmtouch sees the file gone after),
# --mode both ends warm (warm reads start 100 % resident, vmtouch agrees); the header's tensor
# count is reported; a file that is not safetensors still times, with a note.
source "$(dirname "$0")/lib/harness.sh"
cd "$tmp"
command -v vmtouch >/dev/null || fail "vmtouch is not installed (scripts/install-deps.sh)"
python3 - <<'PY'
import json, os, struct
hdr = {"w1": {"dtype": "F16", "shape": [1024, 1024], "data_offsets": [0, 2097152]},
       "w2": {"dtype": "F32", "shape": [512, 2048], "data_offsets": [2097152, 6291456]},
       "__metadata__": {"format": "pt"}}
h = json.dumps(hdr).encode()
with open("model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h))); f.write(h); f.write(os.urandom(6291456))
with open("weights.bin", "wb") as f:
    f.write(os.urandom(3 * 1024 * 1024))
PY
sync model.safetensors weights.bin
resident() { vmtouch "$1" | awk '/Resident Pages/ {sub("%", "", $NF); print $NF}'; }
# >= 99, not 100: on a busy CI machine the kernel may reclaim a clean page before vmtouch looks.
mostly_resident() { python3 -c "import sys; sys.exit(not float(sys.argv[1]) >= 99)" "$(resident "$1")"; }

vmtouch -t model.safetensors >/dev/null
mostly_resident model.safetensors || fail "vmtouch -t did not load the file"
"$COLDSTART" -q bench load model.safetensors --mode cold --samples 2 -o json >cold.json 2>err.txt ||
  fail "bench load --mode cold: $(cat err.txt)"
python3 - cold.json <<'PY' || fail "cold JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1 and d["mode"] == "cold"
(f,) = d["files"]
assert f["bytes"] > 6291456
assert f["safetensors"]["tensor_count"] == 2, f["safetensors"]
assert f["safetensors"]["parameter_count"] == 1024 * 1024 + 512 * 2048
assert f["safetensors"]["dtypes"] == {"F16": 1, "F32": 1}
assert f["cold"]["resident_before_max"] <= 0.05, f["cold"]
assert f["cold"]["seconds"]["count"] == 2 and f["cold"]["bytes_per_second"]["mean"] > 0
assert f["warm"] is None and f["note"] is None, f
PY
r="$(resident model.safetensors)"
python3 -c "import sys; assert float(sys.argv[1]) < 5, sys.argv[1]" "$r" || fail "vmtouch sees $r% resident after --mode cold"

"$COLDSTART" -q bench load model.safetensors weights.bin --samples 2 -o json >both.json 2>err.txt ||
  fail "bench load: $(cat err.txt)"
python3 - both.json <<'PY' || fail "both JSON"
import json, sys
files = {f["path"]: f for f in json.load(open(sys.argv[1]))["files"]}
m, w = files["model.safetensors"], files["weights.bin"]
for f in (m, w):
    assert f["cold"]["resident_before_max"] <= 0.05, f["cold"]
    assert f["warm"]["resident_before_max"] == 1.0, f["warm"]
assert w["safetensors"] is None and w["note"] is None, w
PY
mostly_resident model.safetensors || fail "vmtouch: the file is not warm after the warm reads"

for fmt in table markdown csv; do
  "$COLDSTART" -q bench load model.safetensors --samples 1 -o $fmt >out.$fmt || fail "-o $fmt"
done
grep -Eq '^model.safetensors +cold ' out.table && grep -q "2 tensors" out.table || fail "table: $(cat out.table)"
grep -Eq '^model.safetensors,warm,1,' out.csv || fail "csv: $(cat out.csv)"
grep -Eq '^\| *model.safetensors *\| *cold *\|' out.markdown || fail "markdown: $(cat out.markdown)"

# a broken header is a note, not a failure; a missing file is a usage error
printf '\xff\xff\xff\xff\xff\xff\xff\x7fjunk' >broken.safetensors
"$COLDSTART" -q bench load broken.safetensors --samples 1 -o json >broken.json || fail "broken header failed the bench"
grep -q "not a readable safetensors file" broken.json || fail "broken header note: $(cat broken.json)"
set +e
"$COLDSTART" -q bench load no-such-file 2>err.txt
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "a missing file must exit 2, got $rc"
echo "bench_load: ok"
