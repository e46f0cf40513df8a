#!/usr/bin/env bash
# Metrics from a real Prometheus: backfill 8 days of nyc_taxi (30 min) and a minutely two-pod
# series with promtool, serve them, and read them back through `coldstart ahpa` live, from a saved
# query_range export and from the CSV. The samples must match the source exactly; the minutely
# range needs two chunked requests (Prometheus' 11,000-points limit); bad queries fail clearly.
source "$(dirname "$0")/lib/harness.sh"
taxi="$SOURCE_DIR/examples/metrics/nyc_taxi.csv"
[[ -f "$taxi" ]] || fail "no $taxi"

T0=1404172800                     # 2014-07-01T00:00:00Z, the first nyc_taxi sample
DAYS=8
# The CSV slice and the OpenMetrics backfill, from the same rows.
python3 - "$taxi" "$tmp" "$T0" "$DAYS" <<'PY'
import csv, datetime, sys
src, tmp, t0, days = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = list(csv.DictReader(open(src)))[: days * 48]
with open(f"{tmp}/slice.csv", "w") as f:
    f.write("timestamp,value\n")
    for r in rows:
        f.write(f"{r['timestamp']},{r['value']}\n")
with open(f"{tmp}/backfill.om", "w") as f:
    f.write("# TYPE nyc_taxi_passengers gauge\n")
    for r in rows:
        t = datetime.datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
        f.write(f'nyc_taxi_passengers{{job="nyc"}} {r["value"]} {int(t.timestamp())}\n')
    # Minutely: pod a = i mod 1440, pod b = 2·(i mod 1440) + 1.
    f.write("# TYPE coldstart_itest_rps gauge\n")
    for pod, scale, offset in (("a", 1, 0), ("b", 2, 1)):
        for i in range(days * 1440):
            f.write(f'coldstart_itest_rps{{job="synthetic",pod="{pod}"}} {scale * (i % 1440) + offset} {t0 + 60 * i}\n')
    f.write("# EOF\n")
PY

eval "$("$SOURCE_DIR/scripts/testenv" start "$tmp/env" prometheus "$tmp/backfill.om")" ||
  fail "prometheus did not start"
[[ -n "${PROMETHEUS_URL:-}" ]] || fail "testenv printed no PROMETHEUS_URL"

taxi_end=$((T0 + DAYS * 86400 - 1800))
common=(--capacity-per-pod 2000 --ready-time 180s)
live_taxi=(--prometheus "$PROMETHEUS_URL" --query nyc_taxi_passengers --range "${DAYS}d" --step 30m --end "$taxi_end")

# 1. Live: samples match the CSV, row for row. The bearer token is sent but never printed.
printf 's3cr3t-t0ken\n' >"$tmp/token"
"$COLDSTART" -v ahpa backtest "${live_taxi[@]}" --bearer-token-file "$tmp/token" "${common[@]}" \
  --schedule "$tmp/live_schedule.csv" -o json >"$tmp/live_backtest.json" 2>"$tmp/live_backtest.err" ||
  fail "live backtest failed: $(tail -n 3 "$tmp/live_backtest.err")"
grep -q 's3cr3t' "$tmp/live_backtest.err" "$tmp/live_backtest.json" "$tmp/live_schedule.csv" && fail "the bearer token was printed"
grep -q "read $((DAYS * 48)) points -> $((DAYS * 48)) samples at a 1800s step; 0 gaps filled" "$tmp/live_backtest.err" ||
  fail "unexpected cleaning report: $(grep -m1 'read ' "$tmp/live_backtest.err")"
python3 - "$tmp/slice.csv" "$tmp/live_schedule.csv" <<'PY'
import csv, datetime, sys
truth = {int(datetime.datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()):
         float(r["value"]) for r in csv.DictReader(open(sys.argv[1]))}
checked = 0
for r in csv.DictReader(open(sys.argv[2])):
    t = int(r["time"])
    if t in truth:
        assert float(r["demand"]) == truth[t], (t, r["demand"], truth[t])
        checked += 1
assert checked >= 4 * 48, f"only {checked} schedule rows matched CSV timestamps"
print(f"live: {checked} replayed samples equal the CSV")
PY

# 2. The same recommendation from live Prometheus, its saved query_range export, and the CSV.
"$COLDSTART" -q ahpa recommend "${live_taxi[@]}" "${common[@]}" -o json >"$tmp/rec_live.json"
curl -sfG "$PROMETHEUS_URL/api/v1/query_range" --data-urlencode query=nyc_taxi_passengers \
  -d start="$T0" -d end="$taxi_end" -d step=1800 >"$tmp/export.json" || fail "curl export failed"
