#!/usr/bin/env bash
# Help that guides (issue 9, parts 1, 3, 4): --version names the commit and the libraries; every
# command's --help lists the global flags; a mistyped command or flag gets "did you mean"; a
# directory without oci: is caught before any network; flags that do nothing warn; the help
# defaults match the code; the bash completion completes commands, flags and their values; the
# man page is generated from the same tree and renders cleanly.
source "$(dirname "$0")/lib/harness.sh"
cs="$COLDSTART"
img="oci:$SOURCE_DIR/examples/images/aigc:v1"

# --version: version, commit, and the libraries as loaded
"$cs" --version >"$tmp/version"
for field in '^coldstart version [0-9]+\.[0-9]+\.[0-9]+$' '^commit: +[0-9a-f]{7,}(-dirty)?$|^commit: +unknown$' \
             '^libcurl: +[0-9.]+$' '^libarchive: +[0-9.]+$' '^zstd: +[0-9.]+$' '^ISA-L: +[0-9.]+$'; do
  grep -Eq "$field" "$tmp/version" || fail "--version lacks $field: $(cat "$tmp/version")"
done
curl_version="$(curl --version | awk 'NR==1 {print $2}')"
grep -q "libcurl: *$curl_version$" "$tmp/version" || fail "--version libcurl is not the loaded $curl_version"

# every command's --help lists the global flags that apply to it, and only those
for cmd in inspect analyze "ahpa recommend" "ahpa backtest" "prewarm pull" "prewarm files" "prewarm manifests" \
           "bench pull" "bench load" "bench simulate" completion; do
  # shellcheck disable=SC2086
  help="$("$cs" $cmd --help)" || fail "$cmd --help"
  for flag in -o,--output -q,--quiet -v,--verbose; do
    grep -q -- "^  $flag" <<<"$help" || fail "$cmd --help does not list $flag"
  done
  case "$cmd" in
    inspect | analyze | "prewarm pull" | "bench pull") want="--platform --plain-http --insecure --username --timeout" no="" ;;
    ahpa*) want="--timeout --insecure --username" no="--platform --plain-http" ;;
    "prewarm manifests") want="--platform --plain-http" no="--username --insecure" ;;
    *) want="" no="--platform --plain-http --username --timeout" ;;
  esac
  for flag in $want; do grep -q -- "^  $flag " <<<"$help" || fail "$cmd --help does not list $flag"; done
  for flag in $no; do grep -q -- "^  $flag " <<<"$help" && fail "$cmd --help lists $flag, which does nothing for it"; done
done
# the help default is the code's: --outlier-k clips at 20 MADs
grep -q -- '--outlier-k.*default 20;' <<<"$("$cs" ahpa recommend --help)" || fail "--outlier-k help default"

