#!/usr/bin/env bash
# analyze --deep on small images built here from real files: a hard link whose original is deleted
# keeps its bytes (the default CI gate passes), a file under a symlinked parent lands under the
# link's target, a real Python dist-packages is no model weights (--no-model-weights passes), a
# config short of diff_ids is reported, a sha512 pin is a usage error, and a truncated compressed
# docker-archive is one error line that leaves nothing in $TMPDIR.
source "$(dirname "$0")/lib/harness.sh"

cat >"$tmp/mk.py" <<'PY'
"""mk.py OUT KIND: writes an OCI layout OUT (tag v1) or, for docker-archive, a gzip docker save tar."""
import gzip, hashlib, io, json, os, sys, tarfile

out, kind = sys.argv[1], sys.argv[2]
MTIME = 1700000000

def tar_of(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            info = tarfile.TarInfo(e[1])
            info.mtime, info.mode = MTIME, 0o755 if e[0] == "d" else 0o644
            if e[0] == "f":
                info.size = len(e[2])
                t.addfile(info, io.BytesIO(e[2]))
                continue
            info.type = {"d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[e[0]]
            if e[0] in "lh":
                info.linkname = e[2]
            t.addfile(info)
    return buf.getvalue()

def real_python(budget=3 << 20):
    root = "/usr/lib/python3/dist-packages"
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        files += [os.path.join(d, n) for n in sorted(names)]
    files = [f for f in files if os.path.isfile(f) and not os.path.islink(f)]
    first = [f for f in files if f.endswith((".pth", ".bin", ".pt"))]
    used, entries = 0, []
    for f in first + [f for f in files if f not in first]:
        size = os.path.getsize(f)
        if f not in first and used + size > budget:
            continue
        used += size
        entries.append(("f", f.lstrip("/"), open(f, "rb").read()))
    assert any(e[1].endswith(".pth") for e in entries), "no .pth under " + root + ": install python3-setuptools"
    return entries

zone = open("/usr/share/zoneinfo/UTC", "rb").read() if os.path.exists("/usr/share/zoneinfo/UTC") else b"TZif" * 30
layers = {
    "links": [[("f", "usr/share/zoneinfo/UTC", zone), ("h", "usr/share/zoneinfo/Etc/UTC", "usr/share/zoneinfo/UTC"),
               ("f", "etc/hostname", b"coldstart\n")],
              [("f", "usr/share/zoneinfo/.wh.UTC", b"")]],
    "symlinks": [[("d", "usr/lib/", b""), ("l", "lib", "usr/lib")], [("f", "lib/libfoo.so.1", b"\x7fELF" * 500)]],
    "python": [real_python()],
    "docker-archive": [[("f", "app/data.txt", os.urandom(300000))]],
}[kind if kind != "short-diff-ids" else "symlinks"]

tars = [tar_of(entries) for entries in layers]
diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in tars]
config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids},
          "history": [{"created_by": "RUN pip install -r requirements.txt"} for _ in tars]}
if kind == "short-diff-ids":
    config["rootfs"]["diff_ids"] = diff_ids[:-1]

def blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}

