# Sourced first by every integration test (each tests/integration/*.sh is one ctest).
# Checks the environment ctest passes, gives the test an empty work dir $tmp under
# $BUILD_DIR/itest-tmp/<test name>, and on exit stops every service that scripts/testenv started
# anywhere under $tmp; $tmp is removed when the test passed and kept for inspection when it failed.
set -euo pipefail
: "${COLDSTART:?path of the coldstart binary}" "${SOURCE_DIR:?}" "${BUILD_DIR:?}"
tmp="$BUILD_DIR/itest-tmp/$(basename "${BASH_SOURCE[1]}" .sh)"
rm -rf "$tmp" && mkdir -p "$tmp"

itest_cleanup() {
  local rc=$? dir
  while IFS= read -r dir; do
    "$SOURCE_DIR/scripts/testenv" stop "$dir" >/dev/null 2>&1 || true
  done < <(find "$tmp" -name '*.pid' -printf '%h\n' 2>/dev/null | sort -u)
  if ((rc == 0)); then rm -rf "$tmp"; else echo "work dir kept: $tmp" >&2; fi
}
trap itest_cleanup EXIT
# CI=true turns `analyze` into `analyze --ci` (as for dive); tests that want it set it themselves.
unset CI

fail() { echo "FAIL: $*" >&2; exit 1; }

# Registry tests must not pick up the developer's own credentials.
isolate_registry_credentials() {
  export DOCKER_CONFIG="$tmp/no-docker-config"
  unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR
}
