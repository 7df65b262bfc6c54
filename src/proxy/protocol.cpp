#include "proxy/protocol.h"

namespace nucleus::proxy {

using nlohmann::json;

Result<Request> parse_request(std::string_view line) {
  json parsed;
  try {
    parsed = json::parse(line);
  } catch (const json::parse_error& e) {
    return make_error("request is not valid JSON (syntax error at byte " + std::to_string(e.byte) +
                      "); send one JSON object per line");
  }
  if (!parsed.is_object()) return make_error("request must be a JSON object");
  for (const auto& [key, value] : parsed.items()) {
    if (key != "id" && key != "method" && key != "params") {
      return make_error("unknown request field \"" + key + "\"; expected id, method and params");
    }
  }
  Request request;
  if (parsed.contains("id")) {
    const json& id = parsed["id"];
    if (!id.is_string() && !id.is_number_integer()) return make_error("request id must be a string or an integer");
    request.id = id;
  }
  if (!parsed.contains("method") || !parsed["method"].is_string()) {
    return make_error("request method is missing or not a string");
  }
  request.method = parsed["method"].get<std::string>();
  if (parsed.contains("params")) {
    if (!parsed["params"].is_object()) return make_error("request params must be a JSON object");
    request.params = std::move(parsed["params"]);
  }
  return request;
}

json ok_response(const json& id, json result) {
  return {{"id", id}, {"status", "ok"}, {"result", std::move(result)}};
}

json denied_response(const json& id, const std::string& reason) {
  return {{"id", id}, {"status", "denied"}, {"reason", reason}};
}

json approval_response(const json& id, const std::string& approval_id, const std::string& reason) {
  return {{"id", id}, {"status", "approval_required"}, {"approval_id", approval_id}, {"reason", reason}};
}

json error_response(const json& id, const ToolError& error) {
  return {{"id", id},
          {"status", "error"},
          {"error", {{"kind", to_string(error.kind)}, {"message", error.message}}}};
}

}  // namespace nucleus::proxy
