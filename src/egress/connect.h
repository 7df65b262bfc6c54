// Opening TCP connections to upstream servers with a timeout.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/result.h"
#include "common/unique_fd.h"
#include "egress/address.h"

namespace nucleus::egress {

// Connects a non-blocking TCP socket to address:port. Fails when the
// connection is refused, `deadline` passes, or `stop_fd` becomes readable.
// Errors name the address and the cause.
Result<UniqueFd> connect_tcp(const IpAddress& address, std::uint16_t port, int stop_fd,
                             std::chrono::steady_clock::time_point deadline);

}  // namespace nucleus::egress
