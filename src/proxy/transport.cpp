#include "proxy/transport.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/errno_text.h"

namespace nucleus::proxy {

namespace {

Result<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return make_error("Unix socket path \"" + path + "\" is empty or longer than " +
                      std::to_string(sizeof(address.sun_path) - 1) + " bytes");
  }
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

// poll() one fd for `events`, retrying on EINTR. Returns >0 ready, 0 timeout,
// <0 error.
int wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  while (true) {
    const int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc < 0 && errno == EINTR) continue;
    return rc;
  }
}

}  // namespace

Connection::ReadStatus Connection::read_line(std::string& line, std::size_t max_bytes,
                                             std::chrono::milliseconds idle_timeout) {
  std::size_t scanned = 0;
  while (true) {
    const auto newline = buffer_.find('\n', scanned);
    if (newline != std::string::npos) {
      if (newline > max_bytes) return ReadStatus::too_long;
      line.assign(buffer_, 0, newline);
      buffer_.erase(0, newline + 1);
      return ReadStatus::line;
    }
    if (buffer_.size() > max_bytes) return ReadStatus::too_long;
    scanned = buffer_.size();

    const int ready = wait_for(fd_.get(), POLLIN, idle_timeout);
    if (ready == 0) return ReadStatus::timed_out;
    if (ready < 0) return ReadStatus::failed;
    std::array<char, 64 * 1024> chunk{};
    const ssize_t n = ::recv(fd_.get(), chunk.data(), chunk.size(), 0);
    if (n == 0) return ReadStatus::closed;
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ReadStatus::failed;
    }
    buffer_.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

bool Connection::write_all(std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    if (wait_for(fd_.get(), POLLOUT, timeout) <= 0) return false;
    const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<unsigned int> Connection::peer_uid() const {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return std::nullopt;
  return credentials.uid;
}

Result<Listener> Listener::unix_socket(const std::string& path, unsigned int mode) {
  auto address = unix_address(path);
  if (!address.ok()) return make_error(address.error());
  UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket) return make_error(syscall_error("socket", "AF_UNIX"));

  // A stale socket file from an earlier run would make bind() fail, so it
  // is removed. A socket with a live listener belongs to a running server,
  // and a file that is not a socket was never ours, so both are errors.
  struct stat existing {};
  if (::lstat(path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      return make_error("\"" + path + "\" exists and is not a socket; choose another --socket path");
    }
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address.value()),
                           sizeof(sockaddr_un)) == 0) {
      return make_error("socket \"" + path + "\" is in use by a running server; stop it or choose another path");
    }
    ::unlink(path.c_str());
  }

  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address.value()), sizeof(sockaddr_un)) != 0) {
    return make_error(syscall_error("bind", path));
  }
  if (::chmod(path.c_str(), mode) != 0) return make_error(syscall_error("chmod", path));
  if (::listen(socket.get(), 128) != 0) return make_error(syscall_error("listen", path));
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return make_error(syscall_error("eventfd", path));
  struct stat bound {};
  if (::lstat(path.c_str(), &bound) != 0) return make_error(syscall_error("lstat", path));
  return Listener(std::move(socket), std::move(wake), path, bound.st_ino);
}

std::optional<Connection> Listener::accept() {
  while (true) {
    std::array<pollfd, 2> fds{{{socket_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}}};
    const int rc = ::poll(fds.data(), fds.size(), -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 || (fds[1].revents & POLLIN) != 0) return std::nullopt;
    const int fd = ::accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      // The peer may give up between poll and accept; keep serving.
      if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN) continue;
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: back off instead of spinning on poll().
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      return std::nullopt;
    }
    return Connection(UniqueFd(fd));
  }
}

Listener::~Listener() {
  // Remove the socket file only while it is still the one this listener
  // bound, never a socket a later server created at the same path.
  struct stat current {};
  if (socket_ && !address_.empty() && ::lstat(address_.c_str(), &current) == 0 && current.st_ino == inode_) {
    ::unlink(address_.c_str());
  }
}

void Listener::shutdown() {
  const std::uint64_t increment = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &increment, sizeof increment);
}

Result<Connection> connect_unix(const std::string& path) {
  auto address = unix_address(path);
  if (!address.ok()) return make_error(address.error());
  UniqueFd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket) return make_error(syscall_error("socket", "AF_UNIX"));
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address.value()), sizeof(sockaddr_un)) != 0) {
    return make_error(syscall_error("connect", path));
  }
  return Connection(std::move(socket));
}

}  // namespace nucleus::proxy
