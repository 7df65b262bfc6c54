// ToolProxy: waiting for approvals and running allowed calls.
#include <spdlog/spdlog.h>

#include "proxy/tool_proxy.h"

namespace nucleus::proxy {

using nlohmann::json;

namespace {

// Cost of `elapsed` at `per_second`, computed on whole milliseconds and
// rounded up to a whole nanodollar; saturates instead of overflowing.
policy::Decimal time_cost(policy::Decimal per_second, std::chrono::nanoseconds elapsed) {
  const auto millis = std::chrono::ceil<std::chrono::milliseconds>(elapsed).count();
  std::int64_t product = 0;
  if (__builtin_mul_overflow(per_second.nanos(), millis, &product)) {
    return policy::Decimal::from_nanos(INT64_MAX);
  }
  return policy::Decimal::from_nanos(product / 1000 + (product % 1000 != 0 ? 1 : 0));
}

}  // namespace

json ToolProxy::await_approval(const Request& request, const ToolBinding& tool, const json& args,
                               const std::string& digest, const std::string& reason, bool wait,
                               std::optional<std::chrono::seconds> wait_seconds) {
  const std::string operation(policy::to_string(tool.operation));
  auto pending = approvals_.create(options_.pod_id, operation, digest, reason, args, options_.approval_ttl);
  if (!pending.ok()) {
    if (auto failed = audit(request, "call", operation, digest, AuditDecision::deny, pending.error())) return *failed;
    return denied_response(request.id, pending.error());
  }
  const std::string id = pending->id;
  if (auto failed = audit(request, "approval_requested", operation, digest, AuditDecision::approval_required,
                          reason, {{"approval_id", id}})) {
    return *failed;
  }
  spdlog::info("event=approval_requested pod={} request={} operation={} approval={} reason=\"{}\"",
               options_.pod_id, request_id_text(request), operation, id, reason);
  if (!wait) return approval_response(request.id, id, reason);

  const auto limit = std::min(wait_seconds.value_or(options_.default_approval_wait), options_.approval_ttl);
  switch (approvals_.wait(id, std::chrono::duration_cast<std::chrono::milliseconds>(limit))) {
    case WaitOutcome::approved: {
      auto consumed = approvals_.consume(id);
      if (!consumed.ok()) return denied_response(request.id, consumed.error());
      return run_allowed(request, tool, args, digest, "approved by approval " + id);
    }
    case WaitOutcome::denied:
      return denied_response(request.id, "the approver denied approval " + id + " (" + reason + ")");
    case WaitOutcome::expired:
    case WaitOutcome::not_found:
      return denied_response(request.id, "approval " + id + " expired before anyone decided");
    case WaitOutcome::timed_out:
      break;
  }
  return approval_response(request.id, id,
                           reason + "; still waiting for a decision, call again with approval_id " + id);
}

json ToolProxy::run_allowed(const Request& request, const ToolBinding& tool, const json& args,
                            const std::string& digest, const std::string& reason) {
  const std::string operation(policy::to_string(tool.operation));
  if (auto refused = budget_.charge_cost(options_.cost.base)) {
    if (auto failed = audit(request, "budget_refused", operation, digest, AuditDecision::deny, *refused)) {
      return *failed;
    }
    spdlog::warn("event=denied pod={} request={} operation={} reason=\"{}\"", options_.pod_id,
                 request_id_text(request), operation, *refused);
    return denied_response(request.id, *refused);
  }

  const auto started = std::chrono::steady_clock::now();
  ToolResult result = tool.run(args);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  const policy::Decimal charged =
      *options_.cost.base.checked_add(budget_.charge_up_to(time_cost(options_.cost.per_second, elapsed)));
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();

  if (auto* error = std::get_if<ToolError>(&result)) {
    if (auto failed = audit(request, "call", operation, digest, AuditDecision::error, error->message,
                            {{"error", to_string(error->kind)}, {"cost_usd", charged.to_string()},
                             {"duration_ms", millis}})) {
      return *failed;
    }
    spdlog::info("event=call pod={} request={} operation={} decision=error kind={} duration_ms={}",
                 options_.pod_id, request_id_text(request), operation, to_string(error->kind), millis);
    return error_response(request.id, *error);
  }

  json& body = std::get<json>(result);
  json summary = tool.summarize ? tool.summarize(body) : json::object();
  summary["cost_usd"] = charged.to_string();
  summary["duration_ms"] = millis;
  if (auto failed = audit(request, "call", operation, digest, AuditDecision::allow, reason, std::move(summary))) {
    return *failed;
  }
  spdlog::info("event=call pod={} request={} operation={} decision=allow duration_ms={}", options_.pod_id,
               request_id_text(request), operation, millis);
  return ok_response(request.id, std::move(body));
}

}  // namespace nucleus::proxy
