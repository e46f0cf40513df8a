// coldstart ahpa serve: the forecast controller as a service. Reads live Prometheus, refits on
// a schedule, re-evaluates every controller tick, and serves /metrics (Prometheus text),
// /forecast (the JSON KEDA's metrics-api scaler reads) and /healthz until SIGTERM or SIGINT.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>

#include "ahpa_shared.hpp"
#include "cli.hpp"
#include "coldstart/core/error.hpp"
#include "coldstart/core/http_server.hpp"
#include "coldstart/core/log.hpp"
#include "coldstart/core/units.hpp"
#include "coldstart/predict/forecast_service.hpp"

namespace coldstart::cli {
namespace {

struct ServeFlags {
  std::string listen = "0.0.0.0:8080";
  std::string refit = "1h", stale_after, max_model_age = "7d", interval;
};

std::pair<std::string, int> parse_listen(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw UsageError(fmt::format("--listen '{}' is not HOST:PORT", text), "use e.g. --listen 0.0.0.0:8080");
  try {
    std::size_t used = 0;
    int port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port < 0 || port > 65535) throw std::invalid_argument("port");
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host.empty() ? "0.0.0.0" : host, port};
  } catch (const std::exception&) {
    throw UsageError(fmt::format("--listen '{}' has no valid port", text), "use e.g. --listen 0.0.0.0:8080");
  }
}

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

int run_serve(const ServeFlags& f, const AhpaSharedFlags& shared) {
  predict::ServeOptions options;
  options.input = shared.input();
  options.recommend = shared.options(options.input);
  if (options.input.prometheus_url.empty())
    throw UsageError("ahpa serve reads a live Prometheus, not a file", "pass --prometheus URL --query PROMQL");
  options.refit_seconds = parse_duration(f.refit, "--refit");
  if (!f.stale_after.empty()) options.stale_seconds = parse_duration(f.stale_after, "--stale-after");
  options.max_model_age_seconds = parse_duration(f.max_model_age, "--max-model-age");
  const auto [host, port] = parse_listen(f.listen);
  const std::int64_t interval = f.interval.empty() ? 0 : std::max<std::int64_t>(1, std::llround(parse_duration(f.interval, "--interval")));

  // SIGTERM/SIGINT go to one thread that waits for them; every other thread (the HTTP pool
  // included) inherits the blocked mask, so no handler runs in the middle of a request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  predict::ForecastService service(options);
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  std::shared_ptr<const predict::ServeState> published;
  auto snapshot = [&] {
    std::lock_guard lock(mu);
    return published;
  };

  http::Server server;
  server.get("/metrics", [&] {
    auto s = snapshot();
    if (!s) return http::ServerResponse{503, "text/plain; charset=utf-8", "starting: no evaluation yet\n"};
    return http::ServerResponse{200, "text/plain; version=0.0.4; charset=utf-8", predict::service_metrics_text(*s)};
  });
  server.get("/forecast", [&] {
    auto s = snapshot();
    if (!s) return http::ServerResponse{503, "application/json", "{\"value\":null,\"mode\":\"starting\"}\n"};
    return http::ServerResponse{s->has_value ? 200 : 503, "application/json", predict::service_forecast_json(*s)};
  });
  server.get("/healthz", [&] {
    auto s = snapshot();
    return http::ServerResponse{200, "text/plain; charset=utf-8",
                                fmt::format("ok {}\n", s ? predict::mode_name(s->mode) : std::string_view("starting"))};
  });
  const int bound = server.start(host, port);
  log::info("ahpa serve: listening on {}:{} (/metrics, /forecast, /healthz); query '{}', refit every {}", host, bound,
            options.input.query, format_duration(options.refit_seconds));

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    wake.notify_all();
    log::info("ahpa serve: {} received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();  // stop answering now, even while a tick is still reading Prometheus
  });

  std::string last_mode;
  try {
    for (;;) {
      const auto& state = service.tick(unix_now());
      auto copy = std::make_shared<const predict::ServeState>(state);
      const std::string mode(predict::mode_name(state.mode));
      if (mode != last_mode) {
        if (state.mode == predict::ServeMode::forecast) log::info("ahpa serve: mode {}: {}", mode, state.reason);
        else log::warn("ahpa serve: mode {}: {}", mode, state.reason);
        last_mode = mode;
      }
      // The controller's tick (as the backtest replays it): 15 s when the step allows it.
      const std::int64_t step = service.step_seconds();
      const std::int64_t tick = interval > 0 ? interval : step % 15 == 0 ? 15 : step;
      std::unique_lock lock(mu);
      published = std::move(copy);
      const auto next = std::chrono::system_clock::from_time_t((unix_now() / tick + 1) * tick);
      if (wake.wait_until(lock, next, [&] { return stopping; })) break;
    }
  } catch (...) {
    kill(getpid(), SIGTERM);  // ends the signal thread, which is pending on it
    waiter.join();
    throw;
  }
  waiter.join();
  log::info("ahpa serve: stopped");
  return 0;
}

}  // namespace

void register_ahpa_serve(CLI::App& ahpa, GlobalOptions& global, const AhpaSharedFlags& shared) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = ahpa.add_subcommand("serve", "Serve the live forecast: /metrics for Prometheus, /forecast for KEDA's metrics-api scaler");
  shared.add_input_flags(cmd);
  shared.add_policy_flags(cmd);
  cmd->add_option("--listen", flags->listen, "Address to serve on, HOST:PORT (default 0.0.0.0:8080)");
  cmd->add_option("--refit", flags->refit, "Refit the model this often (default 1h)");
  cmd->add_option("--stale-after", flags->stale_after, "No new sample for this long = stale (default 3 steps, at least 5m)");
  cmd->add_option("--max-model-age", flags->max_model_age, "Drop a last good model older than this (default 7d)");
  cmd->add_option("--interval", flags->interval, "Re-evaluate this often (default 15s, or the step when it is not a multiple of 15 s)");
  cmd->footer("Example:\n  coldstart ahpa serve --prometheus http://prometheus:9090 --query 'sum(rate(http_requests_total[1m]))' "
              "--capacity-per-pod 50 --ready-time 180s --target Deployment/api\n"
              "KEDA metrics-api trigger: url http://SERVICE:8080/forecast, valueLocation 'value', targetValue = capacity per pod.");
  set_action(cmd, [flags, shared] { return run_serve(*flags, shared); });
}

}  // namespace coldstart::cli
