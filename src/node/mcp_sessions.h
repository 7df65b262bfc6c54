// MCP over streamable HTTP at /v1/pods/{id}/mcp: the table of sessions the
// node hands out at initialize (the Mcp-Session-Id header), each bound to
// one pod and served by the pod's tool proxy in process.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mcp/session.h"
#include "node/metrics.h"
#include "node/pod_manager.h"

namespace nucleus::node {

// mcp::ToolBackend on a pod of this node.
class PodToolBackend final : public mcp::ToolBackend {
 public:
  PodToolBackend(PodManager& pods, Metrics& metrics, std::string pod_id)
      : pods_(pods), metrics_(metrics), pod_id_(std::move(pod_id)) {}

  Result<nlohmann::json> policy() override;
  Result<nlohmann::json> call(const std::string& tool, const nlohmann::json& args,
                              const std::string& approval_id) override;
  Result<bool> approval_pending(const std::string& approval_id) override;
  Result<bool> withdraw(const std::string& approval_id) override;

 private:
  PodManager& pods_;
  Metrics& metrics_;
  std::string pod_id_;
};

struct McpSessionEntry {
  std::string id;
  std::string pod_id;
  std::unique_ptr<PodToolBackend> backend;
  std::unique_ptr<mcp::Session> session;
};

class McpSessions {
 public:
  // When `max_sessions` are open, creating one closes the least recently
  // used; requests already running on it finish first.
  McpSessions(PodManager& pods, Metrics& metrics, std::size_t max_sessions = 1024)
      : pods_(pods), metrics_(metrics), max_sessions_(max_sessions) {}

  // A new session for `pod_id` with a random 128-bit id.
  std::shared_ptr<McpSessionEntry> create(const std::string& pod_id);

  // The session `session_id` of pod `pod_id`, or null.
  std::shared_ptr<McpSessionEntry> find(const std::string& session_id, const std::string& pod_id);

  // Closes a session and stops its waiting calls; false when unknown.
  bool remove(const std::string& session_id, const std::string& pod_id);

  std::size_t size() const;


 private:
  struct Slot {
    std::shared_ptr<McpSessionEntry> entry;
    std::chrono::steady_clock::time_point last_used;
  };

  PodManager& pods_;
  Metrics& metrics_;
  std::size_t max_sessions_;
  mutable std::mutex mutex_;
  std::map<std::string, Slot> sessions_;
};

}  // namespace nucleus::node
