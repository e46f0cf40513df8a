#include "coldstart/core/http_server.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "coldstart/core/error.hpp"

namespace coldstart::http {

struct Server::Impl {
  httplib::Server server;
  std::thread thread;
};

Server::Server() : impl_(std::make_unique<Impl>()) {
  // Keep-alive connections would hold a worker for 5 s each after a scrape; a scraper that
  // reconnects costs less than a shutdown that waits for idle sockets.
  impl_->server.set_keep_alive_max_count(1);
  impl_->server.set_read_timeout(5);
  impl_->server.set_write_timeout(5);
  // httplib's default also sets SO_REUSEPORT, which lets a second server share a port in use
  // without an error: take SO_REUSEADDR only, so a taken port fails to bind.
  impl_->server.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

Server::~Server() { stop(); }

void Server::get(const std::string& path, GetHandler handler) {
  // httplib routes are regexes: escape the path so "/metrics" matches only itself.
  std::string pattern;
  for (char c : path) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) pattern += '\\';
    pattern += c;
  }
  impl_->server.Get(pattern, [handler](const httplib::Request&, httplib::Response& res) {
    ServerResponse out;
    try {
      out = handler();
    } catch (const std::exception& e) {
      out = {500, "text/plain; charset=utf-8", std::string(e.what()) + "\n"};
    }
    res.status = out.status;
    res.set_content(out.body, out.content_type.c_str());
  });
}

int Server::start(const std::string& host, int port) {
  int bound = port;
  if (port == 0) bound = impl_->server.bind_to_any_port(host);
  else if (!impl_->server.bind_to_port(host, port)) bound = -1;
  if (bound <= 0)
    throw Error(fmt::format("cannot listen on {}:{}", host, port), "is the port in use? pick another with --listen");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // stop() before the accept loop runs would be lost: wait until it is running.
  for (int i = 0; i < 500 && !impl_->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return bound;
}

void Server::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace coldstart::http
