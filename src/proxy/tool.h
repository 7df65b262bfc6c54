// Shared vocabulary of the tool implementations: typed errors, results and
// the path check every file-touching tool calls on the path it actually
// opened.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "policy/operation.h"

namespace nucleus::proxy {

struct ToolError {
  enum class Kind {
    invalid_argument,  // malformed or missing arguments (HTTP 400)
    denied,            // the policy or a confinement rule refused (403)
    not_found,         // the target does not exist (404)
    conflict,          // e.g. edit's old_string absent or not unique (409)
    too_large,         // a size limit was hit (413)
    timed_out,         // the call ran past its timeout (504)
    failed,            // the operation ran and failed (500 / 502)
  };
  Kind kind = Kind::failed;
  std::string message;
};

std::string_view to_string(ToolError::Kind kind);

// A tool's JSON result or its error.
using ToolResult = std::variant<nlohmann::json, ToolError>;

inline bool is_error(const ToolResult& result) { return std::holds_alternative<ToolError>(result); }

inline ToolResult tool_error(ToolError::Kind kind, std::string message) {
  return ToolError{kind, std::move(message)};
}

// Returns the reason when `operation` on `absolute_path` (as the agent sees
// it, e.g. "/workspace/src/a.c") is not allowed by the path rules; nullopt
// when it is. The proxy binds this to the pod's policy.
using PathCheck =
    std::function<std::optional<std::string>(policy::Operation operation, const std::string& absolute_path)>;

}  // namespace nucleus::proxy
