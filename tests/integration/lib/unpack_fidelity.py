#!/usr/bin/env python3
"""Unpack fidelity: an image whose layers use every tar feature a runtime must restore, and a
comparison of two unpacked snapshot directories down to owners, modes, xattrs, times and links.

  unpack_fidelity.py build DIR TAG          writes an OCI layout (3 gzip layers), prints nothing
  unpack_fidelity.py hostile DIR TAG        the same with a "../" entry in layer 2
  unpack_fidelity.py compare A B SINCE      compares two upper directories; exit 1 listing the
                                            differences. Directory mtimes later than SINCE (unix
                                            seconds) are ignored: a parent created because an
                                            entry needed it takes the time of the unpack.
"""
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

sys.dont_write_bytecode = True
T = 1700000000


def entry(name, kind=tarfile.REGTYPE, mode=0o644, uid=0, gid=0, mtime=T, data=b"", link="", dev=(0, 0), pax=None):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, uid, gid, mtime
    info.linkname = link
    info.devmajor, info.devminor = dev
    if pax:
        info.pax_headers = dict(pax)
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    return info, data


def layers(hostile):
    d, f, s, h = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
    one = [
        entry("./", d, 0o755),
        entry("etc/", d, 0o755),
        entry("etc/passwd", data=b"root:x:0:0::/root:/bin/sh\n"),
        entry("usr/", d, 0o755),
        entry("usr/bin/", d, 0o755),
        entry("usr/bin/tool", mode=0o4755, data=b"#!/bin/sh\necho tool\n"),
        entry("usr/bin/tool-again", h, mode=0o4755, link="usr/bin/tool"),
        entry("bin", s, 0o777, link="usr/bin"),
        entry("home/", d, 0o755),
        entry("home/user/", d, 0o750, uid=1000, gid=1000),
        entry("home/user/.profile", mode=0o600, uid=1000, gid=1000, data=b"export A=1\n"),
        entry("var/", d, 0o700, uid=5, gid=6, pax={"SCHILY.xattr.user.origin": "layer-one"}),
        entry("var/log/", d, 0o711, uid=5, gid=6),
        entry("var/log/a.log", data=b"a\n", mtime=1000000000),
        entry("run/", d, 0o755),
        entry("run/pipe", tarfile.FIFOTYPE, 0o620),
        entry("dev/", d, 0o755),
        entry("dev/null2", tarfile.CHRTYPE, 0o666, dev=(1, 3)),
        entry("dev/loop9", tarfile.BLKTYPE, 0o660, gid=6, dev=(7, 9)),
        entry("opt/", d, 0o755),
        entry("opt/data/", d, 0o755),
        entry("opt/data/old.txt", data=b"old\n"),
        entry("opt/gone/", d, 0o755),
        entry("opt/gone/a.txt", data=b"gone\n"),
        entry("opt/x.bin", data=bytes(range(256)) * 40, pax={"SCHILY.xattr.user.checksum": "abc",
                                                             "atime": str(T + 50)}),
        entry("opt/" + "long-name-" * 12 + ".txt", data=b"long\n"),
        entry("old", data=b"before 1970\n", mtime=-86400),
    ]
    two = [
        entry("opt/.wh.gone", mode=0o600, uid=7, gid=8),
        entry("opt/data/.wh..wh..opq"),
        entry("opt/data/new.txt", data=b"new\n"),
        entry("var/log/b.log", data=b"b\n"),          # parents implicit: copied from layer one
        entry("home/user/notes", uid=1000, gid=1000, data=b"notes\n"),
        entry("srv/new/file", data=b"nowhere below\n"),  # parents not below: 0755 root
        entry("lnk", s, 0o777, link="opt/data"),
        entry("lnk/through.txt", data=b"written through a symlink of this layer\n"),
        entry("etc/passwd", mode=0o640, data=b"root:x:0:0::/root:/bin/bash\n"),
        entry("usr/bin/tool", mode=0o755, data=b"#!/bin/sh\necho tool 2\n"),
    ]
    if hostile:
        two.append(entry("opt/../../escape.txt", data=b"climbs\n"))
    three = [
        entry("home/.wh.user"),
        entry("home/user", data=b"now a file\n", uid=3, gid=3),
        entry("./etc/hosts", data=b"127.0.0.1 localhost\n"),
        entry("etc/dir/", d, 0o2775, uid=1, gid=2),
        entry("etc/dir/f", data=b"f\n"),
    ]
    return [one, two, three]


def write_layout(root, tag, hostile):
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)

    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(root, "blobs", "sha256", digest), "wb") as out:
            out.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    descs, diffs = [], []
    for entries in layers(hostile):
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for info, data in entries:
                tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
        diffs.append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
        gz = io.BytesIO()
        with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
            g.write(raw.getvalue())
        descs.append(dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **blob(gz.getvalue())))
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diffs}}, sort_keys=True).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **blob(config)),
                           "layers": descs}, sort_keys=True).encode()
    index = {"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.manifest.v1+json",
                                                    annotations={"org.opencontainers.image.ref.name": tag},
                                                    **blob(manifest))]}
    with open(os.path.join(root, "index.json"), "w") as out:
        json.dump(index, out)
    with open(os.path.join(root, "oci-layout"), "w") as out:
        out.write('{"imageLayoutVersion":"1.0.0"}')


def describe(root, since):
    facts, inodes = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            fact = {"type": stat.S_IFMT(st.st_mode), "mode": oct(stat.S_IMODE(st.st_mode)), "uid": st.st_uid,
                    "gid": st.st_gid}
            # Times from the archive only: a time after SINCE was stamped by the unpack itself (a
            # parent made for an entry, a whiteout device); a symlink's atime moves when it is read.
            if st.st_mtime_ns < since * 10**9:
                fact["mtime"] = st.st_mtime_ns
            if not stat.S_ISDIR(st.st_mode) and not stat.S_ISLNK(st.st_mode) and st.st_atime_ns < since * 10**9:
                fact["atime"] = st.st_atime_ns
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    fact["sha256"] = hashlib.sha256(f.read()).hexdigest()
                if st.st_nlink > 1:
                    inodes.setdefault(st.st_ino, []).append(rel)
            if stat.S_ISLNK(st.st_mode):
                fact["link"] = os.readlink(path)
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                fact["rdev"] = (os.major(st.st_rdev), os.minor(st.st_rdev))
            if not stat.S_ISLNK(st.st_mode):
                fact["xattrs"] = {k: os.getxattr(path, k, follow_symlinks=False).hex()
                                  for k in sorted(os.listxattr(path, follow_symlinks=False))}
            facts[rel] = fact
    xattrs_root = {k: os.getxattr(root, k).hex() for k in sorted(os.listxattr(root))}
    facts["."] = {"xattrs": xattrs_root}
    links = sorted(sorted(group) for group in inodes.values())
    return facts, links


def compare(a, b, since):
    fa, la = describe(a, since)
    fb, lb = describe(b, since)
    problems = []
    for rel in sorted(set(fa) | set(fb)):
        if fa.get(rel) != fb.get(rel):
            problems.append(f"{rel}: containerd {fa.get(rel)} / coldstart {fb.get(rel)}")
    if la != lb:
        problems.append(f"hard links: containerd {la} / coldstart {lb}")
    for p in problems:
        print(p)
    print(f"{len(fa)} entries compared, {len(problems)} differences", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd in ("build", "hostile"):
        write_layout(sys.argv[2], sys.argv[3], cmd == "hostile")
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    else:
        sys.exit(__doc__)
