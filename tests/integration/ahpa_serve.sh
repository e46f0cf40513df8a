#!/usr/bin/env bash
# `coldstart ahpa serve` against a real Prometheus that both holds the history (backfilled, ending
# now) and scrapes the service: the forecast is served on /forecast (what KEDA's metrics-api
# scaler reads at valueLocation "value") and /metrics, and a PromQL query returns it. The
# fallbacks are each exercised: stale data -> the last good model's day-ahead forecast, too
# little history -> reactive (the current value), no Prometheus -> nothing served (503), and
# Prometheus going away mid-run -> the last good model. SIGTERM ends it cleanly.
source "$(dirname "$0")/lib/harness.sh"

now=$(date +%s)
end=$((now - now % 60 - 60))      # the last backfilled minute, so the series is fresh now
python3 - "$tmp/backfill.om" "$end" <<'PY'
import math, random, sys
out, end = sys.argv[1], int(sys.argv[2])
random.seed(7)
def demand(t):  # 50 requests/s, 350 from 08:00 to 20:00 UTC with 10-minute ramps
    h = (t % 86400) / 3600
    return 50 + 300 / (1 + math.exp(-(h - 8) * 30)) / (1 + math.exp((h - 20) * 30))
with open(out, "w") as f:
    for name, last, minutes in (("itest_fresh", end, 4 * 1440), ("itest_old", end - 1800, 4 * 1440),
                                ("itest_short", end, 120)):
        f.write(f"# TYPE {name} gauge\n")
        for i in range(minutes):
            t = last - (minutes - 1 - i) * 60
            f.write(f'{name}{{job="app"}} {demand(t) + random.uniform(-8, 8):.3f} {t}\n')
    f.write("# EOF\n")
PY
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
p_fresh=$(port); p_old=$(port); p_short=$(port); p_none=$(port); closed=$(port)
eval "$(PROM_SCRAPE="127.0.0.1:$p_fresh" "$SOURCE_DIR/scripts/testenv" start "$tmp/env" prometheus "$tmp/backfill.om")" ||
  fail "prometheus did not start"

mkdir -p "$tmp/serve"
common=(--range 4d --step 60s --capacity-per-pod 20 --ready-time 180s --interval 1s)
serve() {  # NAME PORT PROMETHEUS QUERY: start one service; its pid in $tmp/serve (the harness ends it)
  "$COLDSTART" ahpa serve --prometheus "$3" --query "$4" "${common[@]}" --listen "127.0.0.1:$2" \
    >"$tmp/serve/$1.out" 2>"$tmp/serve/$1.err" &
  echo $! >"$tmp/serve/$1.pid"
}
serve fresh "$p_fresh" "$PROMETHEUS_URL" itest_fresh
serve old "$p_old" "$PROMETHEUS_URL" itest_old
serve short "$p_short" "$PROMETHEUS_URL" itest_short
serve none "$p_none" "http://127.0.0.1:$closed" itest_fresh

# wait_forecast PORT MODE: until /forecast says MODE (60 s: four refits share the CPU, slower under ASan).
wait_forecast() {
  for _ in $(seq 300); do
    curl -s --max-time 2 "http://127.0.0.1:$1/forecast" >"$tmp/f.json" 2>/dev/null || true
    if python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])).get("mode") != sys.argv[2])' "$tmp/f.json" "$2" 2>/dev/null; then
      cp "$tmp/f.json" "$tmp/forecast-$1.json"
      return 0
    fi
    sleep 0.2
  done
  fail "port $1: /forecast never said mode $2: $(cat "$tmp/f.json" 2>/dev/null)"
}

# 1. Forecast: KEDA's metrics-api reads valueLocation "value" (a GJSON path: the top-level key).
#    The upper forecast at now + ready time tracks the true curve; value covers it and the current
#    sample; replicas = ceil(value / capacity).
wait_forecast "$p_fresh" forecast
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p_fresh/forecast")
[[ $code == 200 ]] || fail "/forecast answered $code in forecast mode"
python3 - "$tmp/forecast-$p_fresh.json" <<'PY' || fail "forecast values are off"
import json, math, sys, time
d = json.load(open(sys.argv[1]))
value = d["value"]                      # valueLocation: value
assert isinstance(value, (int, float)), d
def demand(t):
    h = (t % 86400) / 3600
    return 50 + 300 / (1 + math.exp(-(h - 8) * 30)) / (1 + math.exp((h - 20) * 30))
