#include "node/pod_tools.h"

#include <thread>

#include "node/wait_slots.h"

#include <spdlog/spdlog.h>

#include "node/proxy_client.h"
#include "proxy/approval_token.h"
#include "proxy/key_file.h"

namespace nucleus::node {

using nlohmann::json;

namespace {

// A blocking call may wait for an approval or run a long command.
constexpr std::chrono::hours kCallTimeout{1};
constexpr std::chrono::seconds kAdminTimeout{30};

HttpReply from_error(const ApiError& error) { return {error.status, error_body(error.code, error.message)}; }

// Sends one request to the pod's proxy; an HttpReply on any failure.
std::variant<json, HttpReply> request(PodManager& pods, const std::string& id, const std::string& method,
                                      const json& params, std::chrono::milliseconds timeout) {
  auto fd = pods.connect(id);
  if (auto* error = std::get_if<ApiError>(&fd)) return from_error(*error);
  auto reply = proxy_request(std::get<UniqueFd>(fd).get(), method, params, timeout);
  if (!reply) {
    spdlog::error("event=proxy_request_failed pod={} method={} error=\"{}\"", id, method, reply.error());
    return HttpReply{502, error_body("proxy_failed", "the pod's tool proxy failed: " + reply.error())};
  }
  return std::move(reply).value();
}

std::string tool_of(const std::string& operation) {
  static const std::map<std::string, std::string> kTools = {
      {"read_files", "read"},        {"write_files", "write"},   {"edit_files", "edit"},
      {"glob_search", "glob"},       {"grep_search", "grep"},    {"run_bash", "run"},
      {"web_fetch", "web_fetch"},    {"web_search", "web_search"}, {"git_commit", "git_commit"},
      {"git_push", "git_push"},      {"create_pr", "create_pr"}};
  const auto it = kTools.find(operation);
  return it == kTools.end() ? operation : it->second;
}

// The pending approval `approval_id` from approvals.list, or an HttpReply.
std::variant<json, HttpReply> find_pending(PodManager& pods, const std::string& id, const std::string& approval_id) {
  auto listed = request(pods, id, "approvals.list", json::object(), kAdminTimeout);
  if (auto* failed = std::get_if<HttpReply>(&listed)) return *failed;
  const json& reply = std::get<json>(listed);
  if (reply.value("status", "") == "ok") {
    for (const json& pending : reply["result"].value("approvals", json::array())) {
      if (pending.value("approval_id", "") == approval_id) return pending;
    }
  }
  return HttpReply{404, error_body("approval_not_found",
                                   "no pending approval \"" + approval_id + "\" on pod " + id)};
}

}  // namespace

HttpReply call_tool(PodManager& pods, Metrics& metrics, const std::string& id, const std::string& tool,
                    const json& args, bool wait, const std::string& approval_id) {
  json params = {{"tool", tool}, {"args", args}};
  if (!wait) params["wait"] = false;
  if (!approval_id.empty()) params["approval_id"] = approval_id;
  const auto started = std::chrono::steady_clock::now();
  auto sent = request(pods, id, "call", params, kCallTimeout);
  if (auto* failed = std::get_if<HttpReply>(&sent)) return *failed;
  const json& reply = std::get<json>(sent);
  const std::string decision = decision_label(reply);
  metrics.record_call(tool, decision, std::chrono::steady_clock::now() - started);
  if (decision == "deny") {
    spdlog::warn("event=tool_denied pod={} tool={} decision=deny reason=\"{}\"", id, tool, reply.value("reason", ""));
  } else {
    spdlog::info("event=tool_call pod={} tool={} decision={}", id, tool, decision);
  }
  return map_call_reply(reply);
}

Result<bool> approval_pending(PodManager& pods, const std::string& id, const std::string& approval_id) {
  const HttpReply listed = list_approvals(pods, id);
  if (listed.status != 200) return make_error("listing the approvals of pod " + id + " failed: " + listed.body.dump());
  for (const json& approval : listed.body.value("approvals", json::array())) {
    if (approval.value("approval_id", "") == approval_id) return true;
  }
  return false;
}

HttpReply call_tool_and_wait(PodManager& pods, Metrics& metrics, const std::string& id, const std::string& tool,
                             const json& args, const std::string& approval_id) {
  HttpReply first = call_tool(pods, metrics, id, tool, args, /*wait=*/false, approval_id);
  if (first.status != 202) return first;
  const std::string pending_id = first.body.value("approval_id", "");
  auto slot = acquire_wait_slot();
  if (!slot) {
    static_cast<void>(withdraw_approval(pods, id, pending_id));
    spdlog::warn("event=tool_call_rejected pod={} tool={} reason=\"{} calls already wait\"", id, tool,
                 kMaxWaitingCalls);
    return {503, error_body("too_many_waiting_calls",
                            "the node already runs " + std::to_string(kMaxWaitingCalls) +
                                " tool calls that wait for approval; retry later or pass wait=false")};
  }
  const auto deadline = std::chrono::steady_clock::now() + kToolRouteWait;
  // A failed listing means the pod ended; the approved call then reports why.
  while (true) {
    const auto pending = approval_pending(pods, id, pending_id);
    if (!pending.ok() || !*pending) break;
    if (std::chrono::steady_clock::now() >= deadline) return first;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return call_tool(pods, metrics, id, tool, args, /*wait=*/false, pending_id);
}

HttpReply list_approvals(PodManager& pods, const std::string& id) {
  auto listed = request(pods, id, "approvals.list", json::object(), kAdminTimeout);
  if (auto* failed = std::get_if<HttpReply>(&listed)) return *failed;
  const json& reply = std::get<json>(listed);
  if (reply.value("status", "") != "ok") return map_call_reply(reply);
  json approvals = json::array();
  for (const json& pending : reply["result"].value("approvals", json::array())) {
    const std::string operation = pending.value("operation", "");
    approvals.push_back({{"approval_id", pending.value("approval_id", "")},
                         {"tool", tool_of(operation)},
                         {"operation", operation},
                         {"args", pending.value("arguments", json::object())},
                         {"reason", pending.value("reason", "")},
                         {"created", pending.value("created_at", "")},
                         {"expires", pending.value("expires_at", "")}});
  }
  return {200, {{"approvals", std::move(approvals)}}};
}

HttpReply decide_approval(PodManager& pods, const std::string& id, const std::string& approval_id,
                          const std::string& decision) {
  if (decision != "approve" && decision != "deny") {
    return {400, error_body("invalid_decision", "\"decision\" must be \"approve\" or \"deny\"")};
  }
  auto pending = find_pending(pods, id, approval_id);
  if (auto* failed = std::get_if<HttpReply>(&pending)) return *failed;
  const json& request_json = std::get<json>(pending);

  auto paths = pods.paths(id);
  if (auto* error = std::get_if<ApiError>(&paths)) return from_error(*error);
  auto key_bytes = proxy::read_secret_file(std::get<sandbox::Paths>(paths).run_dir + "/approver.key");
  if (!key_bytes) {
    spdlog::error("event=approver_key_failed pod={} error=\"{}\"", id, key_bytes.error());
    return {500, error_body("approver_key_unavailable", key_bytes.error())};
  }
  auto key = proxy::SecretKey::from_bytes(std::move(key_bytes).value());
  if (!key) return {500, error_body("approver_key_unavailable", key.error())};

  proxy::ApprovalClaims claims;
  claims.subject = {approval_id, id, request_json.value("operation", ""), request_json.value("args_digest", "")};
  claims.decision = decision == "approve" ? proxy::ApprovalDecision::approve : proxy::ApprovalDecision::deny;
  claims.expires_at = std::chrono::system_clock::now() + std::chrono::minutes(5);
  const std::string token = proxy::sign_approval_token(claims, *key);

  auto decided = request(pods, id, "approvals.decide", {{"approval_id", approval_id}, {"token", token}}, kAdminTimeout);
  if (auto* failed = std::get_if<HttpReply>(&decided)) return *failed;
  const json& reply = std::get<json>(decided);
  if (reply.value("status", "") != "ok") {
    spdlog::error("event=approval_decide_failed pod={} approval={} reply={}", id, approval_id, reply.dump());
    const HttpReply mapped = map_call_reply(reply);
    const std::string message = reply.contains("error") ? reply["error"].value("message", "") : reply.value("reason", "");
    const std::string code = mapped.status == 404 ? "approval_not_found" : "approval_decide_failed";
    return {mapped.status, error_body(code, message)};
  }
  spdlog::info("event=approval_decided pod={} approval={} decision={}", id, approval_id, decision);
  return {200, {{"approval_id", approval_id}, {"decision", decision}}};
}

HttpReply withdraw_approval(PodManager& pods, const std::string& id, const std::string& approval_id) {
  auto withdrawn = request(pods, id, "approvals.withdraw", {{"approval_id", approval_id}}, kAdminTimeout);
  if (auto* failed = std::get_if<HttpReply>(&withdrawn)) return *failed;
  const json& reply = std::get<json>(withdrawn);
  if (reply.value("status", "") != "ok") {
    const HttpReply mapped = map_call_reply(reply);
    const std::string message = reply.contains("error") ? reply["error"].value("message", "") : reply.value("reason", "");
    const std::string code = mapped.status == 404 ? "approval_not_found" : "approval_not_pending";
    spdlog::warn("event=approval_withdraw_failed pod={} approval={} error=\"{}\"", id, approval_id, message);
    return {mapped.status, error_body(code, message)};
  }
  spdlog::info("event=approval_withdrawn pod={} approval={}", id, approval_id);
  return {200, {{"approval_id", approval_id}, {"decision", "withdrawn"}}};
}

std::optional<json> query_status(PodManager& pods, const std::string& id) {
  auto fd = pods.connect(id);
  if (!std::holds_alternative<UniqueFd>(fd)) return std::nullopt;
  auto reply = proxy_request(std::get<UniqueFd>(fd).get(), "status", json::object(), std::chrono::seconds(2));
  if (!reply || reply->value("status", "") != "ok") return std::nullopt;
  return (*reply)["result"];
}

}  // namespace nucleus::node
