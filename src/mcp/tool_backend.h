// The MCP server's view of a pod: its policy, one tool call that never
// blocks on an approval, whether an approval is still pending, and a way
// to withdraw one. The node implements it in process, and `nucleus mcp`
// implements it over the node's HTTP API.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace nucleus::mcp {

class ToolBackend {
 public:
  virtual ~ToolBackend() = default;

  // The pod's effective policy as the proxy's `status` reports it.
  virtual Result<nlohmann::json> policy() = 0;

  // Calls `tool` with "wait": false, passing `approval_id` when it is not
  // empty. Returns the proxy's reply: {"status": "ok", "result"},
  // {"status": "denied", "reason"}, {"status": "approval_required",
  // "approval_id", "reason"} or {"status": "error", "error": {"kind",
  // "message"}}. Errors are failures to reach the pod at all.
  virtual Result<nlohmann::json> call(const std::string& tool, const nlohmann::json& args,
                                      const std::string& approval_id) = 0;

  // Whether approval `approval_id` is still waiting for a decision.
  virtual Result<bool> approval_pending(const std::string& approval_id) = 0;

  // Withdraws the pending approval `approval_id` (the client stopped
  // waiting), so that no approver is asked about a call no client receives.
  virtual Result<bool> withdraw(const std::string& approval_id) = 0;
};

// Turns a reply of the node's tool route (HTTP status and body) into the
// proxy's reply shape above. Bodies in the node's own error shape,
// {"error": {"code", "message"}}, become {"status": "error"} replies.
nlohmann::json proxy_reply_from_http(int http_status, const nlohmann::json& body);

}  // namespace nucleus::mcp
