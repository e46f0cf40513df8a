"""The named fixture sets. Each writes one OCI layout (plus EXPECTED.json) under the output dir."""
import json
import os

from . import content
from .filesystem import apply_layers
from .image import STABLE_CREATED, Recipe, Step
from .layout import Layout

PATH_ENV = "PATH=/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
AIGC_VERSIONS = ["v1", "v2", "v3", "v4", "v5"]
LLM_VERSIONS = ["v1", "v2"]


def _base_steps(f, arch="amd64"):
    base, base_e = f.layer(f"base-{arch}", lambda: content.base_os(arch))
    return [
        Step(f"/bin/sh -c #(nop) ADD file:{base.diff_id[7:]} in / ", STABLE_CREATED, base, base_e, "base", "stable"),
        Step('/bin/sh -c #(nop)  CMD ["bash"]', STABLE_CREATED),
    ]


def _cuda_steps(f):
    cuda, cuda_e = f.layer("cuda", content.cuda)
    return [
        Step("ENV CUDA_VERSION=12.2.2", STABLE_CREATED),
        Step("RUN /bin/sh -c apt-get install -y cuda-runtime-12-2 && ldconfig # buildkit",
             STABLE_CREATED, cuda, cuda_e, "cuda", "stable"),
        Step("ENV LD_LIBRARY_PATH=/usr/local/cuda/lib64", STABLE_CREATED),
    ]


def aigc_recipe(f, version):
    n = int(version[1:])
    created = f"2024-{n:02d}-01T12:00:00Z"
    py, py_e = f.layer("python-aigc", lambda: content.python_packages("aigc"))
    empty, _ = f.empty_tar()
    app, app_e = f.layer(f"app-aigc-{version}", lambda: content.app(version, "aigc"))
    model_entries, facts = content.model(version, "aigc")
    model, _ = f.layer(f"model-aigc-{version}", lambda: model_entries)
    app_cmd = ("COPY app/ /app/ # buildkit" if n == 1 else
               "RUN /bin/sh -c rm -rf /var/lib/apt/lists/* /usr/share/common-licenses/GPL-3 "
               "&& cp -r /src/app /app # buildkit")
    steps = _base_steps(f) + _cuda_steps(f) + [
        Step("RUN /bin/sh -c pip install --no-deps -r /tmp/requirements.txt # buildkit",
             STABLE_CREATED, py, py_e, "python", "stable"),
        Step("RUN /bin/sh -c pip check # buildkit", STABLE_CREATED, empty, [], "empty", "stable"),
        Step("WORKDIR /app", STABLE_CREATED),
        Step(app_cmd, created, app, app_e, "app", "volatile"),
        Step("COPY models/ /models/ # buildkit", created, model, model_entries, "model", "volatile"),
        Step(f"ENV MODEL_VERSION={version}", created),
        Step('CMD ["/usr/local/bin/entrypoint.sh"]', created),
    ]
    r = Recipe(created, steps, env=[PATH_ENV, "CUDA_VERSION=12.2.2", "LD_LIBRARY_PATH=/usr/local/cuda/lib64",
                                    f"MODEL_VERSION={version}"],
               cmd=["/usr/local/bin/entrypoint.sh"], workdir="/app",
               labels={"org.opencontainers.image.version": version, "org.opencontainers.image.title": "aigc"})
    return r, [facts]


def llm_recipe(f, version):
    n = int(version[1:])
    created = f"2024-03-{14 + n:02d}T08:00:00Z"
    py, py_e = f.layer("python-llm", lambda: content.python_packages("llm"))
    app, app_e = f.layer(f"app-llm-{version}", lambda: content.app(version, "llm"))
    model_entries, facts = content.model(version, "llm")
    model, _ = f.layer(f"model-llm-{version}", lambda: model_entries)
    steps = _base_steps(f) + _cuda_steps(f) + [
        Step("RUN /bin/sh -c pip install --no-deps llm-runtime # buildkit",
             STABLE_CREATED, py, py_e, "python", "stable"),
        Step("COPY app/ /app/ # buildkit", created, app, app_e, "app", "volatile"),
        Step("COPY models/ /models/ # buildkit", created, model, model_entries, "model", "volatile"),
        Step('CMD ["/usr/local/bin/entrypoint.sh"]', created),
    ]
    r = Recipe(created, steps, env=[PATH_ENV], cmd=["/usr/local/bin/entrypoint.sh"],
               labels={"org.opencontainers.image.version": version, "org.opencontainers.image.title": "llm"})
    return r, [facts]