# did you mean: commands at any depth and flags, one line, exit 2
expect_usage() {  # expect_usage PATTERN ARGS...: exit 2 and one stderr line matching PATTERN
  local pattern="$1" rc=0; shift
  "$cs" "$@" >/dev/null 2>"$tmp/err" || rc=$?
  ((rc == 2)) || fail "$* exited $rc, want 2: $(cat "$tmp/err")"
  [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "$* printed more than one line: $(cat "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: '$(cat "$tmp/err")' lacks '$pattern'"
}
expect_usage "did you mean 'coldstart inspect'" inspekt "$img"
expect_usage "did you mean 'coldstart prewarm pull'" -o json prewarm pul x
expect_usage "did you mean --no-trunc" inspect --no-trunk "$img"
expect_usage "did you mean --plain-http" inspect --plain-htp 127.0.0.1:1 "$img"
expect_usage "commands: inspect, analyze" frobnicate
expect_usage "did you mean --history" analyze --histroy 3 "$img"

# a directory (with or without :TAG) given without oci: is named, before any network
cd "$SOURCE_DIR/examples/images"
rc=0; "$cs" --timeout 2s inspect aigc:v1 2>"$tmp/err" >/dev/null || rc=$?
((rc == 2)) && grep -q "did you mean oci:aigc:v1?" "$tmp/err" || fail "local dir: exit $rc: $(cat "$tmp/err")"
rc=0; "$cs" inspect "$SOURCE_DIR/examples/images/aigc" 2>"$tmp/err" >/dev/null || rc=$?
((rc == 2)) && grep -q "oci:$SOURCE_DIR/examples/images/aigc" "$tmp/err" || fail "absolute dir: exit $rc: $(cat "$tmp/err")"
cd - >/dev/null

# flags that do nothing in this combination warn (and the run still succeeds)
"$cs" analyze --tags '^v' "$img" 2>"$tmp/err" >/dev/null || fail "analyze --tags"
grep -q "warning: --tags has no effect without --history" "$tmp/err" || fail "no --tags warning: $(cat "$tmp/err")"
"$cs" analyze "$img" 2>"$tmp/err" >/dev/null && ! grep -q warning "$tmp/err" || fail "a plain analyze warned"
"$cs" inspect --username bob "$img" 2>"$tmp/err" >/dev/null || fail "inspect --username"
grep -q "warning: --username without --password-stdin" "$tmp/err" || fail "no --username warning: $(cat "$tmp/err")"
"$cs" -q inspect --username bob "$img" 2>"$tmp/err" >/dev/null
[[ $(grep -c warning "$tmp/err") -eq 1 ]] || fail "the --username warning must print once: $(cat "$tmp/err")"

# bash completion: commands, nested commands, flags (global and own), flag values, transports
"$cs" completion bash >"$tmp/coldstart.bash"
complete_line() {  # complete_line WORD...: the candidates bash offers for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _coldstart; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$tmp/coldstart.bash" coldstart "$@"
}
grep -qx inspect <<<"$(complete_line insp)" || fail "bash: commands"
[[ "$(complete_line prewarm p | sort | tr '\n' ' ')" == "pull " ]] || fail "bash: prewarm subcommands: $(complete_line prewarm p)"
grep -qx -- --no-trunc <<<"$(complete_line inspect --no)" || fail "bash: inspect flags"
grep -qx -- --plain-http <<<"$(complete_line inspect --plain)" || fail "bash: global flags after the command"
[[ "$(complete_line analyze -o j)" == json ]] || fail "bash: -o values: $(complete_line analyze -o j)"
grep -qx daemonset <<<"$(complete_line prewarm manifests --target "")" || fail "bash: --target values"
[[ "$(complete_line prewarm pull --layers "" | sort | tr '\n' ' ')" == "all stable volatile " ]] || fail "bash: --layers values"
grep -qx warm <<<"$(complete_line bench load --mode w)" || fail "bash: --mode values"
grep -qx "oci:" <<<"$(complete_line inspect o)" || fail "bash: transports: $(complete_line inspect o)"
! grep -qx -- --layers <<<"$(complete_line analyze --lay)" || fail "bash: prewarm pull's flag offered for analyze"
"$cs" completion zsh >"$tmp/_coldstart"
[[ "$(head -1 "$tmp/_coldstart")" == '#compdef coldstart' ]] || fail "zsh script header"
"$cs" completion fish >"$tmp/coldstart.fish"
grep -q "complete -c coldstart -n '__fish_seen_subcommand_from manifests' -l target -r -f -a '.*daemonset" "$tmp/coldstart.fish" ||
  fail "fish: --target values"
if command -v fish >/dev/null; then fish --no-execute "$tmp/coldstart.fish" || fail "fish syntax"; fi
if command -v zsh >/dev/null; then zsh -n "$tmp/_coldstart" || fail "zsh syntax"; fi
expect_usage "tcsh not in {bash,zsh,fish}" completion tcsh

# man page: same tree, every command and flag, renders without warnings
"$cs" man >"$tmp/coldstart.1"
for section in "coldstart inspect IMAGE" "coldstart prewarm manifests" "coldstart bench simulate" "coldstart completion SHELL"; do
  grep -qF "$(sed 's/-/\\-/g' <<<"$section")" "$tmp/coldstart.1" || fail "man page lacks $section"
done
grep -q -- '\\-\\-outlier\\-k' "$tmp/coldstart.1" || fail "man page lacks --outlier-k"
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -z "$tmp/coldstart.1" 2>"$tmp/groff.err" || fail "groff failed"
  [[ ! -s "$tmp/groff.err" ]] || fail "man page warnings: $(head -5 "$tmp/groff.err")"
fi
built="$BUILD_DIR/apps/coldstart/share/coldstart.1"
[[ -f "$built" ]] && cmp -s "$built" "$tmp/coldstart.1" || fail "the built man page differs from coldstart man"
echo "cli_help: ok"
