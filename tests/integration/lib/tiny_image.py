#!/usr/bin/env python3
"""Writes a tiny deterministic OCI image layout for registry tests.

  tiny_image.py [--salt TEXT] [--random-kb N] DIR TAG [TAG...]

Two gzip layers (files under opt/app/ with fixed mtime and owners) and one empty-layer history
entry; every TAG names the same manifest in DIR/index.json. Prints the manifest digest.
--salt changes the file contents, so images of different salts share no blob (a registry stores
blobs once per digest: corrupting one image's blob must not touch another's). --random-kb adds N KiB
of incompressible (but deterministic) bytes to the second layer.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

sys.dont_write_bytecode = True


def blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(root, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


def layer(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), 1700000000, 0o644
            tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
        g.write(tar_bytes)
    return gz.getvalue(), "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def random_bytes(kib, seed):
    out, block = bytearray(), hashlib.sha256(seed).digest()
    while len(out) < kib * 1024:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:kib * 1024])


def main(root, tags, salt=b"", random_kb=0):
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    layers, diff_ids = [], []
    for files in ({"opt/app/runtime.txt": b"runtime v1\n" * 50 + salt},
                  {"opt/app/model.bin": bytes(range(256)) * 64 + salt + random_bytes(random_kb, salt),
                   "opt/app/README": b"tiny model\n"}):
        gz, diff_id = layer(files)
        digest, size = blob(root, gz)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
        diff_ids.append(diff_id)
    config = {"created": "2023-11-14T22:13:20Z", "architecture": "amd64", "os": "linux",
              "config": {"Env": ["PATH=/usr/bin"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "COPY runtime /opt/app"},
                          {"created": "2023-11-14T22:13:20Z", "created_by": "ENV PATH=/usr/bin", "empty_layer": True},
                          {"created": "2023-11-14T22:13:20Z", "created_by": "COPY model /opt/app"}]}
    cdigest, csize = blob(root, json.dumps(config, sort_keys=True, separators=(",", ":")).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
                "layers": layers}
    mdigest, msize = blob(root, json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode())
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
                            "annotations": {"org.opencontainers.image.ref.name": t}} for t in tags]}
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    print(mdigest)


if __name__ == "__main__":
    args = sys.argv[1:]
    salt, random_kb = b"", 0
    while args[:1] in (["--salt"], ["--random-kb"]) and len(args) >= 2:
        if args[0] == "--salt":
            salt = args[1].encode()
        else:
            random_kb = int(args[1])
        args = args[2:]
    if len(args) < 2:
        sys.exit("usage: tiny_image.py [--salt TEXT] [--random-kb N] DIR TAG [TAG...]")
    main(args[0], args[1:], salt, random_kb)