def _image_facts(desc, manifest, recipe, model_facts, layout_dir):
    config = recipe.config()
    layers = []
    for i, (s, d) in enumerate(zip(recipe.layer_steps(), manifest["layers"])):
        layers.append({"index": i, "role": s.role, "expected_class": s.expected_class,
                       "digest": d["digest"], "media_type": d["mediaType"], "size": d["size"],
                       "diff_id": s.blob.diff_id, "uncompressed_size": s.blob.uncompressed_size,
                       "created_by": s.created_by})
    hist = config["history"]
    by_digest = {}
    for l in layers:
        by_digest.setdefault(l["digest"], []).append(l["index"])
    return {
        "duplicate_layer_indices": sorted(v for v in by_digest.values() if len(v) > 1),
        "manifest_digest": desc["digest"],
        "manifest_size": desc["size"],
        "config_digest": manifest["config"]["digest"],
        "created": recipe.created,
        "platform": "linux/" + recipe.architecture + ("/" + recipe.variant if recipe.variant else ""),
        "layer_count": len(layers),
        "history_count": len(hist),
        "empty_layer_history_indices": [i for i, h in enumerate(hist) if h.get("empty_layer")],
        "layer_history_indices": [i for i, h in enumerate(hist) if not h.get("empty_layer")],
        "stable_layer_indices": [l["index"] for l in layers if l["expected_class"] == "stable"],
        "volatile_layer_indices": [l["index"] for l in layers if l["expected_class"] == "volatile"],
        "layers": layers,
        "safetensors": model_facts,
        "filesystem": apply_layers([s.entries for s in recipe.layer_steps()]),
    }


def _write_expected(root, name, tags, notes):
    doc = {"schema_version": 1, "layout": name, "notes": notes, "tags": tags}
    with open(os.path.join(root, "EXPECTED.json"), "w") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")


def _series(out, f, name, versions, recipe_fn, notes):
    root = os.path.join(out, name)
    lay = Layout(root)
    tags = {}
    for v in versions:
        recipe, facts = recipe_fn(f, v)
        desc, manifest = lay.put_image(recipe.config(), [s.blob for s in recipe.layer_steps()])
        lay.tag(v, desc)
        tags[v] = _image_facts(desc, manifest, recipe, facts, root)
    lay.finish()
    _write_expected(root, name, tags, notes)
    return tags


def build_aigc(out, f):
    return _series(out, f, "aigc", AIGC_VERSIONS, aigc_recipe,
                   "Version series: layers 0-3 (base, cuda, python, empty tar) identical in every tag -> stable; "
                   "layers 4-5 (app, model) differ in every tag -> volatile. v2+ app layer deletes "
                   "/usr/share/common-licenses/GPL-3 and makes /var/lib/apt/lists opaque.")


def build_llm(out, f):
    return _series(out, f, "llm", LLM_VERSIONS, llm_recipe,
                   "Fleet partner of aigc: layers 0-1 (base, cuda) are byte-identical to aigc's layers 0-1 "
                   "(fleet-wide cache candidates); python, app and model layers differ.")


