"""Applies layers in order, as a container runtime's overlay would, to derive the facts a deep
analysis must report: final files and size, whiteouts, opaque dirs, and wasted bytes (N-1 accounting:
every earlier copy of a path that a later layer overwrites, re-adds with new attributes, or deletes).
"""
import hashlib

WH = ".wh."
OPQ = ".wh..wh..opq"


def _content_digest(e):
    h = hashlib.sha256()
    if e.data is not None:
        h.update(e.data)
    elif e.source is not None:
        with open(e.source, "rb") as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                h.update(b)
    return h.hexdigest()


def _under(path, d):
    return path.startswith(d + "/")


def apply_layers(layers):
    """layers: [entries] bottom-up. Returns a dict of facts (JSON-ready)."""
    state = {}  # path -> (layer index, Entry)
    wasted, whiteouts, opaque = [], [], []

    def drop(path, layer, reason):
        li, e = state.pop(path)
        if e.kind == "file" and e.size() > 0:
            wasted.append({"path": "/" + path, "layer": li, "bytes": e.size(), "reason": reason, "by_layer": layer})

    for L, entries in enumerate(layers):
        for e in entries:  # whiteouts hide lower layers only
            name = e.path.rsplit("/", 1)[-1]
            parent = e.path.rsplit("/", 1)[0] if "/" in e.path else ""
            if name == OPQ:
                opaque.append({"dir": "/" + parent, "layer": L})
                for p in sorted(p for p in state if _under(p, parent) and state[p][0] < L):
                    drop(p, L, "hidden_by_opaque_dir")
            elif name.startswith(WH):
                target = (parent + "/" if parent else "") + name[len(WH):]
                whiteouts.append({"path": "/" + target, "layer": L})
                for p in sorted(p for p in state if (p == target or _under(p, target)) and state[p][0] < L):
                    drop(p, L, "deleted")
        for e in entries:
            name = e.path.rsplit("/", 1)[-1]
            if name.startswith(WH):
                continue
            old = state.get(e.path)
            if old is not None:
                oe = old[1]
                if oe.kind == "dir" and e.kind == "dir":
                    pass
                else:
                    if oe.kind == "dir":
                        for p in sorted(p for p in state if _under(p, e.path)):
                            drop(p, L, "deleted")
                    same = (oe.kind == e.kind == "file" and oe.size() == e.size()
                            and _content_digest(oe) == _content_digest(e))
                    reason = "overwritten"
                    if same:
                        reason = "readded_unchanged" if oe.mode == e.mode else "attribute_only_change"
                    drop(e.path, L, reason)
            state[e.path] = (L, e)

    kinds = {"file": 0, "dir": 0, "symlink": 0, "hardlink": 0}
    size = 0
    for _, e in state.values():
        kinds[e.kind] += 1
        size += e.size()
    return {
        "final_regular_files": kinds["file"],
        "final_hardlinks": kinds["hardlink"],
        "final_symlinks": kinds["symlink"],
        "final_directories": kinds["dir"],
        "final_size_bytes": size,
        "wasted_bytes": sum(w["bytes"] for w in wasted),
        "wasted": wasted,
        "whiteouts": whiteouts,
        "opaque_dirs": opaque,
        "hardlinks": sorted({"/" + e.path: "/" + e.link for _, e in state.values() if e.kind == "hardlink"}.items()),
        "absolute_symlinks": sorted("/" + e.path for _, e in state.values()
                                    if e.kind == "symlink" and e.link.startswith("/")),
        "long_paths": sorted("/" + e.path for _, e in state.values() if len(e.path.encode()) > 100),
    }