"$COLDSTART" -q ahpa recommend "$tmp/export.json" "${common[@]}" -o json >"$tmp/rec_export.json"
"$COLDSTART" -q ahpa recommend "$tmp/slice.csv" "${common[@]}" -o json >"$tmp/rec_csv.json"
"$COLDSTART" -q ahpa recommend - "${common[@]}" -o json <"$tmp/export.json" >"$tmp/rec_stdin.json"
python3 - "$tmp/rec_live.json" "$tmp/rec_export.json" "$tmp/rec_csv.json" "$tmp/rec_stdin.json" "$DAYS" <<'PY'
import json, sys
live, export, csv_, stdin = (json.load(open(p)) for p in sys.argv[1:5])
days = int(sys.argv[5])
assert live["series"]["step_seconds"] == 1800, live["series"]
assert live["series"]["history_seconds"] == days * 86400, live["series"]
assert live["forecast"], "empty forecast"
for other, name in ((export, "export"), (csv_, "csv"), (stdin, "stdin")):
    for key in ("periods", "strategy", "period_seconds", "policy", "bounds", "forecast"):
        assert live[key] == other[key], f"{key} differs between live and {name}"
    for key in ("step_seconds", "history_seconds", "end"):
        assert live["series"][key] == other["series"][key], f"series.{key} differs between live and {name}"
print("live, export, stdin and csv give the same recommendation")
PY

# 3. Minutely over 8 days = 11,520 points per series: two requests, two series summed.
syn_end=$((T0 + DAYS * 86400 - 60))
live_syn=(--prometheus "$PROMETHEUS_URL" --query coldstart_itest_rps --range "${DAYS}d" --step 60s --end "$syn_end")
"$COLDSTART" -v ahpa backtest "${live_syn[@]}" "${common[@]}" --schedule "$tmp/syn_schedule.csv" -o json \
  >"$tmp/syn.json" 2>"$tmp/syn.err" || fail "minutely backtest failed: $(tail -n 3 "$tmp/syn.err")"
grep -q 'prometheus: 2 request(s), 2 series' "$tmp/syn.err" || fail "expected 2 chunked requests: $(grep prometheus: "$tmp/syn.err")"
grep -q 'summing 2 series' "$tmp/syn.err" || fail "the two pods were not summed"
grep -q "read $((DAYS * 1440)) points -> $((DAYS * 1440)) samples at a 60s step; 0 gaps filled" "$tmp/syn.err" ||
  fail "unexpected cleaning report: $(grep -m1 'read ' "$tmp/syn.err")"
check_synthetic() {  # SCHEDULE SCALE OFFSET: demand at each whole minute = SCALE·(i mod 1440) + OFFSET
  python3 - "$1" "$T0" "$2" "$3" <<'PY'
import csv, sys
t0, scale, offset = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
checked = 0
for r in csv.DictReader(open(sys.argv[1])):
    t = int(r["time"])
    if (t - t0) % 60 == 0:
        i = (t - t0) // 60
        assert float(r["demand"]) == scale * (i % 1440) + offset, (t, r["demand"])
        checked += 1
assert checked >= 4 * 1440, checked
PY
}
check_synthetic "$tmp/syn_schedule.csv" 3 1 || fail "summed minutely demand differs from a + b"

# 4. --by pod: the choices are listed, --series picks one.
if "$COLDSTART" ahpa recommend "${live_syn[@]}" "${common[@]}" --by pod >/dev/null 2>"$tmp/by.err"; then
  fail "--by pod without --series should fail"
fi
grep -q '2 series by pod: a, b (pick one with --series VALUE)' "$tmp/by.err" || fail "choices not listed: $(cat "$tmp/by.err")"
"$COLDSTART" -q ahpa backtest "${live_syn[@]}" "${common[@]}" --by pod --series b --schedule "$tmp/syn_b.csv" >/dev/null ||
  fail "--by pod --series b failed"
check_synthetic "$tmp/syn_b.csv" 2 1 || fail "pod b's demand differs"

# 5. Clear errors: bad PromQL (Prometheus' own message), a closed port, a query that matches nothing.
set +e
"$COLDSTART" ahpa recommend --prometheus "$PROMETHEUS_URL" --query 'sum(' --range 1d --end "$taxi_end" "${common[@]}" \
  >/dev/null 2>"$tmp/bad.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "bad PromQL: exit $rc, want 1"
grep -q 'HTTP 400' "$tmp/bad.err" && grep -q 'parse error' "$tmp/bad.err" || fail "bad PromQL message: $(cat "$tmp/bad.err")"
[[ $(wc -l <"$tmp/bad.err") -le 2 ]] || fail "bad PromQL: more than one error line: $(cat "$tmp/bad.err")"
closed_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
set +e
"$COLDSTART" ahpa recommend --prometheus "http://127.0.0.1:$closed_port" --query up "${common[@]}" >/dev/null 2>"$tmp/refused.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "closed port: exit $rc, want 1"
grep -q "cannot connect to Prometheus at http://127.0.0.1:$closed_port" "$tmp/refused.err" || fail "closed port message: $(cat "$tmp/refused.err")"
set +e
"$COLDSTART" ahpa recommend --prometheus "$PROMETHEUS_URL" --query 'no_such_metric' --range 1d --end "$taxi_end" "${common[@]}" \
  >/dev/null 2>"$tmp/empty.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "empty result: exit $rc, want 1"
grep -q "returned no series for query 'no_such_metric'" "$tmp/empty.err" || fail "empty result message: $(cat "$tmp/empty.err")"

