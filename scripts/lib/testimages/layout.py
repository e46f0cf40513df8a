"""Writes an OCI image layout: oci-layout, index.json (one entry per tag), blobs/sha256/<hex>."""
import hashlib
import json
import os
import shutil

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
REF_NAME = "org.opencontainers.image.ref.name"


def canonical(obj):
    """Deterministic JSON bytes for manifests and configs."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Layout:
    def __init__(self, root):
        self.root = root
        self.blob_dir = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.blob_dir, exist_ok=True)
        self.tags = []  # (tag, descriptor)

    def blob_path(self, digest):
        return os.path.join(self.blob_dir, digest.split(":", 1)[1])

    def put_bytes(self, data, media_type):
        d = sha256(data)
        p = self.blob_path(d)
        if not os.path.exists(p):
            with open(p + ".tmp", "wb") as f:
                f.write(data)
            os.replace(p + ".tmp", p)
        return {"mediaType": media_type, "digest": d, "size": len(data)}

    def put_json(self, obj, media_type):
        return self.put_bytes(canonical(obj), media_type)

    def put_layer(self, blob):
        """Copies a LayerBlob into this layout; returns its descriptor."""
        p = self.blob_path(blob.digest)
        if not os.path.exists(p):
            try:
                os.link(blob.path, p)  # same bytes in several layouts: share the inode
            except OSError:
                shutil.copyfile(blob.path, p + ".tmp")
                os.replace(p + ".tmp", p)
        return {"mediaType": LAYER_MEDIA_TYPES[blob.compression], "digest": blob.digest, "size": blob.size}

    def put_image(self, config, layer_blobs, annotations=None):
        """Writes config + manifest; returns the manifest descriptor."""
        cfg = self.put_json(config, OCI_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": cfg,
            "layers": [self.put_layer(b) for b in layer_blobs],
        }
        if annotations:
            manifest["annotations"] = annotations
        desc = self.put_json(manifest, OCI_MANIFEST)
        return desc, manifest

    def put_index(self, entries):
        """entries: [(manifest descriptor, platform dict)] -> index descriptor."""
        index = {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [dict(desc, platform=plat) for desc, plat in entries],
        }
        return self.put_json(index, OCI_INDEX)

    def tag(self, name, descriptor, platform=None):
        d = dict(descriptor)
        d["annotations"] = {REF_NAME: name}
        if platform:
            d["platform"] = platform
        self.tags.append(d)

    def finish(self):
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.tags}
        with open(os.path.join(self.root, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')
        with open(os.path.join(self.root, "index.json"), "wb") as f:
            f.write(canonical(index))
