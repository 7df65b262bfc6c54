// Reading an HTTP request head from a socket with a size cap and a
// deadline, so a slow or endless client cannot hold a proxy thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace nucleus::egress {

enum class HeadReadStatus {
  complete,   // `head` ends with CRLF CRLF
  closed,     // the client closed or reset the connection first
  timed_out,  // the deadline passed first
  too_large,  // no CRLF CRLF within the cap
  stopped,    // `stop_fd` became readable
};

struct HeadRead {
  HeadReadStatus status = HeadReadStatus::closed;
  std::string head;
  // Bytes received after the head: the start of a body or tunnel data.
  std::string rest;
};

// Reads from non-blocking socket `fd` until CRLF CRLF, at most `max_bytes`
// of head, until `deadline`, or until `stop_fd` (an eventfd or pipe) is
// readable.
HeadRead read_request_head(int fd, int stop_fd, std::size_t max_bytes,
                           std::chrono::steady_clock::time_point deadline);

// Milliseconds from now until `deadline` for poll(), at least 0.
int poll_timeout_ms(std::chrono::steady_clock::time_point deadline);

}  // namespace nucleus::egress
