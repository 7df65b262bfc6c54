// JSON-RPC 2.0 framing as MCP 2025-06-18 uses it: one message per JSON
// value, no batches, ids that are strings or integers, params that are
// objects. Classifying a message never throws.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nucleus::mcp {

// The error codes JSON-RPC 2.0 reserves, which MCP uses unchanged.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// Messages longer than this are refused with kInvalidRequest.
inline constexpr std::size_t kMaxMessageBytes = std::size_t{4} << 20;

enum class MessageKind { request, notification, response, invalid };

struct Message {
  MessageKind kind = MessageKind::invalid;
  nlohmann::json id;      // requests and responses; null otherwise
  std::string method;     // requests and notifications
  nlohmann::json params;  // an object (empty when absent)
  // For kind invalid: the error response to send back (its id is the
  // message's id when one could be read, else null).
  nlohmann::json error;
};

// Parses and classifies one message. Text that is not JSON gets
// kParseError; a batch, a missing or wrong "jsonrpc", a bad id or method,
// or non-object params get kInvalidRequest.
Message parse_message(std::string_view text);

// Classifies an already decoded value, as parse_message does.
Message classify_message(const nlohmann::json& value);

nlohmann::json result_response(const nlohmann::json& id, nlohmann::json result);
nlohmann::json error_response(const nlohmann::json& id, int code, std::string_view message);
nlohmann::json notification(std::string_view method, nlohmann::json params);

// A stable text key for an id, so that 7 and "7" stay distinct.
std::string id_key(const nlohmann::json& id);

}  // namespace nucleus::mcp
