// Test servers on 127.0.0.1 with kernel-chosen ports, each serving one
// connection at a time in its own thread: an HTTP/1.1 origin server and a
// TCP echo server. For the egress integration tests only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace nucleus::egress::testing {

struct OriginRequest {
  std::string head;  // request line and headers as received
  std::string body;  // decoded from Content-Length or chunked framing
};

class LoopbackServer {
 public:
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  virtual ~LoopbackServer();
  std::uint16_t port() const { return port_; }

 protected:
  LoopbackServer();
  // Starts the accept thread; derived constructors call it last.
  void start();
  // Stops and joins the accept thread; derived destructors call it first.
  void stop();
  virtual void serve(int client) = 0;

 private:
  void accept_loop();
  UniqueFd listener_;
  UniqueFd stop_event_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// Responds to GET of a file below `document_root` with its contents, to
// "/hello" with "hello from origin", and to any request with a body with
// "received N bytes". Other paths get 404. Closes after each response.
class OriginServer : public LoopbackServer {
 public:
  explicit OriginServer(std::filesystem::path document_root = {});
  ~OriginServer() override;
  std::vector<OriginRequest> requests() const;

 private:
  void serve(int client) override;
  std::filesystem::path document_root_;
  mutable std::mutex mutex_;
  std::vector<OriginRequest> requests_;
};

// Sends back every byte it receives. After the client's end of file it
// shuts down its side, so half-close is observable.
class EchoServer : public LoopbackServer {
 public:
  EchoServer();
  ~EchoServer() override;

 private:
  void serve(int client) override;
};

// A loopback port that nothing listens on (bound, then closed).
std::uint16_t unused_loopback_port();

// Connects to 127.0.0.1:port with 10 s send and receive timeouts.
UniqueFd connect_loopback(std::uint16_t port);
// Connects to a Unix socket; an invalid fd when that fails.
UniqueFd connect_unix_socket(const std::string& path);
void send_all(int fd, std::string_view data);
// Reads until end of file, error or timeout.
std::string read_all(int fd);
// Reads until `marker` has arrived (inclusive) or end of file.
std::string read_until(int fd, std::string_view marker);

}  // namespace nucleus::egress::testing
