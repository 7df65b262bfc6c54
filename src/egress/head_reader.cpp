// Deadline- and size-bounded reading of a request head.
#include "egress/head_reader.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string_view>

namespace nucleus::egress {

int poll_timeout_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, 60'000));
}

HeadRead read_request_head(int fd, int stop_fd, std::size_t max_bytes,
                           std::chrono::steady_clock::time_point deadline) {
  HeadRead result;
  std::string received;
  std::array<char, 4096> chunk{};
  while (true) {
    const std::size_t end = received.find("\r\n\r\n");
    if (end != std::string::npos && end + 4 <= max_bytes) {
      result.status = HeadReadStatus::complete;
      result.head = received.substr(0, end + 4);
      result.rest = received.substr(end + 4);
      return result;
    }
    if (received.size() >= max_bytes) {
      result.status = HeadReadStatus::too_large;
      return result;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      result.status = HeadReadStatus::timed_out;
      return result;
    }
    std::array<pollfd, 2> fds{pollfd{fd, POLLIN, 0}, pollfd{stop_fd, POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(deadline));
    if (ready < 0 && errno != EINTR) return result;
    if (fds[1].revents != 0) {
      result.status = HeadReadStatus::stopped;
      return result;
    }
    if (fds[0].revents == 0) continue;

    // Reading at most up to the cap keeps a body from inflating `received`.
    const std::size_t want = std::min(chunk.size(), max_bytes + 4 - received.size());
    const ssize_t got = ::recv(fd, chunk.data(), want, 0);
    if (got == 0) return result;
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return result;
    }
    received.append(chunk.data(), static_cast<std::size_t>(got));
  }
}

}  // namespace nucleus::egress