if kind == "docker-archive":
    cfg = json.dumps(config).encode()
    members = [("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["app:v1"],
                                               "Layers": ["0/layer.tar"]}]).encode()),
               ("config.json", cfg), ("0/layer.tar", tars[0])]
    with open(out, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(tar_of([("f", name, data) for name, data in members]))
    sys.exit(0)

os.makedirs(out)
layer_descs = [dict(blob(out, gzip.compress(t, mtime=0)), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
               for t in tars]
cfg = dict(blob(out, json.dumps(config).encode()), mediaType="application/vnd.oci.image.config.v1+json")
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cfg,
            "layers": layer_descs}
m = dict(blob(out, json.dumps(manifest).encode()), mediaType="application/vnd.oci.image.manifest.v1+json",
         annotations={"org.opencontainers.image.ref.name": "v1"})
open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
open(os.path.join(out, "index.json"), "w").write(json.dumps({"schemaVersion": 2, "manifests": [m]}))
PY

# run EXPECTED_RC NAME ARGS...: coldstart with stdout to NAME.out and stderr to NAME.err.
run() {
  local want="$1" name="$2" rc
  shift 2
  set +e
  "$COLDSTART" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  set -e
  [[ $rc == "$want" ]] || fail "$name: exit $rc, wanted $want; stdout: $(cat "$tmp/$name.out"); stderr: $(cat "$tmp/$name.err")"
}
gate=(analyze --deep --ci --min-stable-ratio disabled)

# Hard link: the original is whited out, the link keeps its bytes; nothing is wasted.
python3 "$tmp/mk.py" "$tmp/links" links
run 0 links "${gate[@]}" -o json "oci:$tmp/links:v1"
python3 - "$tmp/links.out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
deep = doc["images"][0]["deep"]
assert deep["summary"]["wasted_bytes"] == 0, deep["summary"]
files = {f["path"]: f["size"] for f in deep["largest_files"]}
assert files.get("/usr/share/zoneinfo/Etc/UTC", 0) > 0, files
checks = {c["rule"]: c["status"] for c in doc["ci"]["checks"]}
assert checks["max-wasted-percent"] == "PASS", checks
PY

# A symlinked parent: the file lands under the link's target.
python3 "$tmp/mk.py" "$tmp/symlinks" symlinks
run 0 symlinks analyze --deep -o json "oci:$tmp/symlinks:v1"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["images"][0]["deep"]; assert d["largest_files"][0]["path"] == "/usr/lib/libfoo.so.1", d["largest_files"]' "$tmp/symlinks.out"

# A real Python dist-packages (with its .pth path files): no model weights, the gate passes.
python3 "$tmp/mk.py" "$tmp/python" python
run 0 python "${gate[@]}" --no-model-weights true "oci:$tmp/python:v1"
grep -q "^PASS no-model-weights: " "$tmp/python.out" || fail "no-model-weights did not pass: $(cat "$tmp/python.out")"

# A config with fewer diff_ids than layers: a warning line and the JSON count.
python3 "$tmp/mk.py" "$tmp/short" short-diff-ids
run 0 short analyze --deep -o json "oci:$tmp/short:v1"
grep -q "warning: .*not checked" "$tmp/short.err" || fail "no warning for the unchecked layer: $(cat "$tmp/short.err")"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["images"][0]["deep"]["summary"]; assert s["unchecked_layers"] == 1, s' "$tmp/short.out"

# sha512 pins are refused as usage errors, not reported as corrupt blobs.
run 2 sha512 inspect "oci:$tmp/links@sha512:$(printf 'a%.0s' {1..128})"
grep -q "unsupported digest algorithm" "$tmp/sha512.err" || fail "sha512: $(cat "$tmp/sha512.err")"

# A truncated gzip docker-archive: one error line naming it, exit 1, nothing left in $TMPDIR.
python3 "$tmp/mk.py" "$tmp/app.tar.gz" docker-archive
head -c "$(($(stat -c %s "$tmp/app.tar.gz") / 2))" "$tmp/app.tar.gz" >"$tmp/cut.tar.gz"
mkdir -p "$tmp/tmpdir"
TMPDIR="$tmp/tmpdir" run 0 whole analyze --deep "docker-archive:$tmp/app.tar.gz"
TMPDIR="$tmp/tmpdir" run 1 cut analyze --deep "docker-archive:$tmp/cut.tar.gz"
[[ $(wc -l <"$tmp/cut.err") == 1 ]] || fail "truncated archive: expected one error line, got: $(cat "$tmp/cut.err")"
grep -q "cut.tar.gz" "$tmp/cut.err" || fail "the error does not name the archive: $(cat "$tmp/cut.err")"
[[ -z "$(ls -A "$tmp/tmpdir")" ]] || fail "temp files left behind: $(ls -A "$tmp/tmpdir")"
echo "analyze_deep_links: ok"
