#include "mcp/tool_backend.h"

namespace nucleus::mcp {

using nlohmann::json;

json proxy_reply_from_http(int http_status, const json& body) {
  if (body.is_object() && body.contains("status") && body["status"].is_string()) return body;
  std::string kind = "failed";
  std::string message = "the node returned HTTP " + std::to_string(http_status);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json& error = body["error"];
    if (error.contains("code") && error["code"].is_string()) kind = error["code"].get<std::string>();
    if (error.contains("message") && error["message"].is_string()) message = error["message"].get<std::string>();
  }
  return {{"status", "error"}, {"error", {{"kind", kind}, {"message", message}}}};
}

}  // namespace nucleus::mcp
