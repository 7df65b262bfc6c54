// Mapping the tool proxy's replies to HTTP responses of the node's API.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nucleus::node {

struct HttpReply {
  int status = 500;
  nlohmann::json body;
};

// The tool names of the proxy's `call` method (docs/api.md).
bool is_known_tool(std::string_view tool);

// The error body of the API: {"error": {"code", "message"}}.
nlohmann::json error_body(std::string_view code, std::string_view message);

// Maps a `call` reply: ok -> 200, denied -> 403, approval_required -> 202,
// error -> 400 for invalid_argument, 403 denied, 404 not_found, 409
// conflict, 413 too_large, 504 timed_out and 500 otherwise, with the
// proxy's fields (without its request id) as the body. A reply without a
// known status is a 502.
HttpReply map_call_reply(const nlohmann::json& reply);

// The decision label of a call for metrics and logs: allow, deny,
// approval_required or error.
std::string decision_label(const nlohmann::json& reply);

}  // namespace nucleus::node
