#!/usr/bin/env python3
"""Writes hostile OCI image layouts, byte for byte deterministic, for tests/integration/hostile_images.sh.

  hostile_images.py OUT_DIR

Each case is OUT_DIR/<case>, an OCI layout with the tag v1 (docs/reliability.md lists the outcome
coldstart must give for each):
  gzip-bomb         one layer of ~8 MB: gzip members of zeros that inflate to 8 GiB (a tar of one file)
  many-entries      one layer with 300 000 empty files (the tar headers alone are 150 MB)
  paths             a layer of hostile names: a 5000-byte path, an absolute path, '..' components,
                    names that are not UTF-8 or hold a newline, a hard link to a missing target,
                    symlink loops (a -> b -> a, and self -> self) with entries below them
  safetensors-2e64  a .safetensors file whose header length is 2^64 - 16
  layers-100k       a manifest listing 100 000 layers (about 15 MB of JSON)
  size-overflow     a manifest whose three layer sizes are 2^63 - 1 each (their sum overflows)
  diffid-mismatch   a config whose rootfs.diff_ids disagree with the layers
  diffid-count      a config with fewer diff_ids than the manifest has layers
  media-mislabel    a gzip layer labelled as zstd (the bytes decide, as they should)
  media-unknown     a manifest whose mediaType is not an image manifest
  good              a plain two-layer image, the control for the digest-mismatch tests
  many-layers       not hostile: 24 layers of ~100 KiB each that overwrite and delete each other's
                    files (for deep_concurrency.sh: many layers streamed at once through resets)
"""
import gzip
import hashlib
import io
import json
import os
import struct
import sys
import tarfile
import zlib

sys.dont_write_bytecode = True
MTIME = 1700000000
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as g:
        g.write(data)
    return out.getvalue()


