// Relay: copies bytes both ways between two connected non-blocking stream
// sockets, driven by the caller's poll() loop, so one thread can run many
// relays. Each direction has a bounded buffer, so a fast sender waits for a
// slow receiver instead of using memory. End of file on one side is passed
// on as shutdown(SHUT_WR) on the other (half-close), and the relay is
// finished when both directions have ended or either socket fails.
#pragma once

#include <poll.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "egress/body_limit.h"

namespace nucleus::egress {

class Relay {
 public:
  // Takes both sockets and makes them non-blocking. `buffer_size` bounds
  // the relayed bytes held per direction.
  Relay(UniqueFd first, UniqueFd second, std::size_t buffer_size);

  // Queues bytes to send to `second` (or `first`) ahead of relayed data.
  void queue_to_second(std::string_view data);
  void queue_to_first(std::string_view data);

  // Relays from first to second only the bytes `limit` accepts. Once it is
  // complete, `first` is no longer read and `second` is not shut down, so
  // the relay ends when second's response ends. Bytes already read from
  // first go through inject_from_first().
  void limit_first_to_second(std::unique_ptr<BodyLimit> limit);
  void inject_from_first(std::string_view data);

  // Fills the two poll entries. An entry whose socket has nothing to wait
  // for gets fd -1, so poll() skips it.
  void prepare(pollfd& first, pollfd& second) const;
  // Reads and writes as the returned events allow.
  void handle(const pollfd& first, const pollfd& second);

  bool finished() const;
  int first_fd() const { return first_.get(); }
  int second_fd() const { return second_.get(); }
  std::uint64_t bytes_to_second() const { return to_second_.relayed; }
  std::uint64_t bytes_to_first() const { return to_first_.relayed; }

 private:
  struct Direction {
    int from = -1;
    int to = -1;
    std::string buffer;
    std::size_t sent = 0;
    bool read_closed = false;
    bool write_closed = false;
    std::unique_ptr<BodyLimit> limit;
    std::uint64_t relayed = 0;

    std::size_t pending() const { return buffer.size() - sent; }
  };

  bool wants_read(const Direction& direction) const;
  void read_into(Direction& direction);
  void write_from(Direction& direction);
  void append(Direction& direction, std::string_view data);
  void finish_if_drained(Direction& direction);

  UniqueFd first_;
  UniqueFd second_;
  std::size_t buffer_size_;
  Direction to_second_;
  Direction to_first_;
  bool failed_ = false;
};

// Sets O_NONBLOCK on `fd`. Returns false when fcntl fails.
bool set_non_blocking(int fd);

}  // namespace nucleus::egress
