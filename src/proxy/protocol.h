// The tool API's wire format: one JSON object per line in each direction.
//
// Request:  {"id": "r1", "method": "call", "params": {...}}
// Response: {"id": "r1", "status": "ok", "result": {...}}
//           {"id": "r1", "status": "denied", "reason": "..."}
//           {"id": "r1", "status": "approval_required", "approval_id": "...", "reason": "..."}
//           {"id": "r1", "status": "error", "error": {"kind": "invalid_argument", "message": "..."}}
// `id` is a string or integer chosen by the client and echoed back (null
// when the request was too malformed to carry one).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "proxy/tool.h"

namespace nucleus::proxy {

inline constexpr std::size_t kMaxRequestBytes = 16 * 1024 * 1024;

struct Request {
  nlohmann::json id;  // string, integer or null
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};

// The request id as plain text for logs and audit records ("r1", "7").
inline std::string request_id_text(const Request& request) {
  return request.id.is_string() ? request.id.get<std::string>() : request.id.dump();
}

// Parse one request line. Errors: invalid JSON (with the parser's byte
// position), not an object, unknown top-level keys, a missing or non-string
// method, an id that is neither string nor integer, params not an object.
Result<Request> parse_request(std::string_view line);

nlohmann::json ok_response(const nlohmann::json& id, nlohmann::json result);
nlohmann::json denied_response(const nlohmann::json& id, const std::string& reason);
nlohmann::json approval_response(const nlohmann::json& id, const std::string& approval_id,
                                 const std::string& reason);
nlohmann::json error_response(const nlohmann::json& id, const ToolError& error);

}  // namespace nucleus::proxy
