#!/usr/bin/env bash
# The CLI shell: global flags work before and after the command name (repeatable ones must not
# swallow the IMAGE), exit codes follow the contract, and --help/--version answer.
source "$(dirname "$0")/lib/harness.sh"
cs="$COLDSTART"
img="oci:$SOURCE_DIR/examples/images/aigc:v1"

"$cs" --version | head -1 | grep -Eq '^coldstart version [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
"$cs" --help | grep -q 'coldstart inspect' || fail "--help has no examples"

# Repeatable global flags after the command name, before and after the image.
for args in "--plain-http 127.0.0.1:1 --insecure 127.0.0.1:2 $img" "$img --plain-http 127.0.0.1:1" \
            "-o json --plain-http 127.0.0.1:1 $img"; do
  # shellcheck disable=SC2086
  out="$("$cs" inspect $args)" || fail "inspect $args"
  grep -q 'aigc' <<<"$out" || fail "inspect $args printed no image"
done
"$cs" --plain-http 127.0.0.1:1 -o json inspect "$img" | python3 -c 'import json,sys; assert json.load(sys.stdin)["schema_version"] == 1'

# Usage errors exit 2 with one line; runtime errors exit 1.
set +e
"$cs" inspect --no-such-flag "$img" 2>"$tmp/err"; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "unknown flag gave exit $rc, want 2"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "unknown flag printed more than one line"
set +e
"$cs" -o xml inspect "$img" 2>/dev/null; rc=$?
"$cs" inspect "oci:$SOURCE_DIR/examples/images/aigc:v404" 2>"$tmp/err"; rc2=$?
set -e
[[ $rc -eq 2 ]] || fail "-o xml gave exit $rc, want 2"
[[ $rc2 -eq 1 ]] || fail "missing tag gave exit $rc2, want 1"
[[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "missing tag printed more than one line"
echo "cli_global_flags: ok"
