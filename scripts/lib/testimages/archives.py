"""Archives made from aigc:v1: the legacy form as skopeo writes it (layer.tar symlinks), as docker save
wrote it before Docker 25 (real layer.tar files), the Docker 25+
form (an OCI layout in a tar plus manifest.json, layers stored uncompressed), and an oci-archive.

skopeo's oci-archive writer stamps entries with the current time, so the oci-archive is written
here instead (same structure: the layout's files in a tar) and skopeo only reads it back.
"""
import json
import os
import subprocess

from .entries import Entry, directory, file, with_parents
from .layout import LAYER_MEDIA_TYPES, OCI_MANIFEST, REF_NAME, canonical, sha256
from .tarstream import tar_chunks, write_stream

SOURCE_TAG = "v1"
STABLE_V1_CREATED = "2023-11-14T22:13:20Z"
REPO_TAG = "aigc:v1"


def _descriptor(layout_dir, tag):
    with open(os.path.join(layout_dir, "index.json")) as fh:
        index = json.load(fh)
    for d in index["manifests"]:
        if d.get("annotations", {}).get(REF_NAME) == tag:
            return d
    raise SystemExit(f"make-test-images: tag {tag} not found in {layout_dir}/index.json; build the aigc set first")


def _blob(layout_dir, digest):
    return os.path.join(layout_dir, "blobs", "sha256", digest.split(":", 1)[1])


def _write_tar(entries, path):
    tmp = path + ".tmp"
    write_stream(tar_chunks(with_parents(entries)), tmp, "none")
    os.replace(tmp, path)


def _blob_entry(layout_dir, digest):
    return Entry("blobs/sha256/" + digest.split(":", 1)[1], "file", 0o644, source=_blob(layout_dir, digest))


def write_oci_archive(layout_dir, path):
    desc = _descriptor(layout_dir, SOURCE_TAG)
    with open(_blob(layout_dir, desc["digest"])) as fh:
        manifest = json.load(fh)
    digests = {desc["digest"], manifest["config"]["digest"]} | {l["digest"] for l in manifest["layers"]}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [desc]}
    entries = [file("oci-layout", '{"imageLayoutVersion":"1.0.0"}'), file("index.json", canonical(index))]
    entries += [_blob_entry(layout_dir, d) for d in sorted(digests)]
    _write_tar(entries, path)


def write_docker25_archive(layout_dir, path, work):
    """As Docker 25+ `docker save` writes it: uncompressed layers addressed by diff_id."""
    manifest, config, raws = _raw_layers(layout_dir, work)
    layers, entries = [], []
    for diff_id, raw in raws:
        layers.append({"mediaType": LAYER_MEDIA_TYPES["none"], "digest": diff_id, "size": os.path.getsize(raw)})
        if all(e.path != "blobs/sha256/" + diff_id[7:] for e in entries):
            entries.append(Entry("blobs/sha256/" + diff_id[7:], "file", 0o644, source=raw))
    oci_manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": manifest["config"], "layers": layers}
    mbytes = canonical(oci_manifest)
    mdigest = sha256(mbytes)
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": OCI_MANIFEST, "digest": mdigest, "size": len(mbytes),
                            "annotations": {"io.containerd.image.name": "docker.io/library/" + REPO_TAG,
                                            REF_NAME: SOURCE_TAG}}]}
    docker_manifest = [{"Config": "blobs/sha256/" + manifest["config"]["digest"][7:],
                        "RepoTags": [REPO_TAG],
                        "Layers": ["blobs/sha256/" + l["digest"][7:] for l in layers]}]
    repo, tag = REPO_TAG.split(":")
    entries += [
        _blob_entry(layout_dir, manifest["config"]["digest"]),
        file("blobs/sha256/" + mdigest[7:], mbytes),
        file("index.json", canonical(index)),
        file("manifest.json", json.dumps(docker_manifest, separators=(",", ":"))),
        file("oci-layout", '{"imageLayoutVersion":"1.0.0"}'),
        file("repositories", json.dumps({repo: {tag: config["rootfs"]["diff_ids"][-1][7:]}},
                                        separators=(",", ":"))),
        directory("blobs"), directory("blobs/sha256"),
    ]
    _write_tar(entries, path)
    return mdigest


