// A small HTTP server for long-running commands (`coldstart ahpa serve`): GET routes answered from
// a background thread pool. cpp-httplib (Debian libcpp-httplib-dev) does the HTTP; this wrapper
// keeps it out of every other header and makes start/stop safe to call from a signal thread.
#pragma once
#include <functional>
#include <memory>
#include <string>

namespace coldstart::http {

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using GetHandler = std::function<ServerResponse()>;

class Server {
 public:
  Server();
  ~Server();  // stops and joins
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Answers GET (and HEAD) of exactly `path`. Register every route before start().
  // A handler that throws answers 500 with the message.
  void get(const std::string& path, GetHandler handler);

  // Binds HOST:PORT (PORT 0 = a free port) and serves in a background thread. Returns the bound
  // port. Throws Error naming the address when it cannot bind.
  int start(const std::string& host, int port);

  // Stops accepting, finishes the requests in flight, joins. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coldstart::http
