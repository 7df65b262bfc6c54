// ToolProxy::call and its approval and execution steps.
#include <spdlog/spdlog.h>

#include "proxy/hmac.h"
#include "proxy/tool_proxy.h"

namespace nucleus::proxy {

using nlohmann::json;
using policy::Verdict;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_time_refusal(const std::string& reason) {
  return reason.starts_with("policy is not valid before") || reason.starts_with("policy expired") ||
         reason.starts_with("timeout_seconds");
}


struct CallParams {
  std::string tool;
  json args = json::object();
  bool wait = true;
  std::optional<std::chrono::seconds> wait_seconds;
  std::optional<std::string> approval_id;
};

std::variant<CallParams, std::string> parse_call_params(const json& params) {
  CallParams out;
  for (const auto& [key, value] : params.items()) {
    if (key == "tool" && value.is_string()) {
      out.tool = value.get<std::string>();
    } else if (key == "args" && value.is_object()) {
      out.args = value;
    } else if (key == "wait" && value.is_boolean()) {
      out.wait = value.get<bool>();
    } else if (key == "wait_seconds" && value.is_number_unsigned() && value.get<std::uint64_t>() <= 86'400) {
      out.wait_seconds = std::chrono::seconds(value.get<std::int64_t>());
    } else if (key == "approval_id" && value.is_string()) {
      out.approval_id = value.get<std::string>();
    } else if (key == "tool" || key == "args" || key == "wait" || key == "wait_seconds" || key == "approval_id") {
      return "call parameter \"" + key + "\" has the wrong type (tool: string, args: object, wait: "
             "boolean, wait_seconds: integer 0-86400, approval_id: string)";
    } else {
      return "unknown call parameter \"" + key + "\"; expected tool, args, wait, wait_seconds, approval_id";
    }
  }
  if (out.tool.empty()) return std::string("call parameter \"tool\" is missing");
  return out;
}

}  // namespace

json ToolProxy::call(const Request& request) {
  auto parsed = parse_call_params(request.params);
  if (auto* reason = std::get_if<std::string>(&parsed)) {
    if (auto failed = audit(request, "rejected", "", "", AuditDecision::deny, *reason)) return *failed;
    return error_response(request.id, {ToolError::Kind::invalid_argument, *reason});
  }
  const CallParams& params = std::get<CallParams>(parsed);
  const auto tool_it = tools_.find(params.tool);
  if (tool_it == tools_.end()) {
    std::string known;
    for (const auto& [name, binding] : tools_) known += (known.empty() ? "" : ", ") + name;
    const std::string reason = "unknown tool \"" + params.tool + "\"; known tools: " + known;
    if (auto failed = audit(request, "rejected", "", "", AuditDecision::deny, reason)) return *failed;
    return error_response(request.id, {ToolError::Kind::invalid_argument, reason});
  }
  const ToolBinding& tool = tool_it->second;
  const std::string operation(policy::to_string(tool.operation));
  const std::string digest = sha256_hex(params.args.dump());

  auto target = tool.target(params.args);
  if (auto* error = std::get_if<ToolError>(&target)) {
    if (auto failed = audit(request, "rejected", operation, digest, AuditDecision::deny, error->message)) {
      return *failed;
    }
    return error_response(request.id, *error);
  }
  if (auto spent = budget_.exhausted()) {
    if (auto failed = audit(request, "budget_refused", operation, digest, AuditDecision::deny, *spent)) return *failed;
    spdlog::warn("event=denied pod={} request={} operation={} reason=\"{}\"", options_.pod_id,
                 request_id_text(request), operation, *spent);
    return denied_response(request.id, *spent);
  }

  const auto snapshot = policy();
  const policy::DecisionContext context{unix_now(),
                                        std::chrono::duration_cast<std::chrono::seconds>(
                                            options_.started_at.time_since_epoch())
                                            .count()};
  const policy::Decision decision = policy::decide(*snapshot, tool.operation, std::get<policy::Target>(target), context);
  switch (decision.verdict) {
    case Verdict::deny: {
      const char* event = is_time_refusal(decision.reason) ? "time_refused" : "call";
      if (auto failed = audit(request, event, operation, digest, AuditDecision::deny, decision.reason)) return *failed;
      spdlog::warn("event=denied pod={} request={} operation={} reason=\"{}\"", options_.pod_id,
                   request_id_text(request), operation, decision.reason);
      return denied_response(request.id, decision.reason);
    }
    case Verdict::approval_required:
      if (params.approval_id) return run_approved(request, tool, params.args, digest, *params.approval_id);
      return await_approval(request, tool, params.args, digest, decision.reason, params.wait,
                            params.wait_seconds);
    case Verdict::allow:
      break;
  }
  return run_allowed(request, tool, params.args, digest, decision.reason);
}

json ToolProxy::run_approved(const Request& request, const ToolBinding& tool, const json& args,
                             const std::string& digest, const std::string& approval_id) {
  const std::string operation(policy::to_string(tool.operation));
  const auto snapshot = approvals_.get(approval_id);
  std::string refusal;
  if (!snapshot) {
    refusal = "approval " + approval_id + " does not exist";
  } else if (snapshot->request.pod != options_.pod_id || snapshot->request.operation != operation ||
             snapshot->request.args_digest != digest) {
    refusal = "approval " + approval_id + " was granted for another operation or other arguments";
  } else if (snapshot->status != ApprovalStatus::approved) {
    refusal = "approval " + approval_id + " is " + std::string(to_string(snapshot->status)) + ", not approved";
  } else if (auto consumed = approvals_.consume(approval_id); !consumed.ok()) {
    refusal = consumed.error();
  }
  if (!refusal.empty()) {
    if (auto failed = audit(request, "call", operation, digest, AuditDecision::deny, refusal)) return *failed;
    return denied_response(request.id, refusal);
  }
  return run_allowed(request, tool, args, digest, "approved by approval " + approval_id);
}

}  // namespace nucleus::proxy
