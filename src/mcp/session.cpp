#include "mcp/session.h"

#include <algorithm>
#include <array>
#include <thread>

#include <spdlog/spdlog.h>

#include "mcp/tool_catalog.h"

namespace nucleus::mcp {

using nlohmann::json;

namespace {

// RFC 5424 severities, lowest first, as MCP's logging/setLevel names them.
constexpr std::array<std::string_view, 8> kLogLevels = {"debug",    "info",  "notice", "warning",
                                                        "error",    "critical", "alert", "emergency"};

int log_level_index(std::string_view level) {
  const auto* found = std::find(kLogLevels.begin(), kLogLevels.end(), level);
  return found == kLogLevels.end() ? -1 : static_cast<int>(found - kLogLevels.begin());
}

json text_content(std::string text) { return json::array({{{"type", "text"}, {"text", std::move(text)}}}); }

std::string dump(const json& value, int indent = -1) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> versions = {kProtocolVersion, "2025-03-26", "2024-11-05"};
  return versions;
}

json call_tool_result(const json& reply) {
  const std::string status = reply.value("status", "");
  if (status == "ok") {
    const json result = reply.value("result", json::object());
    json out = {{"content", text_content(dump(result, 2))}, {"isError", false}};
    if (result.is_object()) out["structuredContent"] = result;
    return out;
  }
  std::string text;
  if (status == "denied") {
    text = "Denied by the pod's permission policy: " + reply.value("reason", std::string("no reason given"));
  } else if (status == "approval_required") {
    text = "The call needs a human approval (" + reply.value("approval_id", std::string("?")) +
           ") that was not granted: " + reply.value("reason", std::string(""));
  } else {
    const json error = reply.value("error", json::object());
    text = "The tool failed (" + error.value("kind", std::string("failed")) +
           "): " + error.value("message", std::string("no message"));
  }
  return {{"content", text_content(std::move(text))}, {"isError", true}};
}

Session::Session(ToolBackend& backend, SessionOptions options) : backend_(backend), options_(std::move(options)) {}

std::string Session::protocol_version() const {
  std::lock_guard lock(mutex_);
  return protocol_version_;
}

void Session::handle(const Message& message, const Sender& send, const CallContext& context) {
  switch (message.kind) {
    case MessageKind::invalid:
      send(message.error);
      return;
    case MessageKind::response:
      return;  // this server sends no requests, so there is nothing to match
    case MessageKind::notification:
      handle_notification(message);
      return;
    case MessageKind::request:
      handle_request(message, send, context);
      return;
  }
}

void Session::handle_notification(const Message& message) {
  if (message.method == "notifications/cancelled") {
    const json id = message.params.value("requestId", json());
    const json reason = message.params.value("reason", json(""));
    spdlog::info("event=mcp_cancelled pod={} request={} reason={}", options_.pod_id, dump(id), dump(reason));
    cancel(id);
  }
  // notifications/initialized and unknown notifications need no response.
}

void Session::handle_request(const Message& message, const Sender& send, const CallContext& context) {
  const std::string& method = message.method;
  if (method == "ping") return send(result_response(message.id, json::object()));
  if (method == "initialize") {
    if (initialized_) return send(error_response(message.id, kInvalidRequest, "the session is already initialized"));
    json result = initialize(message);
    if (result.contains("error")) return send(result);
    initialized_ = true;
    return send(result);
  }
  if (!initialized_) {
    return send(error_response(message.id, kInvalidRequest, "the session is not initialized: send initialize first"));
  }
  if (method == "tools/list") return send(list_tools_result(message));
  if (method == "logging/setLevel") {
    const int index = log_level_index(message.params.value("level", std::string()));
    if (index < 0) {
      return send(error_response(message.id, kInvalidParams,
                                 "level must be one of debug, info, notice, warning, error, critical, alert, "
                                 "emergency"));
    }
    {
      std::lock_guard lock(mutex_);
      log_threshold_ = index;
    }
    return send(result_response(message.id, json::object()));
  }
  if (method == "tools/call") {
    auto flight = begin(message.id);
    if (!flight) return send(error_response(message.id, kInvalidRequest, "a request with this id is already running"));
    call_tool(message, flight, send, context);
    end(message.id);
    return;
  }
  send(error_response(message.id, kMethodNotFound, "Method not found: " + method));
}

json Session::initialize(const Message& message) {
  const json requested = message.params.value("protocolVersion", json());
  if (!requested.is_string()) {
    return error_response(message.id, kInvalidParams, "initialize needs params.protocolVersion as a string");
  }
  const auto& versions = supported_protocol_versions();
  const std::string wanted = requested.get<std::string>();
  const std::string chosen =
      std::find(versions.begin(), versions.end(), wanted) != versions.end() ? wanted : kProtocolVersion;
  {
    std::lock_guard lock(mutex_);
    protocol_version_ = chosen;
  }
  const json client = message.params.value("clientInfo", json::object());
  spdlog::info("event=mcp_initialize pod={} client={} client_version={} requested={} protocol={}",
               options_.pod_id, dump(client.value("name", json(""))), dump(client.value("version", json(""))),
               wanted, chosen);
  return result_response(
      message.id,
      {{"protocolVersion", chosen},
       {"capabilities", {{"tools", {{"listChanged", false}}}, {"logging", json::object()}}},
       {"serverInfo", {{"name", "nucleus"}, {"title", "Nucleus tool proxy"}, {"version", options_.server_version}}},
       {"instructions",
        "Every tool runs inside the sandbox of pod " + options_.pod_id +
            " under its permission policy. A denied call returns isError with the reason; some calls wait for "
            "a human approval before they run."}});
}

json Session::list_tools_result(const Message& message) {
  if (message.params.contains("cursor")) {
    return error_response(message.id, kInvalidParams, "unknown cursor: the tool list has a single page");
  }
  auto policy = backend_.policy();
  if (!policy.ok()) return error_response(message.id, kInternalError, "reading the pod's policy failed: " + policy.error());
  return result_response(message.id, {{"tools", list_tools(*policy)}});
}

void Session::call_tool(const Message& message, const std::shared_ptr<InFlight>& flight, const Sender& send,
                        const CallContext& context) {
  const json name = message.params.value("name", json());
  if (!name.is_string()) return send(error_response(message.id, kInvalidParams, "tools/call needs params.name"));
  const std::string tool = name.get<std::string>();
  if (!find_tool(tool)) return send(error_response(message.id, kInvalidParams, "Unknown tool: " + tool));
  const json args = message.params.value("arguments", json::object());
  if (!args.is_object()) {
    return send(error_response(message.id, kInvalidParams, "params.arguments must be a JSON object"));
  }
  auto reply = backend_.call(tool, args, "");
  if (!reply.ok()) return send(error_response(message.id, kInternalError, "the tool call failed: " + reply.error()));
  json final_reply = *reply;
  if (final_reply.value("status", "") == "approval_required" && !context.can_wait) {
    withdraw(message, final_reply.value("approval_id", ""), "the client cannot wait");
    final_reply = {{"status", "denied"},
                   {"reason", "the call needs a human approval (" + final_reply.value("reason", std::string()) +
                                  "), and this client cannot wait for one: send \"Accept: application/json, "
                                  "text/event-stream\" so that the reply can stream while the call waits"}};
  } else if (final_reply.value("status", "") == "approval_required") {
    std::shared_ptr<void> slot;
    if (context.acquire_wait_slot && !(slot = context.acquire_wait_slot())) {
      withdraw(message, final_reply.value("approval_id", ""), "no room for another waiting call");
      return send(result_response(
          message.id, call_tool_result({{"status", "error"},
                                        {"error",
                                         {{"kind", "too_many_waiting_calls"},
                                          {"message", "the node already runs the most calls that wait for approval; "
                                                      "retry once some are decided"}}}})));
    }
    auto approved = await_approval(message, tool, args, final_reply, *flight, send, context);
    if (!approved) return;  // cancelled: the client expects no response
    final_reply = std::move(*approved);
  }
  spdlog::info("event=mcp_call pod={} request={} tool={} decision={}", options_.pod_id, dump(message.id), tool,
               final_reply.value("status", "unknown"));
  send(result_response(message.id, call_tool_result(final_reply)));
}

std::optional<json> Session::await_approval(const Message& message, const std::string& tool, const json& args,
                                            const json& first_reply, InFlight& flight, const Sender& send,
                                            const CallContext& context) {
  const std::string approval_id = first_reply.value("approval_id", "");
  const json progress_token = message.params.value("_meta", json::object()).value("progressToken", json());
  const auto started = std::chrono::steady_clock::now();
  log(send, "notice",
      {{"event", "approval_required"}, {"tool", tool}, {"approval_id", approval_id},
       {"reason", first_reply.value("reason", "")},
       {"message", "waiting for a human to approve " + tool + " (approval " + approval_id + ")"}});
  auto next_progress = started;
  int progress = 0;
  const auto client_gone = [&] { return context.client_alive && !context.client_alive(); };
  while (true) {
    if (flight.cancelled) {
      withdraw(message, approval_id, "the client cancelled the call");
      return std::nullopt;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_progress) {
      next_progress = now + options_.progress_interval;
      if (client_gone()) {
        withdraw(message, approval_id, "the client went away");
        return std::nullopt;
      }
      if (progress_token.is_string() || progress_token.is_number_integer()) {
        const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
        send(notification("notifications/progress",
                          {{"progressToken", progress_token},
                           {"progress", ++progress},
                           {"message", "waiting for approval " + approval_id + " (" + std::to_string(waited) + " s)"}}));
      }
    }
    auto pending = backend_.approval_pending(approval_id);
    if (!pending.ok()) return json{{"status", "error"}, {"error", {{"kind", "failed"}, {"message", pending.error()}}}};
    if (!*pending) break;
    std::this_thread::sleep_for(options_.poll_interval);
  }
  // A client that left while the approver decided does not get the call run.
  if (flight.cancelled || client_gone()) {
    spdlog::info("event=mcp_approved_call_dropped pod={} request={} approval={}", options_.pod_id, dump(message.id),
                 approval_id);
    return std::nullopt;
  }
  auto reply = backend_.call(tool, args, approval_id);
  if (!reply.ok()) return json{{"status", "error"}, {"error", {{"kind", "failed"}, {"message", reply.error()}}}};
  log(send, reply->value("status", "") == "ok" ? "info" : "warning",
      {{"event", "approval_decided"}, {"tool", tool}, {"approval_id", approval_id},
       {"status", reply->value("status", "")}});
  return *reply;
}

void Session::withdraw(const Message& message, const std::string& approval_id, std::string_view why) {
  auto withdrawn = backend_.withdraw(approval_id);
  if (withdrawn.ok()) {
    spdlog::info("event=mcp_approval_withdrawn pod={} request={} approval={} reason=\"{}\"", options_.pod_id,
                 dump(message.id), approval_id, why);
  } else {
    spdlog::warn("event=mcp_withdraw_failed pod={} request={} approval={} reason=\"{}\" error=\"{}\"",
                 options_.pod_id, dump(message.id), approval_id, why, withdrawn.error());
  }
}

void Session::log(const Sender& send, std::string_view level, json data) {
  {
    std::lock_guard lock(mutex_);
    if (log_level_index(level) < log_threshold_) return;
  }
  send(notification("notifications/message", {{"level", level}, {"logger", "nucleus"}, {"data", std::move(data)}}));
}

std::shared_ptr<Session::InFlight> Session::begin(const json& id) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = in_flight_.try_emplace(id_key(id), std::make_shared<InFlight>());
  if (!inserted) return nullptr;
  // A call whose thread starts after the transport closed is cancelled too.
  if (closed_) it->second->cancelled = true;
  return it->second;
}

void Session::end(const json& id) {
  std::lock_guard lock(mutex_);
  in_flight_.erase(id_key(id));
}

void Session::cancel(const json& id) {
  std::lock_guard lock(mutex_);
  if (auto found = in_flight_.find(id_key(id)); found != in_flight_.end()) found->second->cancelled = true;
}

void Session::cancel_all() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& [key, flight] : in_flight_) flight->cancelled = true;
}

}  // namespace nucleus::mcp
