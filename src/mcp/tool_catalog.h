// The MCP view of the tool proxy's tools: names, the operation each one
// performs, a JSON Schema for its arguments and a description for the
// model. Which tools a pod lists, and what their descriptions say about
// approvals, follows the pod's effective policy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nucleus::mcp {

struct ToolSpec {
  std::string name;       // the proxy's tool name, e.g. "read"
  std::string operation;  // the policy operation, e.g. "read_files"
  std::string title;
  std::string description;
  nlohmann::json input_schema;  // JSON Schema (draft 2020-12), type object
  bool read_only = false;
  bool open_world = false;  // reaches outside the workspace (web, remotes)
};

// Every tool the proxy offers, in a fixed order.
const std::vector<ToolSpec>& tool_catalog();

// The tool named `name`, or nullopt.
std::optional<ToolSpec> find_tool(std::string_view name);

// The MCP `tools` array for a pod whose effective policy is `policy` (the
// proxy's `status` policy: "capabilities" maps operation to level and
// "obligations" lists operations that need approval). Tools whose
// operation is "never", or missing from the policy, are left out. The
// description of a tool whose operation carries an obligation says that a
// human must approve each call, and why when the trifecta caused it.
nlohmann::json list_tools(const nlohmann::json& policy);

}  // namespace nucleus::mcp
