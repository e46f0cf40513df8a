"""Builds each distinct layer once per run (keyed by name) and hands out the written blob."""
import hashlib
import os

from .tarstream import LayerBlob, write_layer

# Docker's canonical empty layer: a gzip (Go's encoder) of a 1024-byte all-zero tar. Registries and
# Docker itself produce exactly these 32 bytes, so its digest is well known.
EMPTY_TAR_GZIP = bytes([31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 98, 24, 5, 163, 96, 20, 140, 88, 0, 8,
                        0, 0, 255, 255, 46, 175, 181, 239, 0, 4, 0, 0])
EMPTY_TAR_GZIP_DIGEST = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
EMPTY_TAR_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"


class LayerFactory:
    def __init__(self, work_dir):
        self.work_dir = work_dir
        os.makedirs(work_dir, exist_ok=True)
        self.cache = {}

    def layer(self, key, entries_fn, compression="gzip"):
        """Returns (LayerBlob, entries); entries_fn() is called only the first time a key is seen."""
        k = (key, compression)
        if k not in self.cache:
            entries = entries_fn()
            path = os.path.join(self.work_dir, f"{key}.{compression}.blob")
            self.cache[k] = (write_layer(entries, path, compression), entries)
        return self.cache[k]

    def empty_tar(self):
        k = ("empty-tar", "gzip")
        if k not in self.cache:
            assert "sha256:" + hashlib.sha256(EMPTY_TAR_GZIP).hexdigest() == EMPTY_TAR_GZIP_DIGEST
            path = os.path.join(self.work_dir, "empty-tar.gzip.blob")
            with open(path, "wb") as f:
                f.write(EMPTY_TAR_GZIP)
            self.cache[k] = (LayerBlob(path, EMPTY_TAR_GZIP_DIGEST, len(EMPTY_TAR_GZIP), EMPTY_TAR_DIFF_ID,
                                       1024, "gzip"), [])
        return self.cache[k]
