// A scripted mcp::ToolBackend for session tests: a fixed policy, replies
// chosen per tool, and approvals that the test decides.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "mcp/tool_backend.h"

namespace nucleus::mcp::testing {

class FakeBackend : public ToolBackend {
 public:
  // fix-issue-like: every operation low_risk or always, run_bash and
  // git_push obliged by the trifecta, create_pr never.
  nlohmann::json policy_json = {
      {"capabilities",
       {{"read_files", "always"}, {"write_files", "low_risk"}, {"edit_files", "low_risk"}, {"run_bash", "low_risk"},
        {"glob_search", "always"}, {"grep_search", "always"}, {"web_search", "never"}, {"web_fetch", "low_risk"},
        {"git_commit", "low_risk"}, {"git_push", "low_risk"}, {"create_pr", "never"}}},
      {"obligations", {"run_bash", "git_push", "edit_files"}},
      {"trifecta_obligations", {"run_bash", "git_push"}}};
  bool policy_fails = false;

  Result<nlohmann::json> policy() override {
    if (policy_fails) return make_error("pod p1 is not running");
    return policy_json;
  }

  // Tools in `needs_approval` return approval_required (id "a-TOOL") until
  // called with that id; the approval stays pending until decide().
  std::set<std::string> needs_approval = {"run"};
  std::map<std::string, nlohmann::json> replies;  // per tool; default ok with the args echoed

  Result<nlohmann::json> call(const std::string& tool, const nlohmann::json& args,
                              const std::string& approval_id) override {
    std::lock_guard lock(mutex_);
    calls.push_back({tool, args, approval_id});
    if (needs_approval.contains(tool) && approval_id.empty()) {
      pending_.insert("a-" + tool);
      return nlohmann::json{{"status", "approval_required"}, {"approval_id", "a-" + tool}, {"reason", "trifecta"}};
    }
    if (!approval_id.empty()) {
      if (denied_.contains(approval_id)) {
        return nlohmann::json{{"status", "denied"}, {"reason", "approval " + approval_id + " is denied, not approved"}};
      }
    }
    if (auto found = replies.find(tool); found != replies.end()) return found->second;
    return nlohmann::json{{"status", "ok"}, {"result", {{"tool", tool}, {"args", args}}}};
  }

  Result<bool> approval_pending(const std::string& approval_id) override {
    std::lock_guard lock(mutex_);
    ++pending_checks;
    return pending_.contains(approval_id);
  }

  Result<bool> withdraw(const std::string& approval_id) override {
    std::lock_guard lock(mutex_);
    if (!pending_.contains(approval_id)) return make_error("approval " + approval_id + " is not pending");
    pending_.erase(approval_id);
    denied_.insert(approval_id);
    withdrawn.push_back(approval_id);
    return true;
  }
  std::vector<std::string> withdrawn;

  void decide(const std::string& approval_id, bool approve) {
    std::lock_guard lock(mutex_);
    pending_.erase(approval_id);
    if (!approve) denied_.insert(approval_id);
  }

  bool is_pending(const std::string& approval_id) {
    std::lock_guard lock(mutex_);
    return pending_.contains(approval_id);
  }

  struct Call {
    std::string tool;
    nlohmann::json args;
    std::string approval_id;
  };
  std::vector<Call> calls;
  std::atomic<int> pending_checks{0};

 private:
  std::mutex mutex_;
  std::set<std::string> pending_;
  std::set<std::string> denied_;
};

}  // namespace nucleus::mcp::testing