med, up = d["forecast"]["median"], d["forecast"]["upper"]
# The true demand around now + ready time (a ramp may fall inside the step).
near = [demand(time.time() + 180 + dt) for dt in range(-120, 121, 10)]
truth = sum(near) / len(near)
assert 0.85 * min(near) - 10 <= med <= 1.15 * max(near) + 10, (med, min(near), max(near))
assert up >= med, (up, med)
assert value >= d["current"]["value"] and value >= med, d
assert d["replicas"] == math.ceil(value / 20 - 1e-9), d
assert d["period_seconds"] == 86400, d
print(f"forecast: median {med:.1f} vs true {truth:.1f}, value {value:.1f}, {d['replicas']} replicas")
PY
curl -sf "http://127.0.0.1:$p_fresh/metrics" >"$tmp/metrics.txt" || fail "/metrics failed"
for line in 'coldstart_ahpa_mode{mode="forecast"} 1' 'coldstart_ahpa_period_seconds 86400' \
  'coldstart_ahpa_ready_time_seconds 180' 'coldstart_ahpa_predicted_demand{quantile="0.95"}' \
  'coldstart_ahpa_recommended_replicas ' 'coldstart_ahpa_last_refit_timestamp_seconds '; do
  grep -qF "$line" "$tmp/metrics.txt" || fail "/metrics lacks '$line'"
