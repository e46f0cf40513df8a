#!/usr/bin/env bash
# Installs what coldstart needs to build and test, from Debian packages only.
# Idempotent and quick when everything is present (no apt-get run at all then).
set -euo pipefail

BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libcli11-dev libcurl4-openssl-dev libarchive-dev nlohmann-json3-dev libfmt-dev
  libyaml-cpp-dev doctest-dev libssl-dev zlib1g-dev libzstd-dev libisal-dev
  libcpp-httplib-dev  # the HTTP server of `ahpa serve` (/metrics, the KEDA metrics-api endpoint)
  dpkg-dev         # dpkg-shlibdeps: the .deb's Depends (cpack -G DEB)
  ca-certificates  # the CA bundle of the release image (scripts/release-image)
)
# Real services and peers the tests and benchmarks run against (never mocks).
TEST_PACKAGES=(
  docker-registry skopeo containerd runc prometheus vmtouch apache2-utils openssl
  python3 python3-kubernetes python3-jsonschema python3-yaml python3-jwt python3-cryptography
  python3-setuptools  # its distutils-precedence.pth: the real .pth files the deep analysis tests read
  zstd pigz jq curl hyperfine time
  e2fsprogs     # chattr: the prewarm permission test
  librsvg2-bin  # rsvg-convert: the chart tests render their SVG to PNG, as a viewer would
  isal  # igzip: the limit peer of scripts/bench/deep-analyze.sh
  groff-base  # the man page test renders coldstart.1 with warnings on
)

# The fuzz preset (scripts/fuzz.sh, a short pass in CI): clang and its libFuzzer/sanitizer runtimes.
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

want=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" != "--build-only" ]]; then want+=("${TEST_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
