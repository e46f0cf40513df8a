#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit + integration) through ctest.
#   scripts/test.sh            the default preset (RelWithDebInfo)
#   scripts/test.sh asan       the AddressSanitizer + UBSan preset
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
scripts/install-deps.sh
scripts/build.sh "$preset"
ctest --preset "$preset" -j 2 "${@:2}"