done
[[ "$(curl -s "http://127.0.0.1:$p_fresh/healthz")" == "ok forecast" ]] || fail "/healthz"

# 2. Prometheus scrapes the service: a PromQL query returns the forecast.
for _ in $(seq 100); do
  curl -sfG "$PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=coldstart_ahpa_predicted_demand{job="coldstart",quantile="0.95"}' \
    >"$tmp/q.json" || true
  python3 -c 'import json,sys; sys.exit(not json.load(open(sys.argv[1]))["data"]["result"])' "$tmp/q.json" 2>/dev/null && break
  sleep 0.2
done
python3 - "$tmp/q.json" "$tmp/forecast-$p_fresh.json" <<'PY' || fail "PromQL did not return the forecast: $(cat "$tmp/q.json")"
import json, sys
q, f = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
got = float(q["data"]["result"][0]["value"][1])
assert abs(got - f["forecast"]["upper"]) <= 0.05 * f["forecast"]["upper"], (got, f["forecast"]["upper"])
print(f"PromQL: coldstart_ahpa_predicted_demand p95 = {got:.1f}")
PY

# 2b. `recommend --format keda-serve` on the same history: the ScaledObject's metrics-api trigger
#     reads /forecast at valueLocation "value"; the three documents validate; the Deployment's own
#     command serves the same forecast as the service above (it is the same controller).
"$COLDSTART" -q ahpa recommend --prometheus "$PROMETHEUS_URL" --query itest_fresh --range 4d --step 60s \
  --capacity-per-pod 20 --ready-time 180s --target Deployment/api --namespace shop --format keda-serve \
  --manifest-out "$tmp/keda-serve.yaml" -o json >"$tmp/keda-serve.json" || fail "recommend --format keda-serve failed"
"$SOURCE_DIR/tests/tools/k8s-validate" "$tmp/keda-serve.yaml" >/dev/null || fail "keda-serve manifests rejected"
p_ks=$(port)
python3 - "$tmp/keda-serve.yaml" "$p_ks" >"$tmp/ks-args" <<'PY' || fail "keda-serve manifests are not what KEDA needs"
import sys, yaml
so, dep, svc = yaml.safe_load_all(open(sys.argv[1]))
assert [so["kind"], dep["kind"], svc["kind"]] == ["ScaledObject", "Deployment", "Service"]
trig = so["spec"]["triggers"][0]
assert trig["type"] == "metrics-api" and trig["metricType"] == "AverageValue", trig
md = trig["metadata"]
assert md["url"] == f"http://api-ahpa-serve.shop.svc:{svc['spec']['ports'][0]['port']}/forecast", md
assert md["valueLocation"] == "value" and md["format"] == "json" and md["targetValue"] == "20", md
assert so["spec"]["fallback"]["replicas"] >= 1
c = dep["spec"]["template"]["spec"]["containers"][0]
assert c["image"].startswith("ghcr.io/coldstart/coldstart:"), c["image"]
assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
cmd = c["command"]
assert cmd[:3] == ["coldstart", "ahpa", "serve"], cmd
cmd[cmd.index("--listen") + 1] = f"127.0.0.1:{sys.argv[2]}"
print("\n".join(cmd[1:] + ["--interval", "1s"]))
PY
mapfile -t ks_args <"$tmp/ks-args"
"$COLDSTART" "${ks_args[@]}" >"$tmp/serve/ks.out" 2>"$tmp/serve/ks.err" &
echo $! >"$tmp/serve/ks.pid"
wait_forecast "$p_ks" forecast
curl -s "http://127.0.0.1:$p_fresh/forecast" >"$tmp/fresh-now.json"
python3 - "$tmp/forecast-$p_ks.json" "$tmp/fresh-now.json" <<'PY' || fail "the keda-serve Deployment serves another forecast"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["period_seconds"] == b["period_seconds"] and a["capacity_per_pod"] == b["capacity_per_pod"], (a, b)
assert abs(a["forecast"]["median"] - b["forecast"]["median"]) <= 0.05 * b["forecast"]["median"] + 1, (a, b)
PY
kill -TERM "$(cat "$tmp/serve/ks.pid")"; wait "$(cat "$tmp/serve/ks.pid")" || fail "keda-serve Deployment command did not stop cleanly"
rm -f "$tmp/serve/ks.pid"

# 3. Stale data (the series ended 30 min ago): the last good model's day-ahead forecast, said in
#    the JSON, the mode metric and the log.
wait_forecast "$p_old" last_good_model
grep -q 'no sample since' "$tmp/forecast-$p_old.json" || fail "stale reason: $(cat "$tmp/forecast-$p_old.json")"
curl -s "http://127.0.0.1:$p_old/metrics" | grep -qF 'coldstart_ahpa_mode{mode="last_good_model"} 1' || fail "stale: mode metric"
grep -q 'warning: ahpa serve: mode last_good_model: no sample since' "$tmp/serve/old.err" || fail "stale: not in the log"

# 4. Two hours of history: no forecast model, so reactive: the current sample over the model's
#    reactive target (80 % headroom), which KEDA at the full capacity per pod turns into that HPA.
wait_forecast "$p_short" reactive
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert abs(d["value"] * 0.8 - d["current"]["value"]) < 1e-6, d; assert "forecast" not in d, d; assert "over the 80% reactive target" in d["reason"], d' \
  "$tmp/forecast-$p_short.json" || fail "reactive value is not the current value with the 80 % headroom"
grep -q 'warning: ahpa serve: mode reactive' "$tmp/serve/short.err" || fail "reactive: not in the log"

# 5. No Prometheus at all: nothing to justify a number, so /forecast answers 503 (KEDA then uses
#    the ScaledObject's fallback) and no demand metric is exported.
wait_forecast "$p_none" unavailable
code=$(curl -s -o "$tmp/none.json" -w '%{http_code}' "http://127.0.0.1:$p_none/forecast")
[[ $code == 503 ]] || fail "unavailable: /forecast answered $code"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["value"] is None' "$tmp/none.json" || fail "unavailable served a value"
curl -s "http://127.0.0.1:$p_none/metrics" >"$tmp/none.txt"
grep -q 'coldstart_ahpa_desired_demand\|coldstart_ahpa_predicted_demand' "$tmp/none.txt" && fail "unavailable exported a demand"
grep -qF 'coldstart_ahpa_mode{mode="unavailable"} 1' "$tmp/none.txt" || fail "unavailable: mode metric"
grep -q "cannot connect to Prometheus at http://127.0.0.1:$closed" "$tmp/serve/none.err" || fail "unavailable: log: $(cat "$tmp/serve/none.err")"

# 6. Prometheus goes away mid-run: the fresh service keeps the last good model and says why.
"$SOURCE_DIR/scripts/testenv" stop "$tmp/env" >/dev/null
wait_forecast "$p_fresh" last_good_model
grep -q 'Prometheus failed' "$tmp/forecast-$p_fresh.json" || fail "unreachable reason: $(cat "$tmp/forecast-$p_fresh.json")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["value"] > 0' "$tmp/forecast-$p_fresh.json" || fail "no value from the last good model"

# 7. SIGTERM: every service exits 0 promptly and says so.
for name in fresh old short none; do
  pid=$(cat "$tmp/serve/$name.pid")
  kill -TERM "$pid"
  for _ in $(seq 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "$name did not stop within 8 s of SIGTERM"
  rc=0; wait "$pid" || rc=$?
  [[ $rc == 0 ]] || fail "$name exited $rc after SIGTERM: $(tail -n 2 "$tmp/serve/$name.err")"
  grep -q 'SIGTERM received, shutting down' "$tmp/serve/$name.err" || fail "$name: no shutdown line"
  rm -f "$tmp/serve/$name.pid"
done
curl -s --max-time 1 "http://127.0.0.1:$p_fresh/healthz" >/dev/null && fail "still answering after SIGTERM"

# 8. Bad input: a file instead of --prometheus is a usage error; a taken port is one clear line.
set +e
"$COLDSTART" ahpa serve "$tmp/backfill.om" "${common[@]}" >/dev/null 2>"$tmp/file.err"; rc_file=$?
taken=$(port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").close(); time.sleep(10)' "$taken" "$tmp/bound" &
holder=$!
for _ in $(seq 50); do [[ -e "$tmp/bound" ]] && break; sleep 0.1; done
timeout 10 "$COLDSTART" ahpa serve --prometheus "http://127.0.0.1:$closed" --query up "${common[@]}" --listen "127.0.0.1:$taken" \
  >/dev/null 2>"$tmp/port.err"; rc_port=$?
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
set -e
[[ $rc_file == 2 ]] || fail "serve FILE: exit $rc_file, want 2"
grep -q 'ahpa serve reads a live Prometheus' "$tmp/file.err" || fail "serve FILE: $(cat "$tmp/file.err")"
[[ $rc_port == 1 ]] || fail "taken port: exit $rc_port, want 1"
grep -q "cannot listen on 127.0.0.1:$taken" "$tmp/port.err" || fail "taken port: $(cat "$tmp/port.err")"

echo "ok: ahpa serve forecasts from Prometheus, is scraped back, falls back in order, stops on SIGTERM"
