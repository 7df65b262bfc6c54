// Body limits: detectors of the end of a forwarded request body, fed
// incrementally as bytes arrive.
//
// The proxy sends an origin server exactly one request per connection, so
// it relays the body as the request framed it and nothing after it. Bytes
// past the end (a pipelined second request) are dropped, because they could
// carry headers such as Proxy-Authorization that the rewrite removed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "egress/request.h"

namespace nucleus::egress {

class BodyLimit {
 public:
  virtual ~BodyLimit() = default;
  // Consumes bytes that follow those already consumed and returns how many
  // of them belong to the body (a prefix of `data`).
  virtual std::size_t consume(std::string_view data) = 0;
  // The whole body has been consumed.
  virtual bool complete() const = 0;
  // The bytes do not follow the framing (an invalid chunk header).
  virtual bool failed() const = 0;
};

// A limit for `framing`: a byte count for none and content_length, or a
// chunked-coding parser that stops after the last chunk and its trailers.
std::unique_ptr<BodyLimit> make_body_limit(const BodyFraming& framing);

}  // namespace nucleus::egress
