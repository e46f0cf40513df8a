"""Large fixtures for benchmarks and memory tests: `big` (real files, hundreds of MB) and `manyfiles`."""


def build_big(out, factory, megabytes):
    raise SystemExit("make-test-images: --big is not built yet")


def build_many_files(out, factory, count):
    raise SystemExit("make-test-images: --many-files is not built yet")
