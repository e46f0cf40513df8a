#!/usr/bin/env bash
# The commands the CI templates run: coldstart's cold-start gate on the image this pipeline just
# built, compared with the baseline release, written as Markdown for a PR/MR comment.
#
#   coldstart-report.sh NEW_IMAGE BASELINE_IMAGE [REPORT]
#
# Exit code: coldstart's (0 pass, 3 the gate failed, 1/2 errors); the report is written either way
# so the comment is posted before the job fails. CI=true (set by GitHub Actions and GitLab CI) makes
# `analyze` check the rules of .coldstart-ci.yaml, as dive does; COLDSTART_FLAGS adds flags
# (e.g. "--plain-http registry:5000 --deep"), COLDSTART the binary (default: coldstart on PATH).
set -uo pipefail
new="${1:?usage: coldstart-report.sh NEW_IMAGE BASELINE_IMAGE [REPORT]}"
baseline="${2:?usage: coldstart-report.sh NEW_IMAGE BASELINE_IMAGE [REPORT]}"
report="${3:-coldstart-report.md}"
coldstart="${COLDSTART:-coldstart}"
# shellcheck disable=SC2086  # COLDSTART_FLAGS is a list of flags
"$coldstart" -q ${COLDSTART_FLAGS:-} analyze "$baseline" "$new" -o markdown >"$report.tmp" 2>"$report.err"
rc=$?
{
  echo "## coldstart: cold start of \`$new\`"
  echo
  case $rc in
    0) echo "The cold-start gate passed against \`$baseline\`." ;;
    3) echo "**The cold-start gate failed** against \`$baseline\`: see the CI gate below." ;;
    *) echo "**coldstart could not analyse the image** (exit $rc):"; echo; echo '```'; cat "$report.err"; echo '```' ;;
  esac
  echo
  cat "$report.tmp"
  echo
  echo "<sub>coldstart $("$coldstart" --version 2>/dev/null | sed -n 's/^coldstart version //p')</sub>"
} >"$report"
rm -f "$report.tmp"
cat "$report.err" >&2
rm -f "$report.err"
exit $rc