def misordered_recipe(f, version):
    n = int(version[1:])
    created = f"2024-07-{n:02d}T09:00:00Z"
    app, app_e = f.layer(f"app-misordered-{version}", lambda: content.app(version, "misordered"))
    cuda, cuda_e = f.layer("cuda", content.cuda)
    py, py_e = f.layer("python-aigc", lambda: content.python_packages("aigc"))
    cfg, cfg_e = f.layer("settings", content.settings)
    steps = _base_steps(f) + [
        Step("COPY app/ /app/ # buildkit", created, app, app_e, "app", "volatile"),
        Step("RUN /bin/sh -c apt-get install -y cuda-runtime-12-2 && ldconfig # buildkit",
             created, cuda, cuda_e, "cuda", "stable"),
        Step("RUN /bin/sh -c pip install --no-deps -r /tmp/requirements.txt # buildkit",
             created, py, py_e, "python", "stable"),
        Step("COPY settings.json /etc/app/ # buildkit", created, cfg, cfg_e, "settings", "stable"),
        Step("COPY settings.json /etc/app/ # buildkit", created, cfg, cfg_e, "settings", "stable"),
        Step('CMD ["/usr/local/bin/entrypoint.sh"]', created),
    ]
    r = Recipe(created, steps, cmd=["/usr/local/bin/entrypoint.sh"])
    return r, []


def build_misordered(out, f):
    return _series(out, f, "misordered", ["v1", "v2", "v3"], misordered_recipe,
                   "Anti-patterns: the volatile app layer (index 1, 'COPY app/ /app/') sits below the stable "
                   "cuda/python layers, so in a real build every layer above it is rebuilt each release; "
                   "layers 4 and 5 are the same layer twice (duplicate digest).")


def build_multiarch(out, f):
    root = os.path.join(out, "multiarch")
    lay = Layout(root)
    app, app_e = f.layer("app-multiarch", content.multiarch_app)
    entries, tag_facts = [], {}
    for arch, variant in (("amd64", ""), ("arm64", "v8")):
        steps = _base_steps(f, arch) + [Step("COPY hello.sh /app/ # buildkit", "2024-02-01T00:00:00Z", app, app_e,
                                             "app", "volatile"),
                                        Step('CMD ["/app/hello.sh"]', "2024-02-01T00:00:00Z")]
        r = Recipe("2024-02-01T00:00:00Z", steps, architecture=arch, variant=variant, cmd=["/app/hello.sh"])
        desc, manifest = lay.put_image(r.config(), [s.blob for s in r.layer_steps()])
        entries.append((desc, r.platform()))
        tag_facts[r.platform()["architecture"]] = _image_facts(desc, manifest, r, [], root)
    index = lay.put_index(entries)
    lay.tag("latest", index)
    lay.finish()
    _write_expected(root, "multiarch", {"latest": {"index_digest": index["digest"], "index_size": index["size"],
                                                   "platforms": ["linux/amd64", "linux/arm64/v8"],
                                                   "manifests": tag_facts}},
                    "Tag latest is an OCI image index with linux/amd64 and linux/arm64/v8; both share layer 1 "
                    "(app); layer 0 differs per architecture. linux/amd64 layer 0 equals aigc's base layer.")


def build_zstd(out, f):
    root = os.path.join(out, "zstd")
    lay = Layout(root)
    py, py_e = f.layer("python-aigc", lambda: content.python_packages("aigc"), "zstd")
    steps = _base_steps(f) + [Step("RUN /bin/sh -c pip install --no-deps -r /tmp/requirements.txt # buildkit",
                                   STABLE_CREATED, py, py_e, "python", "stable")]
    r = Recipe("2024-02-02T00:00:00Z", steps)
    desc, manifest = lay.put_image(r.config(), [s.blob for s in r.layer_steps()])
    lay.tag("latest", desc)
    lay.finish()
    _write_expected(root, "zstd", {"latest": _image_facts(desc, manifest, r, [], root)},
                    "Layer 0 is gzip (same digest as aigc layer 0); layer 1 is zstd "
                    "(application/vnd.oci.image.layer.v1.tar+zstd) and has the SAME diff_id as aigc layer 2 "
                    "(python) with a different digest: recompression must not make a stable layer look new.")
