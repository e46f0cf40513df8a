"""The file sets of each layer role, built from real files every Debian 12 machine with python3 has
(dash, coreutils, base-files, media-types, libpython3.11-stdlib and the libraries it depends on)
plus small generated files whose bytes are fixed here.
"""
from . import safetensors
from .entries import directory, file, hardlink, real, real_tree, symlink, with_parents

LIBDIR = "/usr/lib/x86_64-linux-gnu"
PYSTDLIB = "/usr/lib/python3.11"
SITE = "usr/local/lib/python3.11/site-packages"

# tzdata's Etc/UTC (TZif2, 114 bytes), embedded so the base layer does not need tzdata.
TZ_UTC = bytes.fromhex(
    "545a69663200000000000000000000000000000000000000000000000000000000000000000000010000000400000000"
    "000055544300545a696632000000000000000000000000000000000000000000000000000000000000000000000100"
    "000004000000000000555443000a555443300a")


def _apt_packages_index(n=400):
    """A generated apt Packages list (~100 KB): the package cache the app layer later hides."""
    lines = []
    for i in range(n):
        lines.append(f"Package: pkg-{i:04d}\nVersion: 1.{i % 7}.{i % 13}-1\nArchitecture: amd64\n"
                     f"Maintainer: Fixture Maintainers <fixtures@example.invalid>\nInstalled-Size: {100 + i * 3}\n"
                     f"Filename: pool/main/p/pkg-{i:04d}/pkg-{i:04d}_1.{i % 7}.{i % 13}-1_amd64.deb\n"
                     f"Description: generated fixture package number {i}\n\n")
    return "".join(lines)


def _ld_so_cache(tag, n):
    return ("ld.so-1.7.0\n" + "".join(f"{tag}-lib{i:03d}.so => /usr/lib/x86_64-linux-gnu/{tag}-lib{i:03d}.so\n"
                                        for i in range(n)))


ENTRYPOINT = "#!/bin/sh\nset -e\nexec python3 /app/serve.py \"$@\"\n"
# A long path (> 100 bytes) forces a PAX 'path' record in the tar header.
LONG_PATH = (SITE + "/nvidia_cuda_runtime_cu12/include/thrust/system/detail/generic/"
             "scan_by_key_implementation_details.inl")


def base_os(arch="amd64"):
    """Layer 0: a minimal Debian-like root. amd64 carries real binaries; arm64 only arch-neutral files."""
    e = [
        symlink("bin", "usr/bin"),
        symlink("lib", "usr/lib"),
        file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
        file("etc/group", "root:x:0:\nnogroup:x:65534:\n"),
        real("etc/debian_version", "/etc/debian_version"),
        real("usr/lib/os-release", "/usr/lib/os-release"),
        symlink("etc/os-release", "../usr/lib/os-release"),
        real("etc/mime.types", "/etc/mime.types"),
        file("etc/ld.so.cache", _ld_so_cache("base", 60)),
        real("usr/share/common-licenses/GPL-3", "/usr/share/common-licenses/GPL-3"),
        real("usr/share/common-licenses/Apache-2.0", "/usr/share/common-licenses/Apache-2.0"),
        real("usr/share/common-licenses/BSD", "/usr/share/common-licenses/BSD"),
        file("usr/share/zoneinfo/Etc/UTC", TZ_UTC),
        hardlink("usr/share/zoneinfo/UTC", "usr/share/zoneinfo/Etc/UTC"),
        symlink("usr/share/zoneinfo/Zulu", "Etc/UTC"),
        file("usr/local/bin/entrypoint.sh", ENTRYPOINT, 0o644),
        directory("tmp", 0o1777),
        directory("root", 0o700),
        file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-%s_Packages" % arch,
             _apt_packages_index()),
        file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
             "Origin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\n"),
    ]
    if arch == "amd64":
        e += [
            real("usr/bin/dash", "/usr/bin/dash"),
            symlink("usr/bin/sh", "dash"),
            real("usr/bin/cat", "/usr/bin/cat"),
            real("usr/bin/env", "/usr/bin/env"),
            real("usr/bin/ls", "/usr/bin/ls"),
        ]
    else:
        e.append(file("etc/arch", "aarch64\n"))
    return with_parents(e)


CUDA_LIBS = [  # (CUDA-style name, real library whose bytes it carries)
    ("libcudart.so.12.2.140", "libz.so.1", "libcudart.so.12"),
    ("libcublas.so.12.2.5.6", "libzstd.so.1", "libcublas.so.12"),
    ("libcufft.so.11.0.8.103", "liblzma.so.5", "libcufft.so.11"),
    ("libnvrtc.so.12.2.140", "libexpat.so.1", "libnvrtc.so.12"),
    ("libnvToolsExt.so.1.0.0", "libffi.so.8", "libnvToolsExt.so.1"),
]


