// The MCP configuration `nucleus run` hands to an agent: how to start the
// stdio server for its pod (`nucleus mcp --pod ID`) and where the node's
// streamable HTTP endpoint is. Two forms of the same facts:
//   .mcp.json         {"mcpServers": {"nucleus": {...}}}, the project file
//                     Claude Code reads from its working directory;
//   nucleus-mcp.json  a plain object for any other client: "pod",
//                     "stdio": {"command", "args", "env"} and
//                     "http": {"url", "headers"}.
// Both hold the token the agent may use (the pod's own token when the node
// issued one), never the approver token. The files are 0600 in a 0700
// directory.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace nucleus::cli {

struct McpLaunch {
  std::string nucleus_binary;  // absolute path of this nucleus executable
  std::string node_url;
  std::string agent_token;  // the pod token, or the node's agent token
  std::string pod_id;
};

nlohmann::json claude_mcp_config(const McpLaunch& launch);
nlohmann::json plain_mcp_config(const McpLaunch& launch);

struct McpConfigFiles {
  std::string claude_path;  // DIR/.mcp.json
  std::string plain_path;   // DIR/nucleus-mcp.json
};

// Writes both files into the existing directory `dir` with mode 0600.
Result<McpConfigFiles> write_mcp_configs(const std::string& dir, const McpLaunch& launch);

}  // namespace nucleus::cli
