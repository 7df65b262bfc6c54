// Stream transport of the tool API. Today it is a Unix socket. The VM
// drivers add vsock, which has the same socket API, so a Listener is a
// listening socket of any address family and a Connection a connected stream.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nucleus::proxy {

class Connection {
 public:
  explicit Connection(UniqueFd fd) : fd_(std::move(fd)) {}

  enum class ReadStatus { line, closed, too_long, timed_out, failed };

  // Read one '\n'-terminated line (without the '\n') into `line`. Bytes
  // after the newline stay buffered for the next call. A line longer than
  // `max_bytes` is a protocol error (too_long). `idle_timeout` bounds the
  // wait for each chunk, so a silent peer cannot hold a thread forever.
  ReadStatus read_line(std::string& line, std::size_t max_bytes,
                       std::chrono::milliseconds idle_timeout);

  // Write all of `data`; false when the peer went away or the write stalled
  // for longer than `timeout`.
  bool write_all(std::string_view data, std::chrono::milliseconds timeout);

  // The peer's credentials (SO_PEERCRED), when the transport has them.
  std::optional<unsigned int> peer_uid() const;

  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::string buffer_;
};

class Listener {
 public:
  // Bind a Unix stream socket at `path` with file mode `mode`, and listen.
  // A stale socket file is replaced; a socket with a live listener, or a
  // path that is not a socket, is an error. The socket is
  // SOCK_CLOEXEC; accept() is meant to be woken by shutdown().
  static Result<Listener> unix_socket(const std::string& path, unsigned int mode);

  // Wait for a connection. nullopt after shutdown() or on a fatal error.
  std::optional<Connection> accept();

  // Wake accept() and make it return nullopt from now on. Thread-safe.
  void shutdown();

  Listener(Listener&&) = default;
  Listener& operator=(Listener&&) = default;
  // Removes the socket file if it is still the one bound here.
  ~Listener();

  const std::string& address() const { return address_; }

 private:
  Listener(UniqueFd socket, UniqueFd wake, std::string address, ino_t inode)
      : socket_(std::move(socket)), wake_(std::move(wake)), address_(std::move(address)), inode_(inode) {}
  UniqueFd socket_;
  UniqueFd wake_;  // eventfd written by shutdown()
  std::string address_;
  ino_t inode_ = 0;
};

// Connect to a Unix socket (clients, tests and benchmarks).
Result<Connection> connect_unix(const std::string& path);

}  // namespace nucleus::proxy
