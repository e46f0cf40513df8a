#!/usr/bin/env bash
# Progress on long work (issue 9, part 5): `analyze --deep` draws a bar (bytes, rate, ETA, layer)
# on a terminal (a real pty from script(1)), prints plain progress lines when stderr is not a
# terminal (every COLDSTART_PROGRESS_INTERVAL seconds, default 10, so short runs print none), and
# nothing with -q; stdout stays the clean report. Tables fit the terminal width, cut in the middle,
# and --no-trunc prints them whole.
source "$(dirname "$0")/lib/harness.sh"
cs="$COLDSTART"
img="oci:$SOURCE_DIR/examples/images/aigc:v5"

# not a terminal: plain lines, the report on stdout untouched
COLDSTART_PROGRESS_INTERVAL=0 "$cs" analyze --deep "$img" -o json >"$tmp/out.json" 2>"$tmp/err" || fail "analyze --deep"
jq -e '.schema_version' "$tmp/out.json" >/dev/null || fail "stdout is not the JSON report"
grep -Eq "^coldstart: analyze --deep $img: [0-9.]+ [KMG]?i?B / 1\.1 MiB \([0-9]+%\), .*/s, ETA .*, layer [0-9]/6$" "$tmp/err" ||
  fail "no plain progress line: $(cat "$tmp/err")"
grep -q $'\r' "$tmp/err" && fail "a bar was drawn on a non-terminal"
"$cs" analyze --deep "$img" -o json 2>"$tmp/err" >/dev/null || fail "analyze --deep (default interval)"
grep -q "ETA" "$tmp/err" && fail "a short run printed progress lines at the default 10 s interval: $(cat "$tmp/err")"
COLDSTART_PROGRESS_INTERVAL=0 "$cs" -q analyze --deep "$img" -o json 2>"$tmp/err" >/dev/null || fail "analyze --deep -q"
[[ ! -s "$tmp/err" ]] || fail "-q printed on stderr: $(cat "$tmp/err")"

# a terminal: the bar, redrawn in place with \r and erased before the report
command -v script >/dev/null || fail "script(1) is missing (bsdutils)"
script -qfec "'$cs' analyze --deep '$img' -o json 2>&1 >/dev/null" /dev/null >"$tmp/tty" || fail "analyze --deep on a pty"
grep -q $'\r\\[[= >]*\\] .* / 1\\.1 MiB .*ETA .*layer [0-9]/6' "$tmp/tty" || fail "no bar on a terminal: $(cat -v "$tmp/tty")"
grep -q $'\r\e\\[K' "$tmp/tty" || fail "the bar was not erased: $(cat -v "$tmp/tty")"
script -qfec "'$cs' -q analyze --deep '$img' -o json 2>&1 >/dev/null" /dev/null >"$tmp/tty" || fail "-q on a pty"
[[ ! -s "$tmp/tty" ]] || fail "-q drew on a terminal: $(cat -v "$tmp/tty")"

# tables fit the terminal: 100 columns, cut in the middle; --no-trunc whole
images=("oci:$SOURCE_DIR/examples/images/aigc:v1" "oci:$SOURCE_DIR/examples/images/aigc:v2")
# the widest table row (layer rows and the header; prose lines wrap as prose does)
widest() { python3 -c 'import re, sys; print(max(len(l.rstrip("\r\n")) for l in open(sys.argv[1], encoding="utf-8") if re.match(r"(#|[0-9]+) +[0-9a-fL]", l)))' "$1"; }
script -qfec "stty cols 100; '$cs' -q analyze ${images[*]}" /dev/null | tr -d '\r' >"$tmp/narrow"
grep -q '…' "$tmp/narrow" || fail "nothing was cut at 100 columns: $(cat "$tmp/narrow")"
(( $(widest "$tmp/narrow") <= 100 )) || fail "a line is wider than 100 columns: $(cat "$tmp/narrow")"
script -qfec "stty cols 100; '$cs' -q --no-trunc analyze ${images[*]}" /dev/null | tr -d '\r' >"$tmp/whole"
grep -q '…' "$tmp/whole" && fail "--no-trunc still cut: $(cat "$tmp/whole")"
(( $(widest "$tmp/whole") > 100 )) || fail "--no-trunc: nothing is wider than the terminal, the check above proves nothing"
"$cs" -q analyze "${images[@]}" >"$tmp/pipe"
grep -q '…' "$tmp/pipe" && fail "a table piped to a file was cut"
echo "progress_output: ok"
