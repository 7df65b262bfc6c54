// `nucleus mcp --pod ID`: an MCP server on stdin and stdout for one pod of
// a nucleus-node. Agents start it as a stdio MCP server; every tool call
// goes to the node's tool API with the agent token.
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "cli/node_client.h"
#include "mcp/tool_backend.h"

namespace nucleus::cli {

// mcp::ToolBackend over the node's HTTP API.
class NodeToolBackend final : public mcp::ToolBackend {
 public:
  NodeToolBackend(const NodeClient& client, std::string pod_id) : client_(client), pod_id_(std::move(pod_id)) {}

  Result<nlohmann::json> policy() override;
  Result<nlohmann::json> call(const std::string& tool, const nlohmann::json& args,
                              const std::string& approval_id) override;
  Result<bool> approval_pending(const std::string& approval_id) override;
  Result<bool> withdraw(const std::string& approval_id) override;

 private:
  const NodeClient& client_;
  std::string pod_id_;
};

// Checks that the pod exists and runs, then serves MCP until `in` ends.
// Exit status: 0 after a clean end of input, 1 when the pod cannot be
// reached first (the reason goes to `err`, which also gets the log).
int run_mcp_server(const NodeClient& client, const std::string& pod_id, std::istream& in, std::ostream& out,
                   std::ostream& err);

}  // namespace nucleus::cli
