# Prometheus over backfilled history, for reading metrics through coldstart (ahpa --prometheus).
#
#   eval "$(scripts/testenv start DIR prometheus [FILE.om])"   -> PROMETHEUS_URL
#
# MODE (or $PROM_BACKFILL when MODE is empty) names an OpenMetrics file to backfill first:
#   metric{job="x"} VALUE UNIXTS   lines (timestamps in seconds), `# EOF` as the last line.
# It becomes TSDB blocks with `promtool tsdb create-blocks-from openmetrics`; Prometheus then
# serves them with a 20-year retention (the default 15 d would drop old samples at once).
# Without a file Prometheus starts empty. No scrape targets: the data is exactly the file,
# unless PROM_SCRAPE=HOST:PORT[,HOST:PORT...] adds them (job "coldstart", scraped every second,
# e.g. `coldstart ahpa serve`'s /metrics).
# promtool cuts 2-hour blocks, about 0.1 s each: keep backfills to days, not months.
# PROM_BASIC_AUTH=USER:PASSWORD turns on HTTP basic auth (a bcrypt web config, via htpasswd).
# PROM_TLS=1 serves HTTPS with a self-signed certificate for 127.0.0.1 -> PROMETHEUS_CA (PEM).

start_prometheus() {
  local dir="$1" backfill="${2:-${PROM_BACKFILL:-}}"
  local tsdb="$dir/prometheus-tsdb" config="$dir/prometheus.yml" port
  command -v prometheus >/dev/null || { echo "testenv: prometheus is not installed (apt-get install prometheus)" >&2; return 1; }
  rm -rf "$tsdb" "$dir/prometheus-web.yml"
  mkdir -p "$tsdb"
  if [[ -n "$backfill" ]]; then
    [[ -f "$backfill" ]] || { echo "testenv: OpenMetrics file '$backfill' not found" >&2; return 1; }
    [[ "$(tail -n 1 "$backfill")" == "# EOF" ]] || { echo "testenv: $backfill must end with a '# EOF' line" >&2; return 1; }
    if ! promtool tsdb create-blocks-from openmetrics -q "$backfill" "$tsdb" >"$dir/promtool.log" 2>&1; then
      echo "testenv: promtool could not backfill $backfill:" >&2
      tail -n 5 "$dir/promtool.log" >&2
      return 1
    fi
  fi
  cat >"$config" <<'YAML'
global:
  scrape_interval: 1m
  evaluation_interval: 1m
YAML
  if [[ -n "${PROM_SCRAPE:-}" ]]; then
    local targets
    targets="$(printf '"%s", ' ${PROM_SCRAPE//,/ })"
    printf 'scrape_configs:\n  - job_name: coldstart\n    scrape_interval: 1s\n    scrape_timeout: 1s\n    static_configs:\n      - targets: [%s]\n' \
      "${targets%, }" >>"$config"
  else
    echo "scrape_configs: []" >>"$config"
  fi
  local web_args=() auth_args=()
  if [[ -n "${PROM_BASIC_AUTH:-}" ]]; then
    local user="${PROM_BASIC_AUTH%%:*}" password="${PROM_BASIC_AUTH#*:}" hash
    command -v htpasswd >/dev/null || { echo "testenv: PROM_BASIC_AUTH needs htpasswd (apache2-utils)" >&2; return 1; }
    hash="$(htpasswd -nbBC 4 "$user" "$password" | cut -d: -f2-)"
    printf 'basic_auth_users:\n  %s: %s\n' "$user" "$hash" >>"$dir/prometheus-web.yml"
    web_args=(--web.config.file="$dir/prometheus-web.yml")
    auth_args=(-u "$user:$password")
  fi
  local scheme="http"
  if [[ "${PROM_TLS:-0}" == 1 ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -keyout "$dir/prometheus-tls.key" \
      -out "$dir/prometheus-tls.crt" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
      { echo "testenv: openssl could not make the prometheus certificate" >&2; return 1; }
    printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' "$dir/prometheus-tls.crt" "$dir/prometheus-tls.key" \
      >>"$dir/prometheus-web.yml"
    web_args=(--web.config.file="$dir/prometheus-web.yml")
    auth_args+=(-k)
    scheme="https"
    echo "export PROMETHEUS_CA=$dir/prometheus-tls.crt"
  fi
  port="$(free_port)"
  spawn "$dir" prometheus prometheus \
    --storage.tsdb.path="$tsdb" \
    --storage.tsdb.retention.time=20y \
    --web.listen-address="127.0.0.1:$port" \
    --config.file="$config" "${web_args[@]}"
  # /-/ready answers 503 while the TSDB loads; wait for 200, and give up early if it died.
  local deadline=$((SECONDS + 60)) pid
  pid="$(cat "$dir/prometheus.pid")"
  until curl -sf -o /dev/null --max-time 2 "${auth_args[@]}" "$scheme://127.0.0.1:$port/-/ready"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "testenv: prometheus exited during start:" >&2
      tail -n 5 "$dir/prometheus.log" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "testenv: prometheus on 127.0.0.1:$port not ready within 60s (log: $dir/prometheus.log)" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "export PROMETHEUS_URL=$scheme://127.0.0.1:$port"
}
