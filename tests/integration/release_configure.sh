#!/usr/bin/env bash
# A release build configures without doctest (issue 9, part 1): with BUILD_TESTING=OFF, CMake
# never looks for it (find_package(doctest) is disabled here, so any lookup would fail), and the
# control run with tests on does fail, so the check can fail.
source "$(dirname "$0")/lib/harness.sh"
cmake -S "$SOURCE_DIR" -B "$tmp/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON >"$tmp/log" 2>&1 || fail "release configure needs doctest: $(tail -5 "$tmp/log")"
grep -q "unit_core\|integration\." "$tmp/release/build.ninja" && fail "tests are part of a release build"
grep -q "coldstart" "$tmp/release/build.ninja" || fail "no coldstart target"
if cmake -S "$SOURCE_DIR" -B "$tmp/tests" -G Ninja -DBUILD_TESTING=ON -DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON >"$tmp/log" 2>&1; then
  fail "with tests on, configuring without doctest must fail"
fi
echo "release_configure: ok"
