// Bidirectional byte relay between two sockets.
#include "egress/relay.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace nucleus::egress {

bool set_non_blocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

Relay::Relay(UniqueFd first, UniqueFd second, std::size_t buffer_size)
    : first_(std::move(first)), second_(std::move(second)), buffer_size_(buffer_size) {
  if (!set_non_blocking(first_.get()) || !set_non_blocking(second_.get())) failed_ = true;
  to_second_.from = first_.get();
  to_second_.to = second_.get();
  to_first_.from = second_.get();
  to_first_.to = first_.get();
}

void Relay::queue_to_second(std::string_view data) { to_second_.buffer.append(data); }

void Relay::queue_to_first(std::string_view data) { to_first_.buffer.append(data); }

void Relay::limit_first_to_second(std::unique_ptr<BodyLimit> limit) {
  to_second_.limit = std::move(limit);
  finish_if_drained(to_second_);
}

void Relay::inject_from_first(std::string_view data) { append(to_second_, data); }

void Relay::append(Direction& direction, std::string_view data) {
  if (direction.read_closed) return;
  if (direction.limit) {
    data = data.substr(0, direction.limit->consume(data));
    if (direction.limit->failed()) failed_ = true;
  }
  direction.buffer.append(data);
  direction.relayed += data.size();
  finish_if_drained(direction);
}

// A limited direction ends once its body is complete and sent, without
// shutting down the receiver. An unlimited one passes on end of file.
void Relay::finish_if_drained(Direction& direction) {
  if (direction.limit && direction.limit->complete()) direction.read_closed = true;
  if (!direction.read_closed || direction.write_closed || direction.pending() > 0) return;
  if (!direction.limit) ::shutdown(direction.to, SHUT_WR);
  direction.write_closed = true;
}

bool Relay::wants_read(const Direction& direction) const {
  return !failed_ && !direction.read_closed && direction.pending() < buffer_size_;
}

void Relay::read_into(Direction& direction) {
  std::array<char, 16384> chunk{};
  const std::size_t space = std::min(chunk.size(), buffer_size_ - direction.pending());
  const ssize_t received = ::recv(direction.from, chunk.data(), space, 0);
  if (received < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) failed_ = true;
    return;
  }
  if (received == 0) {
    // The sender ended before a limited body was complete: pass that on.
    direction.limit.reset();
    direction.read_closed = true;
    finish_if_drained(direction);
    return;
  }
  append(direction, std::string_view(chunk.data(), static_cast<std::size_t>(received)));
}

void Relay::write_from(Direction& direction) {
  if (direction.pending() == 0) return;
  const ssize_t written =
      ::send(direction.to, direction.buffer.data() + direction.sent, direction.pending(), MSG_NOSIGNAL);
  if (written < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) failed_ = true;
    return;
  }
  direction.sent += static_cast<std::size_t>(written);
  if (direction.sent == direction.buffer.size()) {
    direction.buffer.clear();
    direction.sent = 0;
  } else if (direction.sent >= buffer_size_) {
    direction.buffer.erase(0, direction.sent);
    direction.sent = 0;
  }
  finish_if_drained(direction);
}

void Relay::prepare(pollfd& first, pollfd& second) const {
  first = pollfd{first_.get(), 0, 0};
  second = pollfd{second_.get(), 0, 0};
  if (failed_) return;
  if (wants_read(to_second_)) first.events |= POLLIN;
  if (wants_read(to_first_)) second.events |= POLLIN;
  if (to_second_.pending() > 0) second.events |= POLLOUT;
  if (to_first_.pending() > 0) first.events |= POLLOUT;
  if (first.events == 0) first.fd = -1;
  if (second.events == 0) second.fd = -1;
}

void Relay::handle(const pollfd& first, const pollfd& second) {
  constexpr short kReadable = POLLIN | POLLHUP | POLLERR;
  constexpr short kWritable = POLLOUT | POLLHUP | POLLERR;
  if ((first.revents & kReadable) && wants_read(to_second_)) read_into(to_second_);
  if ((second.revents & kReadable) && wants_read(to_first_)) read_into(to_first_);
  // Writing right after reading saves a poll round for the common case.
  if (!failed_ && ((second.revents & kWritable) || to_second_.pending() > 0)) write_from(to_second_);
  if (!failed_ && ((first.revents & kWritable) || to_first_.pending() > 0)) write_from(to_first_);
}

bool Relay::finished() const {
  return failed_ || (to_second_.write_closed && to_first_.write_closed);
}

}  // namespace nucleus::egress