def cuda():
    """Layer 1: CUDA-named runtime libraries (bytes of real .so files), symlink chains, driver lib."""
    root = "usr/local/cuda-12.2"
    e = [symlink("usr/local/cuda", "cuda-12.2"),
         file(root + "/version.json", '{"cuda":{"name":"CUDA SDK","version":"12.2.2"}}\n'),
         file("etc/ld.so.conf.d/000_cuda.conf", "/usr/local/cuda/lib64\n"),
         # ldconfig rewrites the cache: the base layer's copy becomes wasted bytes.
         file("etc/ld.so.cache", _ld_so_cache("cuda", 90)),
         real(LIBDIR + "/libcuda.so.535.104.05", LIBDIR + "/libbz2.so.1.0", 0o644),
         symlink(LIBDIR + "/libcuda.so.1", "libcuda.so.535.104.05")]
    for name, src, soname in CUDA_LIBS:
        e.append(real(f"{root}/lib64/{name}", f"{LIBDIR}/{src}", 0o644))
        e.append(symlink(f"{root}/lib64/{soname}", name))
        e.append(symlink(f"{root}/lib64/{soname.rsplit('.so', 1)[0]}.so", soname))
    return with_parents(e)


def _dist_info(name, version, files):
    d = f"{SITE}/{name}-{version}.dist-info"
    record = "".join(f"{p},,\n" for p in files)
    return [file(d + "/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
            file(d + "/INSTALLER", "pip\n"),
            file(d + "/RECORD", record)]


def python_packages(flavour="aigc"):
    """Layer 2: pure-python packages (real stdlib sources) in site-packages, a pip cache, a long path,
    an absolute symlink, and entrypoint.sh re-added with only its mode changed (0644 -> 0755)."""
    pkgs = {"aigc": ["json", "http", "urllib", "html", "logging", "concurrent"],
            "llm": ["email", "xml", "json"]}[flavour]
    e = []
    for p in pkgs:
        tree = real_tree(f"{SITE}/{p}", f"{PYSTDLIB}/{p}", suffixes=(".py",))
        e += tree
        e += _dist_info(p, "3.11", [x.path[len(SITE) + 1:] for x in tree])
    e += [
        file(LONG_PATH, "// generated fixture file with a path longer than 100 bytes\n"),
        symlink("usr/local/bin/python3", "/usr/bin/python3.11"),
        file("usr/local/bin/entrypoint.sh", ENTRYPOINT, 0o755),
        file("root/.cache/pip/http/a/b/c/d/e/abcdef0123456789", "pip http cache entry\n" * 400),
    ]
    if flavour == "llm":
        e.append(file(f"{SITE}/llm_runtime/__init__.py", "ENGINE = 'fixture'\n"))
    return with_parents(e)


def app(version, flavour="aigc"):
    """The volatile code layer: changes with every version. From v2 on (aigc) it also deletes a base
    file (.wh.GPL-3) and hides the apt lists directory (opaque whiteout)."""
    n = int(version.lstrip("v")) if version.lstrip("v").isdigit() else 1
    e = [
        file("app/VERSION", version + "\n"),
        file("app/serve.py", f"# {flavour} inference server, release {version}\nVERSION = {version!r}\n"
             "import json\n\n\ndef handler(request):\n    return json.dumps({'version': VERSION})\n"),
        file("app/config.json", f'{{"service":"{flavour}","version":"{version}","workers":{n}}}\n'),
        file("app/requirements.txt", f"{flavour}-runtime=={n}.0\n"),
    ]
    if flavour == "aigc" and n >= 2:
        e += [file("usr/share/common-licenses/.wh.GPL-3", b"", 0o644),
              directory("var/lib/apt/lists"),
              file("var/lib/apt/lists/.wh..wh..opq", b"", 0o644)]
    return with_parents(e)


def model(version, flavour="aigc"):
    """The volatile model layer: a .safetensors file with new weights per version. Returns (entries, facts)."""
    tensors = {"aigc": safetensors.AIGC_TENSORS, "llm": safetensors.LLM_TENSORS}[flavour]
    blob, facts = safetensors.build(tensors, f"{flavour}-{version}", {"format": "pt", "version": version})
    path = f"models/{flavour}/model.safetensors"
    facts = dict(facts, path=path)
    e = [file(path, blob),
         file(f"models/{flavour}/config.json", f'{{"model_type":"{flavour}","release":"{version}"}}\n')]
    return with_parents(e), facts


def multiarch_app():
    return with_parents([file("app/hello.sh", "#!/bin/sh\necho hello from $(cat /etc/arch 2>/dev/null || uname -m)\n",
                              0o755)])


def settings():
    """A small config layer that the misordered set copies twice (a duplicate layer)."""
    return with_parents([file("etc/app/settings.json", '{"log_level":"info","max_batch":8}\n')])
