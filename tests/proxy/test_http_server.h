// TestHttpServer: an HTTP/1.1 server on 127.0.0.1 (port chosen by the
// kernel) that runs in a thread of the test process, responds to each path
// with a scripted response and records every request. It handles one connection
// at a time and closes each after one response. For tests only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/unique_fd.h"

namespace nucleus::proxy::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // as sent: "/a?b=c", or "http://host:port/a" to a proxy
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;

  // Returns the value of the first header named `name` (lowercase).
  std::optional<std::string> header(std::string_view name) const;
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Length and Connection are added
  std::string body;
  // Wait this long before responding, or less when the server stops.
  std::chrono::milliseconds delay{0};
};

class TestHttpServer {
 public:
  // Binds and starts serving. Throws std::runtime_error on failure.
  TestHttpServer();
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path) const;

  // Responds to requests for `path` (the target without its query) with
  // `response`. Unscripted paths get 404.
  void respond(const std::string& path, ScriptedResponse response);

  // Turns the server into a forward proxy: a request in absolute form
  // ("GET http://127.0.0.1:PORT/x") is sent on to that loopback origin and
  // its response relayed back. Other hosts get 502.
  void act_as_forward_proxy();

  std::vector<RecordedRequest> requests() const;

 private:
  void serve();
  void handle(int client);
  std::string build_response(const RecordedRequest& request);
  bool wait_or_stop(std::chrono::milliseconds delay);

  UniqueFd listener_;
  UniqueFd stop_event_;  // eventfd; readable once the destructor runs
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, ScriptedResponse> responses_;
  std::vector<RecordedRequest> requests_;
  bool forward_proxy_ = false;
  std::thread thread_;
};

// Returns a loopback port that nothing listens on (bound, then closed).
std::uint16_t unused_loopback_port();

}  // namespace nucleus::proxy::testing
