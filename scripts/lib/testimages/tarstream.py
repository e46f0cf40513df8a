"""Writes a layer tar (PAX, sorted, fixed owners/mtime) through a compressor into a blob file.

Tars end with exactly two zero blocks (no record padding), as Go's archive/tar does, so an empty
layer is the well-known 1024-byte tar. Compression uses the gzip/zstd command-line tools with
fixed options, so the same input gives the same bytes on every run.
"""
import hashlib
import os
import subprocess
import tarfile

from .entries import MTIME

BLOCK = 512
CHUNK = 1 << 20

COMPRESSORS = {
    "gzip": ["gzip", "-n", "-6", "-c"],
    "zstd": ["zstd", "-q", "-3", "-T1", "--no-progress", "-c"],
    "none": None,
}


def _header(e):
    ti = tarfile.TarInfo(e.path)
    ti.mtime = MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    ti.mode = e.mode
    if e.kind == "file":
        ti.type = tarfile.REGTYPE
        ti.size = e.size()
    elif e.kind == "dir":
        ti.type = tarfile.DIRTYPE
    elif e.kind == "symlink":
        ti.type = tarfile.SYMTYPE
        ti.linkname = e.link
    elif e.kind == "hardlink":
        ti.type = tarfile.LNKTYPE
        ti.linkname = e.link
    else:
        raise ValueError(e.kind)
    return ti.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")


def tar_chunks(entries):
    """Yields the tar bytes of `entries` (already sorted) in chunks."""
    for e in entries:
        yield _header(e)
        if e.kind != "file":
            continue
        n = 0
        if e.data is not None:
            yield e.data
            n = len(e.data)
        else:
            expected = e.size()
            with open(e.source, "rb") as f:
                while True:
                    b = f.read(CHUNK)
                    if not b:
                        break
                    n += len(b)
                    yield b
            if n != expected:
                raise SystemExit(f"make-test-images: {e.source} changed while being read")
        if n % BLOCK:
            yield b"\0" * (BLOCK - n % BLOCK)
    yield b"\0" * (2 * BLOCK)


class LayerBlob:
    """A written layer: compressed blob file plus both digests and sizes."""

    def __init__(self, path, digest, size, diff_id, uncompressed_size, compression):
        self.path, self.digest, self.size = path, digest, size
        self.diff_id, self.uncompressed_size, self.compression = diff_id, uncompressed_size, compression


def _hash_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(CHUNK), b""):
            h.update(b)
    return "sha256:" + h.hexdigest(), os.path.getsize(path)


def write_layer(entries, out_path, compression):
    """Streams entries -> tar -> compressor -> out_path; returns a LayerBlob."""
    return write_stream(tar_chunks(entries), out_path, compression)


def write_stream(chunks, out_path, compression):
    raw = hashlib.sha256()
    raw_size = 0
    cmd = COMPRESSORS[compression]
    with open(out_path, "wb") as out:
        if cmd is None:
            for c in chunks:
                raw.update(c)
                raw_size += len(c)
                out.write(c)
        else:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out)
            try:
                for c in chunks:
                    raw.update(c)
                    raw_size += len(c)
                    proc.stdin.write(c)
            finally:
                proc.stdin.close()
                rc = proc.wait()
            if rc != 0:
                raise SystemExit(f"make-test-images: {' '.join(cmd)} failed with exit {rc}")
    digest, size = _hash_file(out_path)
    return LayerBlob(out_path, digest, size, "sha256:" + raw.hexdigest(), raw_size, compression)
