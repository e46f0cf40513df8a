#!/usr/bin/env bash
# A registry that accepts the TCP connection and never answers: with --timeout, coldstart gives up
# within the deadline (all retries included) with one line naming the host and --timeout. Without
# a deadline the low-speed rule and four retries used to take about 2.5 minutes.
source "$(dirname "$0")/lib/harness.sh"
isolate_registry_credentials

# The silent listener: accepts connections, reads nothing, answers nothing.
python3 - "$tmp/port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    conn, _ = s.accept()
    held.append(conn)
PY
listener=$!
trap 'kill $listener 2>/dev/null || true; itest_cleanup' EXIT
for _ in $(seq 50); do [[ -s "$tmp/port" ]] && break; sleep 0.1; done
port="$(cat "$tmp/port")"
reg="127.0.0.1:$port"

start=$(date +%s.%N)
set +e
timeout 60 "$COLDSTART" --timeout 3s inspect --plain-http "$reg" "$reg/x:y" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
elapsed=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
((rc != 124)) || fail "coldstart hung on a silent registry despite --timeout 3s"
((rc == 1)) || { cat "$tmp/err" >&2; fail "expected exit 1, got $rc"; }
[[ ! -s "$tmp/out" ]] || fail "results on stdout"
[[ "$(wc -l <"$tmp/err")" -eq 1 ]] || { cat "$tmp/err" >&2; fail "expected one error line"; }
grep -qF "registry $reg did not answer in time" "$tmp/err" || fail "error does not name the registry: $(cat "$tmp/err")"
grep -qF -- "--timeout" "$tmp/err" || fail "error does not point at --timeout: $(cat "$tmp/err")"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 5.5 else 1)" "$elapsed" ||
  fail "took ${elapsed}s for --timeout 3s"
echo "silent registry: exit 1 after ${elapsed}s: $(cat "$tmp/err")"

# A malformed --timeout is a usage error.
set +e
"$COLDSTART" --timeout soon inspect --plain-http "$reg" "$reg/x:y" >/dev/null 2>"$tmp/err"
rc=$?
set -e
((rc == 2)) || fail "--timeout soon: expected exit 2, got $rc"
