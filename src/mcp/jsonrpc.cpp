#include "mcp/jsonrpc.h"

namespace nucleus::mcp {

using nlohmann::json;

namespace {

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

Message invalid(const json& id, int code, std::string_view message) {
  Message out;
  out.error = error_response(id, code, message);
  return out;
}

}  // namespace

Message classify_message(const json& value) {
  if (value.is_array()) {
    return invalid(nullptr, kInvalidRequest, "batches are not supported: MCP 2025-06-18 sends one message per request");
  }
  if (!value.is_object()) return invalid(nullptr, kInvalidRequest, "a JSON-RPC message must be a JSON object");
  const json id = value.contains("id") && valid_id(value["id"]) ? value["id"] : json(nullptr);
  if (value.value("jsonrpc", json()) != "2.0") {
    return invalid(id, kInvalidRequest, "the message must carry \"jsonrpc\": \"2.0\"");
  }
  if (value.contains("id") && !valid_id(value["id"])) {
    return invalid(nullptr, kInvalidRequest, "the id must be a string or an integer");
  }
  const bool has_method = value.contains("method");
  if (!has_method) {
    const bool has_result = value.contains("result");
    const bool has_error = value.contains("error");
    if (value.contains("id") && has_result != has_error) {
      Message out;
      out.kind = MessageKind::response;
      out.id = id;
      return out;
    }
    return invalid(id, kInvalidRequest, "the message has neither a method nor exactly one of result and error");
  }
  if (!value["method"].is_string() || value["method"].get_ref<const std::string&>().empty()) {
    return invalid(id, kInvalidRequest, "the method must be a non-empty string");
  }
  Message out;
  out.method = value["method"].get<std::string>();
  out.params = json::object();
  if (value.contains("params")) {
    if (!value["params"].is_object()) {
      return invalid(id, kInvalidParams, "params must be a JSON object");
    }
    out.params = value["params"];
  }
  out.kind = value.contains("id") ? MessageKind::request : MessageKind::notification;
  out.id = id;
  return out;
}

Message parse_message(std::string_view text) {
  if (text.size() > kMaxMessageBytes) {
    return invalid(nullptr, kInvalidRequest,
                   "the message exceeds the limit of " + std::to_string(kMaxMessageBytes) + " bytes");
  }
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return invalid(nullptr, kParseError, "the message is not valid JSON");
  return classify_message(value);
}

json result_response(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json error_response(const json& id, int code, std::string_view message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::string(message)}}}};
}

json notification(std::string_view method, json params) {
  return {{"jsonrpc", "2.0"}, {"method", std::string(method)}, {"params", std::move(params)}};
}

std::string id_key(const json& id) { return id.dump(); }

}  // namespace nucleus::mcp
