// Non-blocking TCP connect with a deadline.
#include "egress/connect.h"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "egress/head_reader.h"

namespace nucleus::egress {

Result<UniqueFd> connect_tcp(const IpAddress& address, std::uint16_t port, int stop_fd,
                             std::chrono::steady_clock::time_point deadline) {
  const std::string target = address.text() + " port " + std::to_string(port);
  const int family = address.family == AddressFamily::ipv4 ? AF_INET : AF_INET6;
  UniqueFd socket_fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket_fd) return make_error("socket() for " + target + " failed: " + std::strerror(errno));

  socklen_t length = 0;
  const sockaddr_storage storage = address.to_sockaddr(port, length);
  if (::connect(socket_fd.get(), reinterpret_cast<const sockaddr*>(&storage), length) == 0) return socket_fd;
  if (errno != EINPROGRESS) return make_error("connecting to " + target + " failed: " + std::strerror(errno));

  while (true) {
    std::array<pollfd, 2> fds{pollfd{socket_fd.get(), POLLOUT, 0}, pollfd{stop_fd, POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return make_error("poll() while connecting to " + target + " failed: " + std::strerror(errno));
    if (fds[1].revents != 0) return make_error("connecting to " + target + " was cancelled: the pod is being removed");
    if (ready == 0 && std::chrono::steady_clock::now() >= deadline) {
      return make_error("connecting to " + target + " timed out");
    }
    if (fds[0].revents != 0) break;
  }
  int error = 0;
  socklen_t error_length = sizeof error;
  if (::getsockopt(socket_fd.get(), SOL_SOCKET, SO_ERROR, &error, &error_length) != 0) error = errno;
  if (error != 0) return make_error("connecting to " + target + " failed: " + std::strerror(error));
  return socket_fd;
}

}  // namespace nucleus::egress
