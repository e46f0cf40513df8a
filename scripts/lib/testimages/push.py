"""Pushes every layout under OUT_DIR to a registry with skopeo, keeping digests, and checks them.

Repository = layout directory name (aigc, llm, multiarch, zstd, ...), tags from index.json. skopeo
copies blobs as they are (no recompression: --preserve-digests refuses any change), and --all carries
every manifest of an index. Afterwards the pushed manifest is fetched back and hashed.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from .layout import REF_NAME


def _layouts(out):
    for name in sorted(os.listdir(out)):
        index = os.path.join(out, name, "index.json")
        if os.path.isfile(index) and os.path.isfile(os.path.join(out, name, "oci-layout")):
            with open(index) as fh:
                for d in json.load(fh)["manifests"]:
                    tag = d.get("annotations", {}).get(REF_NAME)
                    if tag:
                        yield name, tag, d["digest"]


def _flags(prefix, tls_verify, authfile, cert_dir):
    """skopeo options: prefix "dest-" for copy, "" for inspect."""
    f = [f"--{prefix}tls-verify={'true' if tls_verify else 'false'}"]
    if authfile:
        f.append(f"--{prefix}authfile={authfile}")
    if cert_dir:
        f.append(f"--{prefix}cert-dir={cert_dir}")
    return f


def _write_authfile(directory, registry, creds):
    """Credentials go to skopeo in a 0600 auth file, never on a command line other users can read."""
    if ":" not in creds:
        sys.exit("make-test-images: --creds must be USER:PASSWORD")
    path = os.path.join(directory, "auth.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"auths": {registry: {"auth": base64.b64encode(creds.encode()).decode()}}}, fh)
    return path


def push_all(out, registry, tls_verify=True, creds=None, cert_dir=None):
    if not os.path.isdir(out):
        sys.exit(f"make-test-images: {out} is not a directory; build the images first: scripts/make-test-images {out}")
    items = list(_layouts(out))
    if not items:
        sys.exit(f"make-test-images: no OCI layouts under {out}; build them first: scripts/make-test-images {out}")
    with tempfile.TemporaryDirectory(prefix="make-test-images-") as private:
        authfile = _write_authfile(private, registry, creds) if creds else None
        for repo, tag, digest in items:
            _push_one(os.path.join(out, repo), f"{registry}/{repo}:{tag}", digest,
                      _flags("dest-", tls_verify, authfile, cert_dir), _flags("", tls_verify, authfile, cert_dir), tag)
    print(f"make-test-images: pushed {len(items)} tags to {registry} with digests unchanged", file=sys.stderr)
    return 0


def _push_one(layout_dir, target, digest, copy_flags, inspect_flags, tag):
    src, dst = f"oci:{layout_dir}:{tag}", f"docker://{target}"
    print(f"make-test-images: pushing {target}", file=sys.stderr)
    r = subprocess.run(["skopeo", "copy", "-q", "--all", "--preserve-digests"] + copy_flags + [src, dst])
    if r.returncode != 0:
        sys.exit(f"make-test-images: skopeo copy {src} {dst} failed (exit {r.returncode})")
    raw = subprocess.run(["skopeo", "inspect", "--raw"] + inspect_flags + [dst], capture_output=True)
    if raw.returncode != 0:
        sys.exit(f"make-test-images: skopeo inspect --raw {dst} failed: {raw.stderr.decode().strip()}")
    got = "sha256:" + hashlib.sha256(raw.stdout).hexdigest()
    if got != digest:
        sys.exit(f"make-test-images: pushed {dst} has manifest digest {got}, layout has {digest}")
