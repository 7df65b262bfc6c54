#include "node/mcp_route.h"

#include <algorithm>
#include <regex>

#include <spdlog/spdlog.h>

#include "node/wait_slots.h"

namespace nucleus::node {

using nlohmann::json;

namespace {

constexpr const char* kMcpPath = R"(/v1/pods/([a-z0-9-]{1,64})/mcp)";
constexpr std::size_t kMaxMcpBodyBytes = 1 << 20;

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_rpc(httplib::Response& response, int status, const json& message) {
  response.status = status;
  response.set_content(dump(message), "application/json");
}

void send_rpc_error(httplib::Response& response, int status, int code, const std::string& message) {
  send_rpc(response, status, mcp::error_response(nullptr, code, message));
}

bool read_all(const httplib::ContentReader& reader, std::string& body) {
  bool too_large = false;
  reader([&](const char* data, std::size_t size) {
    if (body.size() + size > kMaxMcpBodyBytes) {
      too_large = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  return !too_large;
}

bool accepts_event_stream(const httplib::Request& request) {
  return request.get_header_value("Accept").find("text/event-stream") != std::string::npos;
}

// Runs the request in an event stream: every notification and the final
// response become "event: message" records. A client that goes away
// cancels the call.
void stream_request(httplib::Response& response, std::shared_ptr<McpSessionEntry> entry, mcp::Message message) {
  response.set_header("Cache-Control", "no-cache");
  response.set_chunked_content_provider(
      "text/event-stream", [entry, message = std::move(message)](std::size_t, httplib::DataSink& sink) {
        mcp::Session& session = *entry->session;
        const mcp::Sender send = [&sink, &session, &message](const json& out) {
          const std::string record = "event: message\ndata: " + dump(out) + "\n\n";
          if (!sink.is_writable() || !sink.write(record.data(), record.size())) session.cancel(message.id);
        };
        // An SSE comment, which clients ignore; writing it fails once the
        // client has closed the connection (usually on the second write).
        mcp::CallContext context;
        context.client_alive = [&sink] {
          static constexpr char kComment[] = ": waiting\n\n";
          return sink.is_writable() && sink.write(kComment, sizeof(kComment) - 1);
        };
        // A waiting call keeps this worker thread busy, so waits share the cap.
        context.acquire_wait_slot = acquire_wait_slot;
        session.handle(message, send, context);
        sink.done();
        return true;
      });
}

// Sends the single response a request produces, as application/json.
// A tools/call sent this way cannot wait for an approval, because the
// node could not tell whether the client is still there.
void answer_request(httplib::Response& response, McpSessionEntry& entry, const mcp::Message& message) {
  std::optional<json> reply;
  entry.session->handle(
      message,
      [&reply](const json& out) {
        if (out.contains("id")) reply = out;  // notifications have no place in a JSON reply
      },
      mcp::CallContext{.can_wait = false, .client_alive = {}, .acquire_wait_slot = {}});
  if (!reply) reply = mcp::error_response(message.id, mcp::kInternalError, "the request was cancelled");
  send_rpc(response, 200, *reply);
}

bool has_supported_version(const httplib::Request& request) {
  if (!request.has_header("MCP-Protocol-Version")) return true;  // 2025-03-26 clients do not send it
  const auto& versions = mcp::supported_protocol_versions();
  return std::find(versions.begin(), versions.end(), request.get_header_value("MCP-Protocol-Version")) !=
         versions.end();
}

void handle_post(const httplib::Request& request, httplib::Response& response, const httplib::ContentReader& reader,
                 PodManager& pods, McpSessions& sessions) {
  const std::string pod_id = request.matches[1];
  if (!is_allowed_origin(request.get_header_value("Origin"))) {
    return send_rpc_error(response, 403, mcp::kInvalidRequest, "requests from this Origin are not accepted");
  }
  if (!pods.get(pod_id)) return send_rpc_error(response, 404, mcp::kInvalidRequest, "no pod with id \"" + pod_id + "\"");
  std::string body;
  if (!read_all(reader, body)) {
    return send_rpc_error(response, 413, mcp::kInvalidRequest, "the message exceeds the limit of 1 MiB");
  }
  mcp::Message message = mcp::parse_message(body);
  if (message.kind == mcp::MessageKind::invalid) return send_rpc(response, 400, message.error);

  if (message.kind == mcp::MessageKind::request && message.method == "initialize") {
    if (auto record = pods.get(pod_id); record && record->phase != PodPhase::running) {
      const bool pending = record->phase == PodPhase::pending;
      return send_rpc_error(response, 409, mcp::kInvalidRequest,
                            "pod " + pod_id + " is " + std::string(to_string(record->phase)) + ", not running" +
                                (pending ? "; initialize again once it runs" : "; it will not run again"));
    }
    auto entry = sessions.create(pod_id);
    std::optional<json> reply;
    entry->session->handle(message, [&reply](const json& out) { reply = out; });
    if (!reply || reply->contains("error")) {
      sessions.remove(entry->id, pod_id);
      return send_rpc(response, 400, reply.value_or(json::object()));
    }
    spdlog::info("event=mcp_session_opened pod={} session={}", pod_id, entry->id);
    response.set_header("Mcp-Session-Id", entry->id);
    return send_rpc(response, 200, *reply);
  }

  const std::string session_id = request.get_header_value("Mcp-Session-Id");
  if (session_id.empty()) {
    return send_rpc_error(response, 400, mcp::kInvalidRequest,
                          "missing Mcp-Session-Id header: send initialize first and repeat the id it returns");
  }
  if (!has_supported_version(request)) {
    return send_rpc_error(response, 400, mcp::kInvalidRequest,
                          "unsupported MCP-Protocol-Version \"" + request.get_header_value("MCP-Protocol-Version") +
                              "\"; this server speaks " + mcp::kProtocolVersion);
  }
  auto entry = sessions.find(session_id, pod_id);
  if (!entry) return send_rpc_error(response, 404, mcp::kInvalidRequest, "unknown or closed MCP session; initialize again");

  if (message.kind != mcp::MessageKind::request) {
    entry->session->handle(message, [](const json&) {});
    response.status = 202;
    return;
  }
  if (message.method == "tools/call" && accepts_event_stream(request)) {
    return stream_request(response, std::move(entry), std::move(message));
  }
  answer_request(response, *entry, message);
}

}  // namespace

bool is_allowed_origin(const std::string& origin) {
  if (origin.empty()) return true;
  static const std::regex kLoopback(
      R"(https?://(localhost|127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|\[::1\])(:[0-9]{1,5})?)", std::regex::icase);
  return std::regex_match(origin, kLoopback);
}

void install_mcp_routes(httplib::Server& server, PodManager& pods, McpSessions& sessions) {
  server.Post(kMcpPath, [&pods, &sessions](const httplib::Request& request, httplib::Response& response,
                                           const httplib::ContentReader& reader) {
    handle_post(request, response, reader, pods, sessions);
  });
  server.Get(kMcpPath, [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Allow", "POST, DELETE");
    send_rpc_error(response, 405, mcp::kInvalidRequest,
                   "this server opens no server-to-client stream; POST messages instead");
  });
  server.Delete(kMcpPath, [&sessions](const httplib::Request& request, httplib::Response& response) {
    const std::string session_id = request.get_header_value("Mcp-Session-Id");
    if (session_id.empty()) return send_rpc_error(response, 400, mcp::kInvalidRequest, "missing Mcp-Session-Id header");
    if (!sessions.remove(session_id, request.matches[1])) {
      return send_rpc_error(response, 404, mcp::kInvalidRequest, "unknown or closed MCP session");
    }
    spdlog::info("event=mcp_session_closed pod={} session={}", std::string(request.matches[1]), session_id);
    response.status = 204;
  });
}

}  // namespace nucleus::node
