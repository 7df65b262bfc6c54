#include "proxy/tool_proxy.h"

#include <spdlog/spdlog.h>

#include "policy/serialize.h"
#include "proxy/hmac.h"

namespace nucleus::proxy {

using nlohmann::json;

namespace {





}  // namespace

ToolProxy::ToolProxy(std::shared_ptr<PolicyHolder> policy, ToolTable tools, AuditLog& audit,
                     ApprovalStore& approvals, ProxyOptions options)
    : tools_(std::move(tools)),
      audit_(audit),
      approvals_(approvals),
      options_(std::move(options)),
      budget_(policy->get()->envelope().budget),
      policy_(std::move(policy)) {}

std::shared_ptr<const policy::Policy> ToolProxy::policy() const { return policy_->get(); }

std::optional<json> ToolProxy::audit(const Request& request, std::string event, std::string operation,
                                     std::string digest, AuditDecision decision, std::string reason,
                                     json result) {
  AuditRecord record{options_.pod_id, request_id_text(request), std::move(event), std::move(operation),
                     std::move(digest), decision, std::move(reason), std::move(result)};
  auto receipt = audit_.append(std::move(record));
  if (receipt.ok()) return std::nullopt;
  spdlog::error("event=audit_failed pod={} request={} error=\"{}\"", options_.pod_id,
                request_id_text(request), receipt.error());
  return error_response(request.id, {ToolError::Kind::failed,
                                     "the audit log could not record this call, so it was refused: " +
                                         receipt.error()});
}

void ToolProxy::record_rejection(const std::string& reason) {
  Request none;
  (void)audit(none, "rejected", "", "", AuditDecision::deny, reason);
  spdlog::warn("event=request_rejected pod={} reason=\"{}\"", options_.pod_id, reason);
}

json ToolProxy::handle(const Request& request) {
  if (request.method == "call") return call(request);
  if (request.method == "approvals.list") return approvals_list(request);
  if (request.method == "approvals.decide") return approvals_decide(request);
  if (request.method == "approvals.withdraw") return approvals_withdraw(request);
  if (request.method == "usage.report") return usage_report(request);
  if (request.method == "policy.tighten") return policy_tighten(request);
  if (request.method == "status") return status(request);
  const std::string reason = "unknown method \"" + request.method +
                             "\"; expected call, approvals.list, approvals.decide, usage.report, "
                             "policy.tighten or status";
  if (auto failed = audit(request, "rejected", "", "", AuditDecision::deny, reason)) return *failed;
  return error_response(request.id, {ToolError::Kind::invalid_argument, reason});
}

}  // namespace nucleus::proxy
