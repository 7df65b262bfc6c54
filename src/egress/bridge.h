// LoopbackBridge: the sandbox side of egress. It listens on 127.0.0.1 and
// relays every accepted TCP connection to the pod's egress Unix socket, so
// programs in a network namespace with only loopback can use
// HTTP_PROXY=http://127.0.0.1:PORT.
//
// It runs inside the sandbox's init process, so it stays small: one thread
// (the caller's, inside run()) polls the listener and every connection,
// all sockets are non-blocking, each direction buffers at most
// buffer_bytes, and half-close is passed through. It needs nothing from
// the host but the Unix socket path.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nucleus::egress {

struct BridgeOptions {
  // At this many open connections the bridge stops accepting, and new
  // clients wait in the listen backlog until one closes.
  std::size_t max_connections = 256;
  std::size_t buffer_bytes = 16 * 1024;
};

class LoopbackBridge {
 public:
  // Binds 127.0.0.1:`port` (0 lets the kernel choose) and listens. Errors
  // name the failed call. Connections are relayed only while run() runs.
  static Result<std::unique_ptr<LoopbackBridge>> create(std::uint16_t port, std::string unix_socket_path,
                                                        BridgeOptions options = {});
  LoopbackBridge(const LoopbackBridge&) = delete;
  LoopbackBridge& operator=(const LoopbackBridge&) = delete;
  ~LoopbackBridge();

  // The bound port.
  std::uint16_t port() const { return port_; }

  // Accepts and relays until stop() is called, then closes every
  // connection and returns. Returns an error if poll() fails.
  Result<std::monostate> run();

  // Makes run() return. Safe to call from any thread or a signal handler,
  // before or during run().
  void stop();

 private:
  LoopbackBridge(UniqueFd listener, UniqueFd stop_event, std::uint16_t port, std::string unix_socket_path,
                 BridgeOptions options);
  void accept_connections();

  struct Connections;
  UniqueFd listener_;
  UniqueFd stop_event_;
  std::uint16_t port_;
  std::string unix_socket_path_;
  BridgeOptions options_;
  std::unique_ptr<Connections> connections_;
};

}  // namespace nucleus::egress
