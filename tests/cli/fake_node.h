// FakeNode: an in-process stand-in for nucleus-node on 127.0.0.1 (port
// chosen by the kernel) that speaks the node's HTTP API with canned state,
// so the CLI verbs can be tested without sandboxes. It checks bearer
// tokens, content types and JSON bodies as the node does and records every
// request. For tests only.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
}

namespace nucleus::cli::testing {

inline constexpr const char* kAgentToken = "agent-secret";
inline constexpr const char* kApproverToken = "approver-secret";

struct NodeRequest {
  std::string method;
  std::string path;    // percent-decoded
  std::string target;  // as sent
  std::string query;  // "follow=true", "" when absent
  std::string authorization;
  std::string content_type;
  std::string body;
};

struct ToolScript {
  int status = 200;
  nlohmann::json body;
};

class FakeNode {
 public:
  FakeNode();  // throws std::runtime_error when it cannot bind
  ~FakeNode();
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  std::string url() const;

  // Adds a pod with the given fields over a default running PodStatus.
  void add_pod(const std::string& id, const nlohmann::json& fields = nlohmann::json::object());
  // GETs of a created pod that still see phase pending (default 2).
  void set_pending_polls(int polls);
  void set_logs(const std::string& pod, std::vector<std::string> chunks);
  void set_audit(const std::string& pod, std::string ndjson);
  // What GET .../audit/verify reports as the problem; empty means ok.
  void set_audit_problem(const std::string& pod, std::string problem);
  void set_workspace(const std::string& pod, std::string tar);
  void set_tool(const std::string& tool, ToolScript script);
  void add_approval(const std::string& pod, const nlohmann::json& approval);

  std::vector<NodeRequest> requests() const;
  // Requests that could change state: every method but GET.
  std::vector<NodeRequest> mutations() const;
  std::string uploaded_workspace(const std::string& pod) const;
  nlohmann::json decisions() const;  // [{"pod","approval_id","decision"}]

 private:
  struct State;
  void install_routes();

  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<State> state_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace nucleus::cli::testing