def tar_of(entries):
    """entries: (name: bytes|str, kind, payload) with kind file|dir|symlink|hardlink."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tar:
        for name, kind, payload in entries:
            if isinstance(name, bytes):
                name = name.decode("utf-8", "surrogateescape")
            info = tarfile.TarInfo(name)
            info.mtime, info.mode = MTIME, 0o644
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, payload
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, payload
            else:
                info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload) if kind == "file" else None)
    return raw.getvalue()


class Layout:
    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)

    def blob(self, data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.root, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return "sha256:" + digest, len(data)

    def image(self, layers, diff_ids, manifest_media="application/vnd.oci.image.manifest.v1+json", extra=None):
        """layers: descriptors (dicts); writes config, manifest and index.json."""
        config = {"created": "2023-11-14T22:13:20Z", "architecture": "amd64", "os": "linux",
                  "config": {}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        cdigest, csize = self.blob(json.dumps(config, sort_keys=True, separators=(",", ":")).encode())
        manifest = {"schemaVersion": 2, "mediaType": manifest_media,
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest,
                               "size": csize},
                    "layers": layers}
        manifest.update(extra or {})
        mdigest, msize = self.blob(json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode())
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
                                "size": msize, "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump(index, f)
        with open(os.path.join(self.root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    def tar_layer(self, tar_bytes, media=LAYER_GZIP):
        digest, size = self.blob(gz(tar_bytes))
        return {"mediaType": media, "digest": digest, "size": size}, "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def simple(out, name, entries, **kw):
    lay = Layout(os.path.join(out, name))
    desc, diff_id = lay.tar_layer(tar_of(entries), **kw)
    lay.image([desc], [diff_id])
    return lay


def gzip_bomb(out):
    """Multi-member gzip: a tar header member, 128 members of 64 MiB of zeros, the tar end."""
    size = 8 << 30
    header = tarfile.TarInfo("zeros.bin")
    header.size, header.mtime, header.mode = size, MTIME, 0o644
    head = header.tobuf(format=tarfile.GNU_FORMAT)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = comp.compress(b"\0" * (64 << 20)) + comp.flush()
    data = gz(head) + zeros * (size // (64 << 20)) + gz(b"\0" * 1024)
    lay = Layout(os.path.join(out, "gzip-bomb"))
    digest, blob_size = lay.blob(data)
    # The diff_id is not computed (8 GiB of hashing): the guard must stop the stream long before.
    lay.image([{"mediaType": LAYER_GZIP, "digest": digest, "size": blob_size}], ["sha256:" + "0" * 64])


def many_entries(out, count=300_000):
    """Tar headers written directly (tarfile is too slow for this many), one gzip member."""
    template = tarfile.TarInfo("f")
    template.mtime, template.mode = MTIME, 0o644
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    sha = hashlib.sha256()
    parts = []
    chunk = []
    for i in range(count):
        template.name = f"d{i % 1000:03d}/f{i:07d}"
        chunk.append(template.tobuf(format=tarfile.USTAR_FORMAT))
        if len(chunk) == 4096:
            block = b"".join(chunk)
            sha.update(block)
            parts.append(comp.compress(block))
            chunk = []
    block = b"".join(chunk) + b"\0" * 1024
    sha.update(block)
    parts.append(comp.compress(block))
    parts.append(comp.flush())
    lay = Layout(os.path.join(out, "many-entries"))
    digest, size = lay.blob(b"".join(parts))
    lay.image([{"mediaType": LAYER_GZIP, "digest": digest, "size": size}], ["sha256:" + sha.hexdigest()])


def hostile_paths(out):
    long_name = "/".join(["d" * 99] * 50) + "/long.txt"  # 5008 bytes, needs a pax path record
    simple(out, "paths", [
        ("etc", "dir", b""),
        ("etc/ok.conf", "file", b"ok\n"),
        (long_name, "file", b"long\n"),
        ("/abs/passwd", "file", b"absolute\n"),
        ("../escape.txt", "file", b"escape\n"),
        ("etc/../../up.txt", "file", b"up\n"),
        (b"bad-\xff\xfe-name.bin", "file", b"not utf-8\n"),
        ("new\nline.txt", "file", b"newline\n"),
        ("hard-missing", "hardlink", "nowhere/at/all"),
        ("hard-escape", "hardlink", "../../etc/shadow"),
        ("loop-a", "symlink", "loop-b"),
        ("loop-b", "symlink", "loop-a"),
        ("loop-a/inside.txt", "file", b"through a loop\n"),
        ("self", "symlink", "self"),
        ("self/x/y.txt", "file", b"through a self loop\n"),
    ])


def safetensors_2e64(out):
    header = struct.pack("<Q", (1 << 64) - 16) + b'{"__metadata__":{}}' + b"\0" * 64
    simple(out, "safetensors-2e64", [("models", "dir", b""), ("models/model.safetensors", "file", header)])


def layers_100k(out):
    lay = Layout(os.path.join(out, "layers-100k"))
    desc, diff_id = lay.tar_layer(tar_of([("a.txt", "file", b"a\n")]))
    lay.image([desc] * 100_000, [diff_id] * 100_000)


def size_overflow(out):
    lay = Layout(os.path.join(out, "size-overflow"))
    desc, diff_id = lay.tar_layer(tar_of([("a.txt", "file", b"a\n")]))
    big = dict(desc, size=(1 << 63) - 1)
    lay.image([big, big, big], [diff_id] * 3)


def diffid_cases(out):
    lay = Layout(os.path.join(out, "diffid-mismatch"))
    a, da = lay.tar_layer(tar_of([("a.txt", "file", b"a\n")]))
    b, db = lay.tar_layer(tar_of([("b.txt", "file", b"b\n")]))
    lay.image([a, b], [db, da])  # swapped
    lay = Layout(os.path.join(out, "diffid-count"))
    a, da = lay.tar_layer(tar_of([("a.txt", "file", b"a\n")]))
    b, db = lay.tar_layer(tar_of([("b.txt", "file", b"b\n")]))
    lay.image([a, b], [da])


def media_cases(out):
    simple(out, "media-mislabel", [("a.txt", "file", b"gzip labelled zstd\n")],
           media="application/vnd.oci.image.layer.v1.tar+zstd")
    lay = Layout(os.path.join(out, "media-unknown"))
    a, da = lay.tar_layer(tar_of([("a.txt", "file", b"a\n")]))
    lay.image([a], [da], manifest_media="application/vnd.example.not-a-manifest+json")


def good(out):
    lay = Layout(os.path.join(out, "good"))
    a, da = lay.tar_layer(tar_of([("etc", "dir", b""), ("etc/os-release", "file", b"ID=hostile\n")]))
    payload = hashlib.sha256(b"good").digest() * 2048  # 64 KiB
    b, db = lay.tar_layer(tar_of([("opt", "dir", b""), ("opt/data.bin", "file", payload)]))
    lay.image([a, b], [da, db])


def many_layers(out, count=24):
    lay = Layout(os.path.join(out, "many-layers"))
    layers, diff_ids = [], []
    for i in range(count):
        payload = b"".join(hashlib.sha256(b"%d-%d" % (i, k)).digest() for k in range(3200))  # 100 KiB, incompressible
        entries = [("app", "dir", b""), (f"app/layer{i:02d}.bin", "file", payload),
                   ("app/shared.txt", "file", b"written by layer %d\n" % i)]
        if i >= 2:
            entries.append((f"app/.wh.layer{i - 2:02d}.bin", "file", b""))
        if i % 5 == 4:
            entries += [(f"app/link{i}", "hardlink", "app/shared.txt"), (f"app/sym{i}", "symlink", "shared.txt")]
        desc, diff_id = lay.tar_layer(tar_of(entries))
        layers.append(desc)
        diff_ids.append(diff_id)
    lay.image(layers, diff_ids)


CASES = {"gzip-bomb": gzip_bomb, "many-entries": many_entries, "paths": hostile_paths,
         "safetensors-2e64": safetensors_2e64, "layers-100k": layers_100k, "size-overflow": size_overflow,
         "diffid": diffid_cases, "media": media_cases, "good": good, "many-layers": many_layers}

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: hostile_images.py OUT_DIR [CASE...]")
    for name in sys.argv[2:] or CASES:
        CASES[name](sys.argv[1])
