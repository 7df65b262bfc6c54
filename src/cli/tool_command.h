// The `nucleus tool POD TOOL key=value ...` verb: one tool call through the
// node. Exit status: 0 ok, 3 approval required (only with --no-wait),
// 4 denied, 1 tool or node error, 2 invalid arguments (nothing sent).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/node_client.h"
#include "common/result.h"

namespace nucleus::cli {

// Builds the arguments object. `key:=JSON` takes any JSON value. In
// `key=value`, a value that parses as a JSON number, boolean, array or
// object keeps that type and anything else is a string. Keys must be
// non-empty and unique.
Result<nlohmann::json> parse_tool_arguments(const std::vector<std::string>& words);

struct ToolCallRequest {
  std::string pod_id;
  std::string tool;
  std::vector<std::string> arguments;
  bool wait = true;
};

int run_tool_call(const NodeClient& client, const ToolCallRequest& request, std::ostream& out,
                  std::ostream& err);

}  // namespace nucleus::cli
