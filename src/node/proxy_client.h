// One request to a pod's tool proxy over a connected stream socket: a JSON
// line out, a JSON line back (docs/api.md).
#pragma once

#include <chrono>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace nucleus::node {

// The largest reply line read; the proxy's own request cap.
inline constexpr std::size_t kMaxReplyBytes = 16 * 1024 * 1024;

// Sends {"id": 1, "method": method, "params": params} on `fd` and returns
// the parsed reply. Errors: send or read failures, the connection closing,
// no complete reply within `timeout`, a reply over kMaxReplyBytes or one
// that is not a JSON object.
Result<nlohmann::json> proxy_request(int fd, const std::string& method, const nlohmann::json& params,
                                     std::chrono::milliseconds timeout);

}  // namespace nucleus::node
