// The single-threaded loopback-to-Unix-socket bridge.
#include "egress/bridge.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

#include "common/errno_text.h"
#include "egress/relay.h"

namespace nucleus::egress {

struct LoopbackBridge::Connections {
  std::list<Relay> relays;
  std::uint64_t connect_failures = 0;
};

namespace {

constexpr int kListenBacklog = 128;

// Opens a non-blocking connection to the egress socket. A full listen
// backlog on the proxy side fails at once (EAGAIN) instead of blocking the
// bridge's only thread.
UniqueFd connect_unix(const std::string& path, int& error) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) {
    error = ENAMETOOLONG;
    return UniqueFd();
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    error = errno;
    return fd;
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    error = errno;
    return UniqueFd();
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<LoopbackBridge>> LoopbackBridge::create(std::uint16_t port, std::string unix_socket_path,
                                                               BridgeOptions options) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener) return make_error(syscall_error("socket", "AF_INET"));
  const int on = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    return make_error(syscall_error("bind", where));
  }
  if (::listen(listener.get(), kListenBacklog) != 0) return make_error(syscall_error("listen", where));
  socklen_t length = sizeof address;
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return make_error(syscall_error("getsockname", where));
  }
  UniqueFd stop_event(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!stop_event) return make_error(syscall_error("eventfd", "0"));
  return std::unique_ptr<LoopbackBridge>(new LoopbackBridge(std::move(listener), std::move(stop_event),
                                                            ntohs(address.sin_port), std::move(unix_socket_path),
                                                            options));
}

LoopbackBridge::LoopbackBridge(UniqueFd listener, UniqueFd stop_event, std::uint16_t port,
                               std::string unix_socket_path, BridgeOptions options)
    : listener_(std::move(listener)),
      stop_event_(std::move(stop_event)),
      port_(port),
      unix_socket_path_(std::move(unix_socket_path)),
      options_(options),
      connections_(std::make_unique<Connections>()) {}

LoopbackBridge::~LoopbackBridge() = default;

void LoopbackBridge::stop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(stop_event_.get(), &one, sizeof one);
}

void LoopbackBridge::accept_connections() {
  while (connections_->relays.size() < options_.max_connections) {
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) return;  // EAGAIN once the backlog is empty; other errors retry on the next poll
    int error = 0;
    UniqueFd upstream = connect_unix(unix_socket_path_, error);
    if (!upstream) {
      // Logged for the first failure and then every 100th, so a missing
      // socket cannot flood the log.
      if (connections_->connect_failures++ % 100 == 0) {
        spdlog::warn("event=bridge_connect_failed socket={} error=\"{}\" failures={}", unix_socket_path_,
                     std::strerror(error), connections_->connect_failures);
      }
      continue;  // closing the client tells it the proxy is unreachable
    }
    connections_->relays.emplace_back(std::move(client), std::move(upstream), options_.buffer_bytes);
  }
}

Result<std::monostate> LoopbackBridge::run() {
  std::vector<pollfd> fds;
  while (true) {
    auto& relays = connections_->relays;
    fds.assign(2 + 2 * relays.size(), pollfd{-1, 0, 0});
    fds[0] = pollfd{stop_event_.get(), POLLIN, 0};
    if (relays.size() < options_.max_connections) fds[1] = pollfd{listener_.get(), POLLIN, 0};
    std::size_t index = 2;
    for (const Relay& relay : relays) {
      relay.prepare(fds[index], fds[index + 1]);
      index += 2;
    }

    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      relays.clear();
      return make_error(syscall_error("poll", "loopback bridge"));
    }
    if (fds[0].revents != 0) break;

    index = 2;
    for (auto it = relays.begin(); it != relays.end(); index += 2) {
      it->handle(fds[index], fds[index + 1]);
      it = it->finished() ? relays.erase(it) : std::next(it);
    }
    if (fds[1].revents != 0) accept_connections();
  }
  connections_->relays.clear();
  return std::monostate{};
}

}  // namespace nucleus::egress
