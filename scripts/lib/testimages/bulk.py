"""Large fixtures for benchmarks and memory tests.

big:       OUT/big:latest, layers of real files from /usr (libraries, shared data, binaries, python)
           capped to a byte budget, plus an incompressible .safetensors model layer (10% of the budget,
           or --big-model-mb: a model layer holding most compressed bytes is the AIGC shape).
manyfiles: OUT/manyfiles:latest, the base layer plus one layer with N tiny files (500k for RSS tests).
"""
import json
import os

from . import content, safetensors
from .entries import Entry, directory, file, symlink, with_parents
from .image import STABLE_CREATED, Recipe, Step
from .layout import Layout

# (source directory, share of the budget, step text)
BIG_SOURCES = [
    ("/usr/lib/x86_64-linux-gnu", 0.40, "RUN /bin/sh -c apt-get install -y libraries # buildkit"),
    ("/usr/share", 0.25, "RUN /bin/sh -c apt-get install -y data files # buildkit"),
    ("/usr/bin", 0.15, "RUN /bin/sh -c apt-get install -y tools # buildkit"),
    ("/usr/lib/python3", 0.10, "RUN /bin/sh -c pip install -r requirements.txt # buildkit"),
]
MODEL_SHARE = 0.10


def _capped_tree(src_root, budget):
    """Regular files and symlinks under src_root in sorted walk order until `budget` bytes."""
    out, used = [], 0
    for root, dirs, files in os.walk(src_root):
        keep = []
        for d in sorted(dirs):
            p = os.path.join(root, d)
            if os.path.islink(p):
                files.append(d)  # a symlink to a directory is stored as a symlink
            else:
                keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            p = os.path.join(root, name)
            rel = p.lstrip("/")
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                continue
            if os.path.islink(p):
                out.append(symlink(rel, os.readlink(p)))
            elif os.path.isfile(p) and os.access(p, os.R_OK):
                size = os.path.getsize(p)
                if used + size > budget:
                    return out, used
                used += size
                out.append(Entry(rel, "file", os.stat(p).st_mode & 0o7777, source=p))
    return out, used


def _big_model(path, nbytes):
    """A BF16 model of about nbytes, in tensors of at most 16 MiB (2048 x 4096), written to path."""
    full = 2048 * 4096 * 2
    tensors = [(f"layers.{i}.weight", "BF16", (2048, 4096)) for i in range(nbytes // full)]
    rest_rows = (nbytes % full) // (4096 * 2)
    if rest_rows or not tensors:
        tensors.append(("lm_head.weight", "BF16", (max(1, rest_rows), 4096)))
    return safetensors.write(path, tensors, "big", {"format": "pt"})


def build_big(out, factory, megabytes, model_megabytes=None):
    budget = megabytes * 1024 * 1024
    model_bytes = int(budget * MODEL_SHARE) if model_megabytes is None else model_megabytes * 1024 * 1024
    root = os.path.join(out, "big")
    lay = Layout(root)
    base, base_e = factory.layer("base-amd64", lambda: content.base_os("amd64"))
    steps = [Step(f"/bin/sh -c #(nop) ADD file:{base.diff_id[7:]} in / ", STABLE_CREATED, base, base_e, "base", "stable")]
    for i, (src, share, created_by) in enumerate(BIG_SOURCES):
        entries, _ = _capped_tree(src, int(budget * share))
        blob, ents = factory.layer(f"big-{i}", lambda: with_parents(entries))
        steps.append(Step(created_by, STABLE_CREATED, blob, ents, "bulk", "stable"))
    model_path = os.path.join(factory.work_dir, "big-model.safetensors")
    facts = _big_model(model_path, model_bytes)
    blob, ents = factory.layer("big-model", lambda: with_parents([
        Entry("models/big/model.safetensors", "file", 0o644, source=model_path)]))
    steps.append(Step("COPY models/ /models/ # buildkit", "2024-06-01T00:00:00Z", blob, ents, "model", "volatile"))
    r = Recipe("2024-06-01T00:00:00Z", steps)
    desc, manifest = lay.put_image(r.config(), [s.blob for s in r.layer_steps()])
    lay.tag("latest", desc)
    lay.finish()
    _expected(root, "big", desc, r, {"safetensors": [dict(facts, path="models/big/model.safetensors")]})


def _many_entries(count, per_dir=1000):
    yield directory("data")
    for d in range((count + per_dir - 1) // per_dir):
        yield directory(f"data/d{d:05d}")
        for i in range(d * per_dir, min(count, (d + 1) * per_dir)):
            yield file(f"data/d{d:05d}/f{i:07d}.txt", f"{i}\n")


class _Lazy(list):
    """Lets a generator stand where the layer writer expects a list (entries are not kept)."""

    def __init__(self, gen_fn):
        super().__init__()
        self.gen_fn = gen_fn

    def __iter__(self):
        return iter(self.gen_fn())


def build_many_files(out, factory, count):
    if count < 1:
        raise SystemExit("make-test-images: --many-files needs a positive N")
    root = os.path.join(out, "manyfiles")
    lay = Layout(root)
    base, base_e = factory.layer("base-amd64", lambda: content.base_os("amd64"))
    many, _ = factory.layer(f"many-{count}", lambda: _Lazy(lambda: _many_entries(count)))
    steps = [Step(f"/bin/sh -c #(nop) ADD file:{base.diff_id[7:]} in / ", STABLE_CREATED, base, base_e, "base", "stable"),
             Step(f"RUN /bin/sh -c generate {count} files # buildkit", STABLE_CREATED, many, None, "many", "stable")]
    r = Recipe("2024-06-02T00:00:00Z", steps)
    desc, manifest = lay.put_image(r.config(), [s.blob for s in r.layer_steps()])
    lay.tag("latest", desc)
    lay.finish()
    _expected(root, "manyfiles", desc, r, {"many_files": count, "many_files_layer_index": 1})


def _expected(root, name, desc, recipe, extra):
    layers = [{"index": i, "role": s.role, "digest": s.blob.digest, "size": s.blob.size, "diff_id": s.blob.diff_id,
               "uncompressed_size": s.blob.uncompressed_size} for i, s in enumerate(recipe.layer_steps())]
    doc = {"schema_version": 1, "layout": name,
           "tags": {"latest": dict({"manifest_digest": desc["digest"], "layers": layers,
                                    "compressed_bytes": sum(l["size"] for l in layers),
                                    "uncompressed_bytes": sum(l["uncompressed_size"] for l in layers)}, **extra)}}
    with open(os.path.join(root, "EXPECTED.json"), "w") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")
