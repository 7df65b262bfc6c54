// ToolProxy methods beside `call`: approvals, token usage, tightening the
// policy, and status.
#include <spdlog/spdlog.h>

#include "policy/profiles.h"
#include "policy/serialize.h"
#include "proxy/tool_proxy.h"
#include "spec/compile.h"
#include "spec/document.h"

namespace nucleus::proxy {

using nlohmann::json;

namespace {

std::string iso(std::chrono::system_clock::time_point t) { return format_utc_millis(t); }

json describe(const ApprovalRequest& request, ApprovalStatus status) {
  return {{"approval_id", request.id},     {"pod", request.pod},
          {"operation", request.operation}, {"args_digest", request.args_digest},
          {"arguments", request.arguments}, {"reason", request.reason},
          {"created_at", iso(request.created_at)}, {"expires_at", iso(request.expires_at)},
          {"status", to_string(status)}};
}

json invalid(const Request& request, const std::string& message) {
  return error_response(request.id, {ToolError::Kind::invalid_argument, message});
}

// The candidate policy named by policy.tighten's params: {"profile": name}
// or {"spec": "<YAML or JSON text>"}, compiled for `work_dir`.
std::variant<policy::Policy, std::string> candidate_policy(const json& params, const std::string& work_dir) {
  if (params.size() != 1 || (!params.contains("profile") && !params.contains("spec"))) {
    return std::string("policy.tighten takes exactly one of \"profile\" and \"spec\"");
  }
  if (params.contains("profile")) {
    if (!params["profile"].is_string() || !policy::is_profile_name(params["profile"].get<std::string>())) {
      return std::string("policy.tighten: \"profile\" must name a built-in profile");
    }
    const std::string name = params["profile"].get<std::string>();
    return policy::Policy::make("profile " + name, work_dir, policy::profile_envelope(name, work_dir));
  }
  if (!params["spec"].is_string()) return std::string("policy.tighten: \"spec\" must be a string");
  auto documents = spec::parse_documents(params["spec"].get<std::string>(), "policy.tighten");
  if (!documents.ok()) return documents.error();
  auto compiled = spec::compile_first_policy(*documents);
  if (!compiled.ok()) return compiled.error();
  if (compiled->work_dir() != work_dir) {
    return "policy.tighten: the spec's work dir " + compiled->work_dir() + " differs from the pod's " + work_dir;
  }
  return std::move(compiled).value();
}

}  // namespace

json ToolProxy::approvals_list(const Request& request) {
  json list = json::array();
  for (const ApprovalRequest& pending : approvals_.list_pending()) {
    list.push_back(describe(pending, ApprovalStatus::pending));
  }
  return ok_response(request.id, {{"approvals", std::move(list)}});
}

json ToolProxy::approvals_decide(const Request& request) {
  const json& params = request.params;
  if (!params.contains("approval_id") || !params["approval_id"].is_string() || !params.contains("token") ||
      !params["token"].is_string() || params.size() != 2) {
    return invalid(request, "approvals.decide takes {\"approval_id\": string, \"token\": string}");
  }
  const std::string id = params["approval_id"].get<std::string>();
  const auto snapshot = approvals_.get(id);
  const std::string operation = snapshot ? snapshot->request.operation : "";
  const std::string digest = snapshot ? snapshot->request.args_digest : "";

  DecideOutcome outcome = approvals_.decide(id, params["token"].get<std::string>(), std::chrono::system_clock::now());
  if (auto* error = std::get_if<DecideError>(&outcome)) {
    if (auto failed = audit(request, "rejected", operation, digest, AuditDecision::deny, error->message,
                            {{"approval_id", id}})) {
      return *failed;
    }
    spdlog::warn("event=approval_rejected pod={} approval={} reason=\"{}\"", options_.pod_id, id, error->message);
    const auto kind = error->kind == DecideError::Kind::not_found ? ToolError::Kind::not_found
                      : error->kind == DecideError::Kind::token_rejected ? ToolError::Kind::denied
                                                                           : ToolError::Kind::conflict;
    return error_response(request.id, {kind, error->message});
  }
  const bool approved = std::get<ApprovalDecision>(outcome) == ApprovalDecision::approve;
  const char* event = approved ? "approval_granted" : "approval_denied";
  if (auto failed = audit(request, event, operation, digest,
                          approved ? AuditDecision::allow : AuditDecision::deny,
                          approved ? "approved by the approver" : "denied by the approver", {{"approval_id", id}})) {
    return *failed;
  }
  spdlog::info("event={} pod={} approval={} operation={}", event, options_.pod_id, id, operation);
  return ok_response(request.id, {{"approval_id", id}, {"decision", approved ? "approve" : "deny"}});
}

json ToolProxy::approvals_withdraw(const Request& request) {
  const json& params = request.params;
  if (params.size() != 1 || !params.contains("approval_id") || !params["approval_id"].is_string()) {
    return invalid(request, "approvals.withdraw takes {\"approval_id\": string}");
  }
  const std::string id = params["approval_id"].get<std::string>();
  auto withdrawn = approvals_.withdraw(id);
  if (!withdrawn.ok()) {
    const ToolError::Kind kind =
        approvals_.get(id) ? ToolError::Kind::conflict : ToolError::Kind::not_found;
    return error_response(request.id, {kind, withdrawn.error()});
  }
  if (auto failed = audit(request, "approval_withdrawn", withdrawn->operation, withdrawn->args_digest,
                          AuditDecision::deny, "withdrawn by the agent before anyone decided",
                          {{"approval_id", id}})) {
    return *failed;
  }
  spdlog::info("event=approval_withdrawn pod={} approval={} operation={}", options_.pod_id, id, withdrawn->operation);
  return ok_response(request.id, {{"approval_id", id}, {"decision", "withdrawn"}});
}

json ToolProxy::usage_report(const Request& request) {
  const json& params = request.params;
  for (const auto& [key, value] : params.items()) {
    if ((key != "input_tokens" && key != "output_tokens") || !value.is_number_unsigned()) {
      return invalid(request, "usage.report takes {\"input_tokens\": n, \"output_tokens\": n} with n >= 0");
    }
  }
  const auto input = params.value("input_tokens", std::uint64_t{0});
  const auto output = params.value("output_tokens", std::uint64_t{0});
  const json summary = {{"input_tokens", input}, {"output_tokens", output}};
  if (auto refused = budget_.charge_tokens(input, output)) {
    if (auto failed = audit(request, "budget_refused", "", "", AuditDecision::deny, *refused, summary)) return *failed;
    return denied_response(request.id, *refused);
  }
  if (auto failed = audit(request, "usage_reported", "", "", AuditDecision::allow, "token usage recorded", summary)) {
    return *failed;
  }
  return ok_response(request.id, {{"input_tokens", budget_.spent_input_tokens()},
                                  {"output_tokens", budget_.spent_output_tokens()}});
}

json ToolProxy::policy_tighten(const Request& request) {
  std::lock_guard guard(tighten_lock_);
  const auto current = policy();
  auto candidate = candidate_policy(request.params, current->work_dir());
  if (auto* message = std::get_if<std::string>(&candidate)) return invalid(request, *message);
  const policy::Policy& narrower = std::get<policy::Policy>(candidate);

  if (!policy::leq(narrower.envelope(), current->envelope())) {
    const std::string reason = "policy.tighten rejected: " + narrower.label() +
                               " is not narrower than the current policy in every dimension";
    if (auto failed = audit(request, "policy_loosen_rejected", "", narrower.checksum(), AuditDecision::deny, reason)) {
      return *failed;
    }
    spdlog::warn("event=policy_loosen_rejected pod={} candidate={}", options_.pod_id, narrower.checksum());
    return denied_response(request.id, reason);
  }
  auto tightened = std::make_shared<const policy::Policy>(
      policy::Policy::make("pod " + options_.pod_id + " tightened to " + narrower.label(), current->work_dir(),
                           narrower.envelope()));
  budget_.tighten(tightened->envelope().budget);
  if (auto failed = audit(request, "policy_tightened", "", tightened->checksum(), AuditDecision::allow,
                          "policy narrowed to " + narrower.label())) {
    return *failed;
  }
  policy_->set(tightened);
  spdlog::info("event=policy_tightened pod={} checksum={}", options_.pod_id, tightened->checksum());
  return ok_response(request.id, {{"checksum", tightened->checksum()}});
}

json ToolProxy::status(const Request& request) {
  const auto current = policy();
  policy::Envelope limits_only;
  limits_only.budget = budget_.limits();
  return ok_response(
      request.id,
      {{"pod", options_.pod_id},
       {"policy", policy::policy_to_json(*current)},
       {"budget_spent",
        {{"cost_usd", budget_.spent_cost().to_string()},
         {"input_tokens", budget_.spent_input_tokens()},
         {"output_tokens", budget_.spent_output_tokens()}}},
       {"budget_limits", policy::envelope_to_json(limits_only)["budget"]},
       {"pending_approvals", approvals_.list_pending().size()},
       {"tools", [&] {
          json names = json::array();
          for (const auto& [name, binding] : tools_) names.push_back(name);
          return names;
        }()}});
}

}  // namespace nucleus::proxy