# 6. A malformed CSV row: one error line with the file and line number, exit 1.
{ head -n 10 "$tmp/slice.csv"; echo "2014-07-01 04:30:00,lots"; tail -n +11 "$tmp/slice.csv"; } >"$tmp/bad.csv"
set +e
"$COLDSTART" ahpa recommend "$tmp/bad.csv" "${common[@]}" >/dev/null 2>"$tmp/badcsv.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "malformed CSV: exit $rc, want 1"
grep -q "bad.csv:11: value 'lots' in column 'value' is not a number" "$tmp/badcsv.err" || fail "malformed CSV message: $(cat "$tmp/badcsv.err")"

# 7. Basic auth against a Prometheus that demands it (one day backfilled): 401 points at the
#    auth flags; --username with --password-stdin reads it.
{ head -n 49 "$tmp/backfill.om"; echo "# EOF"; } >"$tmp/day.om"
eval "$(PROM_BASIC_AUTH='reader:pa55word' "$SOURCE_DIR/scripts/testenv" start "$tmp/env-auth" prometheus "$tmp/day.om")" ||
  fail "prometheus with basic auth did not start"
day_end=$((T0 + 86400 - 1800))
auth_taxi=(--prometheus "$PROMETHEUS_URL" --query nyc_taxi_passengers --range 1d --step 30m --end "$day_end")
set +e
"$COLDSTART" ahpa recommend "${auth_taxi[@]}" "${common[@]}" >/dev/null 2>"$tmp/noauth.err"
rc=$?
printf 'wrong\n' | "$COLDSTART" --username reader --password-stdin ahpa recommend "${auth_taxi[@]}" "${common[@]}" \
  >/dev/null 2>"$tmp/wrongpw.err"
rc_wrong=$?
set -e
[[ $rc == 1 && $rc_wrong == 1 ]] || fail "without/with wrong credentials: exit $rc/$rc_wrong, want 1"
grep -q 'HTTP 401.*--username' "$tmp/noauth.err" || fail "401 message: $(cat "$tmp/noauth.err")"
grep -q 'HTTP 401' "$tmp/wrongpw.err" || fail "wrong password message: $(cat "$tmp/wrongpw.err")"
printf 'pa55word\n' | "$COLDSTART" --username reader --password-stdin ahpa recommend "${auth_taxi[@]}" "${common[@]}" \
  -o json >"$tmp/auth.json" 2>"$tmp/auth.err" || fail "basic auth read failed: $(tail -n 2 "$tmp/auth.err")"
grep -q 'read 48 points -> 48 samples at a 1800s step' "$tmp/auth.err" || fail "basic auth: $(grep 'read ' "$tmp/auth.err")"
grep -q 'pa55word' "$tmp/auth.err" "$tmp/auth.json" "$tmp/noauth.err" "$tmp/wrongpw.err" && fail "the password was printed"

# 8. TLS: the global --ca-cert and --insecure HOST:PORT reach Prometheus (the one HTTP client);
#    an untrusted certificate is one clear line naming both ways out.
eval "$(PROM_TLS=1 "$SOURCE_DIR/scripts/testenv" start "$tmp/env-tls" prometheus "$tmp/day.om")" ||
  fail "prometheus with TLS did not start"
[[ "$PROMETHEUS_URL" == https://* ]] || fail "PROM_TLS gave $PROMETHEUS_URL"
tls_taxi=(--prometheus "$PROMETHEUS_URL" --query nyc_taxi_passengers --range 1d --step 30m --end "$day_end")
authority="${PROMETHEUS_URL#https://}"
set +e
"$COLDSTART" ahpa recommend "${tls_taxi[@]}" "${common[@]}" >/dev/null 2>"$tmp/tls.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "untrusted TLS: exit $rc, want 1"
grep -q "TLS certificate of Prometheus at $PROMETHEUS_URL is not trusted.*--ca-cert FILE.*--insecure $authority" "$tmp/tls.err" ||
  fail "untrusted TLS message: $(cat "$tmp/tls.err")"
"$COLDSTART" --ca-cert "$PROMETHEUS_CA" ahpa recommend "${tls_taxi[@]}" "${common[@]}" -o json >/dev/null 2>"$tmp/tls-ca.err" ||
  fail "--ca-cert did not reach Prometheus: $(tail -n 2 "$tmp/tls-ca.err")"
"$COLDSTART" --insecure "$authority" ahpa recommend "${tls_taxi[@]}" "${common[@]}" -o json >/dev/null 2>"$tmp/tls-k.err" ||
  fail "--insecure did not reach Prometheus: $(tail -n 2 "$tmp/tls-k.err")"
set +e
"$COLDSTART" --insecure "127.0.0.1:1" ahpa recommend "${tls_taxi[@]}" "${common[@]}" >/dev/null 2>"$tmp/tls-other.err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "--insecure for another host switched off TLS checks for Prometheus"

echo "ok: ahpa reads Prometheus (live, export, CSV agree; chunked; --by; clear errors; TLS flags)"
