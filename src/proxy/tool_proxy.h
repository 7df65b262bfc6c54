// ToolProxy: the decision pipeline in front of every tool call of one pod.
//
//   request -> validate -> decide (time, level, target rules, obligations)
//           -> approval (pending, wait or return; approved ids are single-use)
//           -> budget (base cost charged before running) -> run the tool
//           -> charge execution time -> audit (durable) -> response
//
// Every call, allowed or not, and every approval, budget, time and
// tightening event ends in one audit record. The record is written before
// the response is sent, and if the write fails the caller gets an error
// instead of the result.
//
// Thread safety: handle() is called concurrently from connection threads.
// The policy is an immutable snapshot swapped under a lock, so a call uses
// one consistent policy from decision to audit.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/budget.h"
#include "policy/policy.h"
#include "proxy/approval_store.h"
#include "proxy/audit_log.h"
#include "proxy/policy_holder.h"
#include "proxy/protocol.h"
#include "proxy/tool.h"

namespace nucleus::proxy {

// The pipeline's view of one tool.
struct ToolBinding {
  policy::Operation operation;
  // The policy target named by the arguments (a path, command line or URL),
  // or an invalid_argument error for malformed arguments.
  std::function<std::variant<policy::Target, ToolError>(const nlohmann::json& args)> target;
  std::function<ToolResult(const nlohmann::json& args)> run;
  // A small audit summary of a successful result: sizes, counts, exit codes,
  // ids. Never file contents, command output or secrets.
  std::function<nlohmann::json(const nlohmann::json& result)> summarize;
};

using ToolTable = std::map<std::string, ToolBinding, std::less<>>;

// Cost of a call: `base` is charged before it runs and `per_second` of
// execution time after it. The time charge is clipped to what is left, so
// the total never passes max_cost_usd and the next call is then denied.
struct CostModel {
  policy::Decimal base = *policy::Decimal::parse("0.001");
  policy::Decimal per_second = *policy::Decimal::parse("0.0001");
};

struct ProxyOptions {
  std::string pod_id;
  CostModel cost;
  std::chrono::seconds approval_ttl{std::chrono::minutes(15)};
  // How long a call waits for an approval decision unless it passes
  // wait=false or its own wait_seconds (at most approval_ttl).
  std::chrono::seconds default_approval_wait{std::chrono::minutes(5)};
  std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
};

class ToolProxy {
 public:
  ToolProxy(std::shared_ptr<PolicyHolder> policy, ToolTable tools, AuditLog& audit,
            ApprovalStore& approvals, ProxyOptions options);

  // Handle one request and return its response. Methods: call, approvals.list, approvals.decide,
  // usage.report, policy.tighten, status.
  nlohmann::json handle(const Request& request);

  // Audit a line that never became a request (malformed JSON, oversize).
  void record_rejection(const std::string& reason);

  std::shared_ptr<const policy::Policy> policy() const;
  const policy::BudgetMeter& budget() const { return budget_; }

 private:
  nlohmann::json call(const Request& request);
  nlohmann::json run_allowed(const Request& request, const ToolBinding& tool, const nlohmann::json& args,
                             const std::string& digest, const std::string& reason);
  nlohmann::json run_approved(const Request& request, const ToolBinding& tool, const nlohmann::json& args,
                              const std::string& digest, const std::string& approval_id);
  nlohmann::json await_approval(const Request& request, const ToolBinding& tool, const nlohmann::json& args,
                                const std::string& digest, const std::string& reason, bool wait,
                                std::optional<std::chrono::seconds> wait_seconds);
  nlohmann::json approvals_list(const Request& request);
  nlohmann::json approvals_decide(const Request& request);
  nlohmann::json approvals_withdraw(const Request& request);
  nlohmann::json usage_report(const Request& request);
  nlohmann::json policy_tighten(const Request& request);
  nlohmann::json status(const Request& request);

  // Append one record; on failure returns the error response the caller
  // must send instead of the result.
  std::optional<nlohmann::json> audit(const Request& request, std::string event, std::string operation,
                                      std::string digest, AuditDecision decision, std::string reason,
                                      nlohmann::json result = nlohmann::json::object());

  ToolTable tools_;
  AuditLog& audit_;
  ApprovalStore& approvals_;
  ProxyOptions options_;
  policy::BudgetMeter budget_;

  std::shared_ptr<PolicyHolder> policy_;
  // Serializes policy.tighten so that each check-and-swap reads the latest
  // policy and two concurrent requests cannot undo each other's narrowing.
  std::mutex tighten_lock_;
};

}  // namespace nucleus::proxy
