// Server: accepts connections on a Listener and answers each request line
// with one response line, one thread per connection.
//
// Thread safety: run() on one thread; stop() from any thread. The handler is
// called concurrently from connection threads and must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "proxy/protocol.h"
#include "proxy/transport.h"

namespace nucleus::proxy {

struct ServerLimits {
  std::size_t max_connections = 256;
  std::size_t max_request_bytes = kMaxRequestBytes;
  // How long a connection may stay silent between requests.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
};

class Server {
 public:
  using Handler = std::function<nlohmann::json(const Request&)>;
  // Called for lines that are not valid requests, for the audit log.
  using RejectHandler = std::function<void(const std::string& reason)>;

  Server(Listener listener, Handler handler, RejectHandler on_reject, ServerLimits limits = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serve until stop(). Joins every connection thread before returning.
  void run();
  void stop();

 private:
  void serve(Connection connection);
  void reap_finished();

  Listener listener_;
  Handler handler_;
  RejectHandler on_reject_;
  ServerLimits limits_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> active_{0};

  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex workers_lock_;
  std::list<Worker> workers_;
};

}  // namespace nucleus::proxy
