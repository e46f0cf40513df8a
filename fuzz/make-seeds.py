#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ (small, deterministic files).

Run it again only to change the seeds; crash inputs found later are added by hand next to them
(named regress-*) and must stay."""
import gzip
import io
import json
import os
import struct
import tarfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64

# Image references and platforms.
for i, text in enumerate([
    "ubuntu", "library/ubuntu:22.04", "docker.io/library/ubuntu@" + D1, "127.0.0.1:5000/aigc/sd:v9",
    "[::1]:5000/a/b:latest", "registry.example/a/b/c:tag@" + D2, "localhost/x", "linux/arm64/v8",
    "linux/amd64", "UPPER/case", "a:b:c", "a@sha256:short"]):
    put("reference", f"seed-{i:02}", text)

# Manifest, index, config.
put("image_json", "oci-manifest.json", json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": D1, "size": 100},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": D2, "size": 10,
                "urls": ["https://x"], "annotations": {"a": "b"}}],
    "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}}))
put("image_json", "docker-manifest.json", json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": D1, "size": 1},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": D2, "size": 2}]}))
put("image_json", "oci-index.json", json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D1, "size": 5,
         "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": D2, "size": 6,
         "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}]}))
put("image_json", "docker-list.json", json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": D1,
                   "size": 5, "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}}]}))
put("image_json", "config.json", json.dumps({
    "created": "2024-01-01T00:00:00Z", "os": "linux", "architecture": "amd64",
    "config": {"Env": ["PATH=/bin"], "Entrypoint": ["/app"]},
    "rootfs": {"type": "layers", "diff_ids": [D1, D2]},
    "history": [{"created_by": "FROM scratch", "empty_layer": True}, {"created_by": "COPY a /"},
                {"created_by": "RUN x", "comment": "c"}]}))

# WWW-Authenticate and token answers.
for i, text in enumerate([
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"',
    'basic  REALM = "coldstart \\"test\\"" , charset=UTF-8',
    'Basic realm="a", Bearer realm="https://t/token",service="s"',
    'Bearer realm="r",scope="repository:a/b:pull,push"\nBasic realm="x"',
    'Y29sZHN0YXJ0OnNlY3JldA==']):
    put("www_authenticate", f"seed-{i:02}", text)
put("token_response", "token.json", '{"token":"abc","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}')
put("token_response", "access-token.json", '{"access_token":"xyz","expires_in":60.5,"refresh_token":"r"}')
put("token_response", "tiny-expiry.json", '{"token":"abc","expires_in":1e-9}')

# docker config.json / podman auth.json, credential helper output.
put("docker_config", "auths.json", json.dumps({"auths": {
    "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
    "127.0.0.1:5000": {"auth": "YTpi", "identitytoken": "tok"},
    "registry.example/a": {"auth": "eDp5"}}}))
put("docker_config", "helpers.json", json.dumps({
    "auths": {}, "credHelpers": {"registry.example": "pass", "https://docker.io": "osxkeychain"},
    "credsStore": "desktop"}))
put("docker_config", "podman-auth.json", json.dumps({"auths": {"registry.example/a/b": {"auth": "dTpw"}}}))
put("credential_helper_output", "user.json", '{"ServerURL":"registry.example","Username":"u","Secret":"s"}')
put("credential_helper_output", "token.json", '{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"r"}')
put("credential_helper_output", "empty.json", '{}')


# Layer tars (control byte: 0 as is, 1 gzip here, 2 zstd here, 3 under a gzip media type; bit 2 pipelined).
def tar_bytes(entries, fmt=tarfile.USTAR_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            info.uname = info.gname = ""
            if kind == "d":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif kind == "l":
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            elif kind == "h":
                info.type, info.linkname = tarfile.LNKTYPE, data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    end = len(data)
    while end >= 512 and data[end - 512:end] == b"\0" * 512:
        end -= 512
    return data[:end + 1024]  # keep the two end-of-archive blocks, drop the record padding


header = json.dumps({"w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 12]},
                     "__metadata__": {"format": "pt"}}).encode()
safetensors = struct.pack("<Q", len(header)) + header + b"\0" * 12
entries = [
    ("etc/", "d", None), ("etc/passwd", "f", b"root:x:0:0\n"), ("etc/.wh.shadow", "f", b""),
    ("opt/.wh..wh..opq", "f", b""), ("opt/model.safetensors", "f", safetensors),
    ("opt/model.gguf", "f", b"GGUF\3\0\0\0" + b"\0" * 16), ("usr/lib/link", "l", "../../etc/passwd"),
    ("usr/lib/hard", "h", "etc/passwd"), ("./x/../../escape", "f", b"x"), ("/abs", "f", b"y"),
    ("usr/.wh..wh.plnk", "f", b""),
]
layer = tar_bytes(entries)
put("layer_tar", "plain.tar", b"\0" + layer)
put("layer_tar", "gzip-here.tar", b"\1" + layer)
put("layer_tar", "zstd-here.tar", b"\6" + layer)
put("layer_tar", "gzip.tar.gz", b"\0" + gzip.compress(layer, mtime=0))
put("layer_tar", "pax.tar", b"\0" + tar_bytes([("a/" + "long" * 40, "f", b"z"), ("a/.wh.long", "f", b"")], tarfile.PAX_FORMAT))
put("layer_tar", "gnu.tar", b"\4" + tar_bytes([("b/" + "x" * 120, "f", b"z"), ("b/.wh..wh..opq", "f", b"")], tarfile.GNU_FORMAT))

# Safetensors headers.
put("safetensors", "model.safetensors", safetensors)
h2 = json.dumps({"a": {"dtype": "BF16", "shape": [], "data_offsets": [0, 2]},
                 "b": {"dtype": "I64", "shape": [4294967296, 4294967296], "data_offsets": [2, 2]}}).encode() + b"   "
put("safetensors", "overflow.safetensors", struct.pack("<Q", len(h2)) + h2)

# Metrics CSV and Prometheus answers.
put("metrics_csv", "header.csv", "timestamp,value\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127\n")
put("metrics_csv", "unix.csv", "# comment\n1700000000;1.5\n\n1700000060;2e3\n")
put("metrics_csv", "tabs.csv", "time\tqps\tother\n2024-01-01T00:00:00Z\t3\tx\n2024-01-01T00:01:00+02:00\t4\ty\n")
put("prometheus_json", "matrix.json", json.dumps({"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {"__name__": "up", "pod": "a"}, "values": [[1700000000, "1"], [1700000060.5, "NaN"]]},
    {"metric": {"pod": "b"}, "values": [[1700000000, "+Inf"], [1700000060, "2"]]}]}}))
put("prometheus_json", "vector.json", json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
    {"metric": {}, "value": [1700000000, "-Inf"]}]}}))
put("prometheus_json", "error.json", json.dumps({"status": "error", "errorType": "bad_data", "error": "parse error"}))

# CI rules.
with open(os.path.join(os.path.dirname(ROOT), "..", "examples", "ci", ".coldstart-ci.yaml"), "rb") as f:
    put("ci_rules", "example.yaml", f.read())
put("ci_rules", "top-level.yaml", "max_volatile_bytes: 1GiB\nmin-stable-ratio: 0.6\nno-model-weights: true\n")
put("ci_rules", "disabled.yaml", "rules:\n  max-wasted-percent: off\n  max-layer-size: [1, 2]\n  unknown: x\n")

# Dictionaries (fuzz/dict/<target>.dict): tokens libFuzzer splices into inputs, so it reaches
# wrong-typed fields and extreme numbers, not only broken syntax.
JSON_TOKENS = ['{', '}', '[', ']', ':', ',', '"', 'null', 'true', 'false', '0', '-1', '1e300', '-1e300', '1.5',
               '18446744073709551615', '9223372036854775808', '-9223372036854775809', '""', '{}', '[]']
DICT_KEYS = {
    "image_json": ["schemaVersion", "mediaType", "config", "layers", "manifests", "digest", "size", "urls",
                   "annotations", "platform", "os", "architecture", "variant", "rootfs", "diff_ids", "history",
                   "created", "created_by", "empty_layer", "comment", D1,
                   "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
                   "application/vnd.docker.distribution.manifest.v1+json"],
    "token_response": ["token", "access_token", "expires_in", "issued_at", "refresh_token"],
    "docker_config": ["auths", "auth", "identitytoken", "credHelpers", "credsStore", "https://index.docker.io/v1/",
                      "docker.io", "127.0.0.1:5000", "registry.example", "dXNlcjpwYXNz", "=", "http://"],
    "credential_helper_output": ["Username", "Secret", "ServerURL", "<token>"],
    "safetensors": ["__metadata__", "dtype", "shape", "data_offsets", "F16", "BF16", "I64"],
    "prometheus_json": ["status", "success", "error", "errorType", "data", "resultType", "matrix", "vector",
                        "result", "metric", "values", "value", "__name__", "NaN", "+Inf", "-Inf", "pod"],
}
TEXT_TOKENS = {
    "ci_rules": ["rules:", "max-volatile-bytes", "min-stable-ratio", "max-layer-size", "max-wasted-bytes",
                 "max-wasted-percent", "no-duplicate-layers", "no-model-weights", "disabled", "off", "true",
                 "false", "%", "GiB", "MiB", "1e300", "-1", "18446744073709551615", ": ", "\n  ", "[", "{", "&a", "*a",
                 "!!str", "~"],
    "metrics_csv": ["timestamp", "value", "time", "ts", ",", ";", "\t", "#", "\n", "\"", "NaN", "inf", "1e300",
                    "-1", "1700000000", "2024-01-01T00:00:00Z", "+02:00", "2014-07-01 00:00:00", "9999999999999999999"],
    "reference": ["/", ":", "@", "sha256:", "docker.io", "localhost", "[::1]", ":5000", "library/", "__", "--",
                  "linux/", "arm64", "v8", "a" * 64],
    "layer_tar": [".wh.", ".wh..wh..opq", ".wh..wh.plnk", "../", "./", "/", "ustar\x0000", "ustar  \x00",
                  "././@LongLink", "path=", "linkpath=", "size=", "GGUF", "model.safetensors", ".gguf", ".bin",
                  "PK\x03\x04", "\x80\x02", "\xff\xff\xff\xff\xff\xff\xff\x7f"],
    "www_authenticate": ["Bearer ", "Basic ", "realm=", "service=", "scope=", "\"", "\\\"", ",", "=", "==", " "],
}


def put_dict(target, tokens):
    os.makedirs(os.path.join(DICTS, ""), exist_ok=True)
    with open(os.path.join(DICTS, target + ".dict"), "w") as f:
        for t in tokens:
            f.write('"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02X" % ord(c) for c in t) + '"\n')


DICTS = os.path.join(os.path.dirname(ROOT), "dict")
for target, keys in DICT_KEYS.items():
    put_dict(target, JSON_TOKENS + ['"%s"' % k for k in keys])
for target, tokens in TEXT_TOKENS.items():
    put_dict(target, tokens)