def _raw_layers(layout_dir, work):
    """[(diff_id, path of the uncompressed layer tar)] for aigc:v1, decompressed once and verified."""
    desc = _descriptor(layout_dir, SOURCE_TAG)
    with open(_blob(layout_dir, desc["digest"])) as fh:
        manifest = json.load(fh)
    with open(_blob(layout_dir, manifest["config"]["digest"])) as fh:
        config = json.load(fh)
    os.makedirs(work, exist_ok=True)
    out = []
    for layer, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"]):
        raw = os.path.join(work, diff_id.split(":", 1)[1] + ".tar")
        if not os.path.exists(raw):
            with open(raw, "wb") as fh:
                subprocess.run(["gzip", "-dc", _blob(layout_dir, layer["digest"])], stdout=fh, check=True)
        if sha256(open(raw, "rb").read()) != diff_id:
            raise SystemExit(f"make-test-images: layer {layer['digest']} does not decompress to {diff_id}")
        out.append((diff_id, raw))
    return manifest, config, out


def write_docker_save_archive(layout_dir, path, work):
    """As `docker save` before Docker 25 writes it: real <id>/layer.tar files (no symlinks),
    <id>/json and <id>/VERSION, <config hex>.json, manifest.json and repositories."""
    manifest, config, raws = _raw_layers(layout_dir, work)
    entries, layer_paths, parent = [], [], ""
    for i, (diff_id, raw) in enumerate(raws):
        # v1 ids only need to be unique and stable: chain each diff_id onto its parent's id
        v1_id = sha256((parent + diff_id).encode())[7:]
        v1 = {"id": v1_id, "created": STABLE_V1_CREATED, "container_config": {"Cmd": None}, "os": "linux"}
        if parent:
            v1["parent"] = parent
        if i == len(raws) - 1:
            v1.update({"architecture": config["architecture"], "config": config["config"]})
        entries += [Entry(f"{v1_id}/layer.tar", "file", 0o644, source=raw),
                    file(f"{v1_id}/json", json.dumps(v1, sort_keys=True, separators=(",", ":"))),
                    file(f"{v1_id}/VERSION", "1.0")]
        layer_paths.append(f"{v1_id}/layer.tar")
        parent = v1_id
    cfg_hex = manifest["config"]["digest"][7:]
    repo, tag = REPO_TAG.split(":")
    entries += [
        Entry(f"{cfg_hex}.json", "file", 0o644, source=_blob(layout_dir, manifest["config"]["digest"])),
        file("manifest.json", json.dumps([{"Config": f"{cfg_hex}.json", "RepoTags": [REPO_TAG],
                                           "Layers": layer_paths}], separators=(",", ":"))),
        file("repositories", json.dumps({repo: {tag: parent}}, separators=(",", ":"))),
    ]
    _write_tar(entries, path)


def write_legacy_archive(layout_dir, path):
    if os.path.exists(path):
        os.remove(path)  # skopeo refuses to add a second image to an existing archive
    subprocess.run(["skopeo", "copy", "-q", f"oci:{layout_dir}:{SOURCE_TAG}", f"docker-archive:{path}:{REPO_TAG}"],
                   check=True)


def build(out, work):
    layout_dir = os.path.join(out, "aigc")
    adir = os.path.join(out, "archives")
    os.makedirs(adir, exist_ok=True)
    write_legacy_archive(layout_dir, os.path.join(adir, "aigc-v1-legacy.tar"))
    write_docker_save_archive(layout_dir, os.path.join(adir, "aigc-v1-docker-save.tar"), os.path.join(work, "raw"))
    d25 = write_docker25_archive(layout_dir, os.path.join(adir, "aigc-v1-docker25.tar"), os.path.join(work, "raw"))
    write_oci_archive(layout_dir, os.path.join(adir, "aigc-v1.oci.tar"))
    src = _descriptor(layout_dir, SOURCE_TAG)
    facts = {
        "schema_version": 1,
        "source": "oci:aigc:" + SOURCE_TAG,
        "archives": {
            "aigc-v1-legacy.tar": {"transport": "docker-archive", "form": "legacy docker save (skopeo)",
                                   "repo_tags": [REPO_TAG], "layer_compression": "none"},
            "aigc-v1-docker-save.tar": {"transport": "docker-archive",
                                        "form": "docker save before Docker 25 (real <id>/layer.tar files)",
                                        "repo_tags": [REPO_TAG], "layer_compression": "none"},
            "aigc-v1-docker25.tar": {"transport": "docker-archive", "form": "Docker 25+ (OCI layout + manifest.json)",
                                     "repo_tags": [REPO_TAG], "layer_compression": "none",
                                     "manifest_digest": d25},
            "aigc-v1.oci.tar": {"transport": "oci-archive", "tag": SOURCE_TAG,
                                "manifest_digest": src["digest"], "layer_compression": "gzip"},
        },
        "note": "Every archive holds the same config, hence the same diff_ids as oci:aigc:v1; the layer digests "
                "differ for the uncompressed forms (digest == diff_id there).",
    }
    with open(os.path.join(adir, "EXPECTED.json"), "w") as fh:
        json.dump(facts, fh, indent=2, sort_keys=True)
        fh.write("\n")
