#!/usr/bin/env bash
# CI templates (issue 9, part 7): examples/ci/github-actions.yml and gitlab-ci.yml are valid YAML
# that run examples/ci/coldstart-report.sh; this test runs that script as the templates do, against
# a real docker-registry with htpasswd auth (the password on stdin, as the GitLab job passes it),
# with CI=true: the gate is checked without --ci (as dive does), a breach exits 3 with a Markdown
# report that says so, a pass exits 0, and without CI=true there is no gate.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials
ci="$SOURCE_DIR/examples/ci"

python3 - "$ci" <<'PY' || fail "templates"
import sys, yaml
ci = sys.argv[1]
gh = yaml.safe_load(open(f"{ci}/github-actions.yml"))
assert True in gh or "on" in gh, "no trigger"
trigger = gh.get(True, gh.get("on"))
assert "pull_request" in trigger, trigger
steps = gh["jobs"]["cold-start"]["steps"]
runs = "\n".join(s.get("run", "") for s in steps)
assert "examples/ci/coldstart-report.sh" in runs and "gh pr comment" in runs, runs
assert gh["permissions"]["pull-requests"] == "write"
gl = yaml.safe_load(open(f"{ci}/gitlab-ci.yml"))
script = "\n".join(gl["coldstart-gate"]["script"])
assert "examples/ci/coldstart-report.sh" in script and "merge_requests/$CI_MERGE_REQUEST_IID/notes" in script, script
assert gl["coldstart-gate"]["artifacts"]["when"] == "always"
PY

registry_env="$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" registry htpasswd)" || fail "registry did not start"
eval "$registry_env"
for v in v4 v5; do
  skopeo copy -q --dest-tls-verify=false --dest-creds "$REGISTRY_USER:$REGISTRY_PASSWORD" \
    "oci:$SOURCE_DIR/examples/images/aigc:$v" "docker://$REGISTRY/team/aigc:$v" || fail "push aigc:$v"
done
mkdir -p "$tmp/repo" && cd "$tmp/repo"
# report RULE_LIMIT: what the GitLab job runs (the GitHub job runs the same script, through docker)
report() {
  printf 'max-volatile-bytes: %s\n' "$1" >.coldstart-ci.yaml
  echo "$REGISTRY_PASSWORD" | CI=true COLDSTART="$COLDSTART" \
    COLDSTART_FLAGS="--plain-http $REGISTRY --username $REGISTRY_USER --password-stdin" \
    bash "$ci/coldstart-report.sh" "$REGISTRY/team/aigc:v5" "$REGISTRY/team/aigc:v4" coldstart-report.md 2>err.txt
}
rc=0; report 10KiB || rc=$?
((rc == 3)) || fail "a breach exited $rc, want 3: $(cat err.txt)"
grep -q "^\*\*The cold-start gate failed\*\*" coldstart-report.md || fail "no failure headline: $(cat coldstart-report.md)"
grep -q "^FAIL max-volatile-bytes: $REGISTRY/team/aigc: .* > 10.0 KiB$" coldstart-report.md || fail "no violation line"
grep -q "^| 5 | .* | volatile | p2p |" coldstart-report.md || fail "no layer table in the report"
grep -q "^<sub>coldstart [0-9.]*</sub>$" coldstart-report.md || fail "no version footer"
[[ ! -e coldstart-report.md.tmp && ! -e coldstart-report.md.err ]] || fail "temporary files left"
rc=0; report 10MiB || rc=$?
((rc == 0)) || fail "a pass exited $rc: $(cat err.txt)"
grep -q "^The cold-start gate passed against \`$REGISTRY/team/aigc:v4\`" coldstart-report.md || fail "no pass headline"
grep -q "^CI gate passed" coldstart-report.md || grep -q "^PASS max-volatile-bytes" coldstart-report.md || fail "no gate section"
# without CI=true (and without --ci) there is no gate, even with a rules file here
"$COLDSTART" -q --plain-http "$REGISTRY" --username "$REGISTRY_USER" --password-stdin analyze -o markdown \
  "$REGISTRY/team/aigc:v4" "$REGISTRY/team/aigc:v5" <<<"$REGISTRY_PASSWORD" >plain.md || fail "analyze without CI"
grep -q "CI gate" plain.md && fail "CI unset still ran the gate"
# a registry error is a report too (exit 1), so the comment explains the red job
rc=0; echo wrong | CI=true COLDSTART="$COLDSTART" COLDSTART_FLAGS="--plain-http $REGISTRY --username $REGISTRY_USER --password-stdin" \
  bash "$ci/coldstart-report.sh" "$REGISTRY/team/aigc:v5" "$REGISTRY/team/aigc:v4" bad.md 2>/dev/null || rc=$?
((rc == 1)) || fail "bad credentials exited $rc"
grep -q "could not analyse the image" bad.md || fail "no error report: $(cat bad.md)"
grep -q "wrong" bad.md && fail "the password leaked into the report"
echo "ci_templates: ok"
