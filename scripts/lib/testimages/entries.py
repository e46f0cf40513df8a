"""What a layer holds: a sorted list of tar entries, each with fixed owner, mtime and mode.

Content is either inline bytes or a path on this machine, read only when the tar is written,
so a multi-hundred-MB layer never sits in memory.
"""
import os
from dataclasses import dataclass
from typing import Optional

MTIME = 1700000000  # 2023-11-14T22:13:20Z, every entry of every layer


@dataclass(frozen=True)
class Entry:
    path: str                      # no leading "/", no trailing "/"
    kind: str                      # file | dir | symlink | hardlink
    mode: int = 0o644
    data: Optional[bytes] = None   # inline content (file)
    source: Optional[str] = None   # content read from this machine (file)
    link: str = ""                 # symlink target or hardlink target path

    def size(self) -> int:
        if self.kind != "file":
            return 0
        if self.data is not None:
            return len(self.data)
        return os.path.getsize(self.source)


def file(path, data, mode=0o644):
    if isinstance(data, str):
        data = data.encode()
    return Entry(path.lstrip("/"), "file", mode, data=data)


def real(path, source, mode=None):
    """A file whose bytes come from `source` on this machine."""
    if not os.path.isfile(source):
        raise SystemExit(f"make-test-images: missing source file {source}; "
                         "run scripts/install-deps.sh (Debian 12 with python3 has it)")
    if mode is None:
        mode = os.stat(source).st_mode & 0o7777
    return Entry(path.lstrip("/"), "file", mode, source=source)


def directory(path, mode=0o755):
    return Entry(path.lstrip("/").rstrip("/"), "dir", mode)


def symlink(path, target):
    return Entry(path.lstrip("/"), "symlink", 0o777, link=target)


def hardlink(path, target):
    return Entry(path.lstrip("/"), "hardlink", 0o644, link=target.lstrip("/"))


def real_tree(dest, src_root, suffixes=None, skip_dirs=("__pycache__",)):
    """Every regular file (and symlink) under src_root, placed under dest, walked in sorted order."""
    if not os.path.isdir(src_root):
        raise SystemExit(f"make-test-images: missing source directory {src_root}; run scripts/install-deps.sh")
    out = []
    for root, dirs, files in os.walk(src_root):
        dirs[:] = sorted(d for d in dirs if d not in skip_dirs)
        rel_root = os.path.relpath(root, src_root)
        for name in sorted(files):
            if suffixes and not name.endswith(tuple(suffixes)):
                continue
            src = os.path.join(root, name)
            rel = os.path.normpath(os.path.join(dest, rel_root, name))
            if os.path.islink(src):
                out.append(symlink(rel, os.readlink(src)))
            elif os.path.isfile(src) and os.access(src, os.R_OK):
                out.append(real(rel, src))
    return out


def with_parents(entries):
    """Adds every missing ancestor directory and sorts by path, as image builders do."""
    have = {e.path for e in entries}
    extra = []
    for e in entries:
        parts = e.path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in have:
                have.add(d)
                extra.append(directory(d))
    result = sorted(list(entries) + extra, key=lambda e: e.path.encode())
    seen = set()
    for e in result:
        if e.path in seen:
            raise SystemExit(f"make-test-images: internal error: duplicate entry {e.path}")
        seen.add(e.path)
        if e.kind == "hardlink" and e.link not in seen:
            raise SystemExit(f"make-test-images: internal error: hardlink {e.path} before its target {e.link}")
    return result
