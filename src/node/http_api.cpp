// Routes of the HTTP API: pods, logs, audit, workspace, tools, approvals,
// health and metrics.
#include "node/http_api.h"
#include "common/file_text.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "proxy/audit_verify.h"
#include "proxy/key_file.h"

#include "node/pod_tools.h"
#include "node/tool_reply.h"
#include "node/workspace_tar.h"

namespace nucleus::node {

using nlohmann::json;

namespace {

constexpr const char* kPodPath = R"(/v1/pods/([a-z0-9-]{1,64}))";
constexpr std::size_t kMaxJsonBodyBytes = 1 << 20;

void send_json(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& response, int status, std::string_view code, std::string_view message) {
  send_json(response, status, error_body(code, message));
}

void send_pod_not_found(httplib::Response& response, const std::string& id) {
  send_error(response, 404, "pod_not_found", "no pod with id \"" + id + "\" on this node");
}

std::string media_type(const httplib::Request& request) {
  std::string type = request.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

// Reads the whole body into `body`; false when it exceeds `max_bytes`.
bool read_body(const httplib::ContentReader& reader, std::size_t max_bytes, std::string& body) {
  bool too_large = false;
  reader([&](const char* data, std::size_t size) {
    if (body.size() + size > max_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  return !too_large;
}


void reply(httplib::Response& response, const HttpReply& result) { send_json(response, result.status, result.body); }

// The sandbox's agent user on the host, which owns the workspace.
uid_t agent_uid(const sandbox::Paths& paths) { return static_cast<uid_t>(paths.host_uid + 1000); }

// The Content-Length value; an unparsable one counts as unlimited.
std::uint64_t declared_length(const httplib::Request& request) {
  const std::string text = request.get_header_value("Content-Length");
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    return UINT64_MAX;
  }
  return std::stoull(text);
}

void install_auth(httplib::Server& server, const HttpApiOptions& options) {
  server.set_pre_routing_handler([options](const httplib::Request& request, httplib::Response& response) {
    const std::string authorization = request.get_header_value("Authorization");
    const Role role = authorize(authorization, options.tokens);
    std::optional<std::string> token_pod;
    if (role == Role::none && options.pod_tokens != nullptr && authorization.starts_with("Bearer ")) {
      token_pod = options.pod_tokens->pod_of(std::string_view(authorization).substr(7));
    }
    const bool open_route = route_access(request.method, request.path) == RouteAccess::open;
    if (token_pod && !open_route && !pod_token_allows(*token_pod, request.method, request.path)) {
      spdlog::warn("event=pod_token_out_of_scope pod={} method={} path={}", *token_pod, request.method, request.path);
      send_error(response, 403, "pod_token_scope",
                 "this token belongs to pod " + *token_pod +
                     " and opens only its status, tools, approval list and MCP endpoint");
      return httplib::Server::HandlerResponse::Handled;
    }
    const int status = token_pod ? 0 : access_status(route_access(request.method, request.path), role);
    if (status == 401) {
      spdlog::warn("event=unauthorized method={} path={} remote={}", request.method, request.path, request.remote_addr);
      send_error(response, 401, "unauthorized",
                 "missing or invalid bearer token: send \"Authorization: Bearer TOKEN\" with the token from "
                 "NUCLEUS_NODE_TOKEN or " + options.state_dir + "/tokens/agent");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (status == 403) {
      const bool wants_approver = route_access(request.method, request.path) == RouteAccess::approver;
      send_error(response, 403, wants_approver ? "approver_token_required" : "agent_token_required",
                 wants_approver ? "deciding an approval needs the approver token (NUCLEUS_NODE_APPROVER_TOKEN or " +
                                      options.state_dir + "/tokens/approver)"
                                : std::string("the approver token may only read and decide approvals"));
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool workspace_put = request.method == "PUT" && request.path.ends_with("/workspace");
    const std::size_t limit = workspace_put ? options.max_workspace_bytes : kMaxJsonBodyBytes;
    if (request.has_header("Content-Length") && declared_length(request) > limit) {
      // The body stays unread, so the connection cannot carry another request.
      response.set_header("Connection", "close");
      send_error(response, 413, "payload_too_large",
                 "the request body exceeds the limit of " + std::to_string(limit) + " bytes");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    if (response.status == 404) {
      send_error(response, 404, "not_found", "no route for " + request.method + " " + request.path);
    } else {
      send_error(response, response.status, "http_error", "the request failed with HTTP status " +
                                                               std::to_string(response.status));
    }
  });
  server.set_exception_handler([](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
    std::string description = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      description = e.what();
    } catch (...) {
    }
    spdlog::error("event=request_failed method={} path={} error=\"{}\"", request.method, request.path, description);
    send_error(response, 500, "internal", description);
  });
  server.set_logger([](const httplib::Request& request, const httplib::Response& response) {
    static std::atomic<std::uint64_t> counter{0};
    spdlog::info("event=http request={} method={} path={} status={}", ++counter, request.method, request.path,
                 response.status);
  });
}

void install_pod_routes(httplib::Server& server, PodManager& pods, PodTokens* pod_tokens) {
  server.Post("/v1/pods", [&pods, pod_tokens](const httplib::Request& request, httplib::Response& response,
                                              const httplib::ContentReader& reader) {
    if (!is_pod_content_type(request.get_header_value("Content-Type"))) {
      return send_error(response, 415, "unsupported_media_type",
                        "send the pod spec as application/yaml or application/json");
    }
    std::string body;
    if (!read_body(reader, kMaxPodBodyBytes, body)) {
      return send_error(response, 413, "payload_too_large", "the pod spec exceeds the limit of 1 MiB");
    }
    auto created = pods.create(body);
    if (auto* error = std::get_if<ApiError>(&created)) {
      if (error->status == 400) spdlog::warn("event=pod_rejected reason=\"{}\"", error->message);
      return send_error(response, error->status, error->code, error->message);
    }
    const PodRecord& record = std::get<PodRecord>(created);
    json reply = {{"id", record.id}, {"name", record.name}, {"phase", to_string(record.phase)}};
    if (pod_tokens != nullptr) {
      auto token = pod_tokens->issue(record.id);
      if (!token.ok()) {
        spdlog::error("event=pod_token_failed pod={} error=\"{}\"", record.id, token.error());
        static_cast<void>(pods.remove(record.id));
        return send_error(response, 500, "pod_token_failed", "creating the pod's token failed: " + token.error());
      }
      reply["pod_token"] = *token;
    }
    if (!record.create_warnings.empty()) reply["warnings"] = record.create_warnings;
    for (const auto& warning : record.create_warnings) {
      spdlog::warn("event=pod_body_restored pod={} warning=\"{}\"", record.id, warning);
    }
    send_json(response, 201, reply);
  });
  server.Get("/v1/pods", [&pods](const httplib::Request&, httplib::Response& response) {
    json list = json::array();
    for (const auto& record : pods.list()) list.push_back(to_json(record));
    send_json(response, 200, {{"pods", std::move(list)}});
  });
  server.Get(kPodPath, [&pods](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1];
    auto status = query_status(pods, id);
    if (status) pods.note_spent(id, (*status)["budget_spent"].value("cost_usd", "0"));
    auto record = pods.get(id);
    if (!record) return send_pod_not_found(response, id);
    json body = to_json(*record);
    // A running pod also reports its live policy (which policy.tighten may
    // have narrowed), usage and pending approvals.
    if (status) {
      body["policy"] = (*status)["policy"];
      body["usage"] = (*status)["budget_spent"];
      body["pending_approvals"] = (*status)["pending_approvals"];
    }
    send_json(response, 200, body);
  });
  server.Post(std::string(kPodPath) + "/cancel",
              [&pods](const httplib::Request& request, httplib::Response& response, const httplib::ContentReader&) {
                auto record = pods.cancel(request.matches[1]);
                if (!record) return send_pod_not_found(response, request.matches[1]);
                send_json(response, 200, to_json(*record));
              });
  server.Delete(kPodPath, [&pods, pod_tokens](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1];
    auto removed = pods.remove(id);
    if (!removed) return send_error(response, 500, "delete_failed", removed.error());
    if (!*removed) return send_pod_not_found(response, id);
    if (pod_tokens != nullptr) pod_tokens->revoke(id);
    send_json(response, 200, {{"id", id}, {"deleted", true}});
  });
}

void install_log_routes(httplib::Server& server, PodManager& pods) {
  server.Get(std::string(kPodPath) + "/logs", [&pods](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1];
    auto paths = pods.paths(id);
    if (auto* error = std::get_if<ApiError>(&paths)) return send_error(response, error->status, error->code, error->message);
    const std::string log_file = std::get<sandbox::Paths>(paths).log_file;
    if (request.get_param_value("follow") != "true") return response.set_content(read_file_text(log_file), "text/plain");

    auto stream = std::make_shared<std::ifstream>(log_file, std::ios::binary);
    response.set_chunked_content_provider("text/plain", [&pods, id, stream](std::size_t, httplib::DataSink& sink) {
      char buffer[65536];
      while (sink.is_writable()) {
        stream->clear();
        stream->read(buffer, sizeof(buffer));
        const auto got = static_cast<std::size_t>(stream->gcount());
        if (got > 0) return sink.write(buffer, got);
        auto record = pods.get(id);
        if (!record || is_final(record->phase)) {
          sink.done();
          return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      return false;
    });
  });
  server.Get(std::string(kPodPath) + "/audit", [&pods](const httplib::Request& request, httplib::Response& response) {
    auto paths = pods.paths(request.matches[1]);
    if (auto* error = std::get_if<ApiError>(&paths)) return send_error(response, error->status, error->code, error->message);
    response.set_content(read_file_text(std::get<sandbox::Paths>(paths).audit_log), "application/x-ndjson");
  });
  // Verification with the audit key, which never leaves the node.
  server.Get(std::string(kPodPath) + "/audit/verify", [&pods](const httplib::Request& request,
                                                             httplib::Response& response) {
    auto paths = pods.paths(request.matches[1]);
    if (auto* error = std::get_if<ApiError>(&paths)) return send_error(response, error->status, error->code, error->message);
    const sandbox::Paths& found = std::get<sandbox::Paths>(paths);
    auto key = proxy::load_key_file(found.run_dir + "/audit.key");
    if (!key) return send_error(response, 500, "audit_key_unreadable", key.error());
    const proxy::AuditVerifyReport report = proxy::verify_audit_log(found.audit_log, *key);
    send_json(response, 200,
              {{"ok", report.ok},
               {"records", report.records},
               {"bad_line", report.bad_line},
               {"problem", report.problem},
               {"notes", report.notes},
               {"signatures_checked", true}});
  });
}

void install_workspace_routes(httplib::Server& server, PodManager& pods, std::size_t max_bytes) {
  server.Put(std::string(kPodPath) + "/workspace", [&pods, max_bytes](const httplib::Request& request,
                                                                     httplib::Response& response,
                                                                     const httplib::ContentReader& reader) {
    const std::string id = request.matches[1];
    auto paths = pods.paths(id);
    if (auto* error = std::get_if<ApiError>(&paths)) return send_error(response, error->status, error->code, error->message);
    if (media_type(request) != "application/x-tar") {
      return send_error(response, 415, "unsupported_media_type", "send the workspace as application/x-tar");
    }
    const sandbox::Paths& where = std::get<sandbox::Paths>(paths);
    auto tar = TarProcess::extract(where.workspace, agent_uid(where), agent_uid(where));
    if (!tar) return send_error(response, 500, "tar_failed", tar.error());
    std::size_t total = 0;
    bool too_large = false;
    bool tar_stopped = false;
    reader([&](const char* data, std::size_t size) {
      total += size;
      if (total > max_bytes) {
        too_large = true;
        return false;
      }
      if (!tar_stopped && !tar->write(data, size)) tar_stopped = true;
      return true;
    });
    if (too_large) {
      tar->abort();
      return send_error(response, 413, "payload_too_large",
                        "the archive exceeds the limit of " + std::to_string(max_bytes) + " bytes (--max-workspace-bytes)");
    }
    auto entries = tar->finish();
    if (!entries) {
      spdlog::warn("event=workspace_upload_failed pod={} error=\"{}\"", id, entries.error());
      return send_error(response, 400, "invalid_archive", "extracting the archive failed: " + entries.error());
    }
    spdlog::info("event=workspace_uploaded pod={} entries={} bytes={}", id, *entries, total);
    send_json(response, 200, {{"entries", *entries}});
  });
  server.Get(std::string(kPodPath) + "/workspace", [&pods](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1];
    auto paths = pods.paths(id);
    if (auto* error = std::get_if<ApiError>(&paths)) return send_error(response, error->status, error->code, error->message);
    const sandbox::Paths& where = std::get<sandbox::Paths>(paths);
    auto tar = TarProcess::archive(where.workspace, agent_uid(where), agent_uid(where));
    if (!tar) return send_error(response, 500, "tar_failed", tar.error());
    auto process = std::make_shared<TarProcess>(std::move(tar).value());
    response.set_chunked_content_provider("application/x-tar", [process, id](std::size_t, httplib::DataSink& sink) {
      char buffer[65536];
      const ssize_t got = ::read(process->pipe(), buffer, sizeof(buffer));
      if (got > 0) return sink.write(buffer, static_cast<std::size_t>(got));
      if (auto finished = process->finish(); !finished) {
        spdlog::error("event=workspace_download_failed pod={} error=\"{}\"", id, finished.error());
        return false;
      }
      sink.done();
      return true;
    });
  });
}

void install_tool_routes(httplib::Server& server, PodManager& pods, Metrics& metrics) {
  server.Post(std::string(kPodPath) + R"(/tools/([A-Za-z0-9_.-]{1,64}))",
              [&pods, &metrics](const httplib::Request& request, httplib::Response& response,
                                const httplib::ContentReader& reader) {
                const std::string id = request.matches[1];
                const std::string tool = request.matches[2];
                if (!pods.get(id)) return send_pod_not_found(response, id);
                if (!is_known_tool(tool)) {
                  spdlog::warn("event=tool_denied pod={} tool={} decision=deny reason=\"unknown tool\"", id, tool);
                  return send_error(response, 404, "unknown_tool", "no tool named \"" + tool + "\"");
                }
                // The body is parsed as JSON whatever Content-Type it declares,
                // so "curl -d" (form-encoded by default) works as well.
                std::string body;
                if (!read_body(reader, kMaxJsonBodyBytes, body)) {
                  return send_error(response, 413, "payload_too_large", "the arguments exceed the limit of 1 MiB");
                }
                json args = body.empty() ? json::object() : json::parse(body, nullptr, false);
                if (args.is_discarded() || !args.is_object()) {
                  return send_json(response, 400, {{"status", "error"},
                                                   {"error", {{"kind", "invalid_argument"},
                                                              {"message", "the body must be a JSON object of the tool's arguments"}}}});
                }
                const std::string approval_id = request.get_param_value("approval_id");
                if (request.get_param_value("wait") == "false") {
                  return reply(response, call_tool(pods, metrics, id, tool, args, false, approval_id));
                }
                reply(response, call_tool_and_wait(pods, metrics, id, tool, args, approval_id));
              });
  server.Get(std::string(kPodPath) + "/approvals", [&pods](const httplib::Request& request, httplib::Response& response) {
    reply(response, list_approvals(pods, request.matches[1]));
  });
  // Before the decide route, whose pattern would not match this path anyway.
  server.Post(std::string(kPodPath) + R"(/approvals/([A-Za-z0-9_.-]{1,128})/withdraw)",
              [&pods](const httplib::Request& request, httplib::Response& response, const httplib::ContentReader&) {
                reply(response, withdraw_approval(pods, request.matches[1], request.matches[2]));
              });
  server.Post(std::string(kPodPath) + R"(/approvals/([A-Za-z0-9_.-]{1,128}))",
              [&pods](const httplib::Request& request, httplib::Response& response, const httplib::ContentReader& reader) {
                std::string body;
                if (!read_body(reader, kMaxJsonBodyBytes, body)) {
                  return send_error(response, 413, "payload_too_large", "the body exceeds the limit of 1 MiB");
                }
                const json decision = json::parse(body, nullptr, false);
                if (decision.is_discarded() || !decision.is_object() || !decision.contains("decision") ||
                    !decision["decision"].is_string()) {
                  return send_error(response, 400, "invalid_decision",
                                    "the body must be {\"decision\": \"approve\"} or {\"decision\": \"deny\"}");
                }
                reply(response, decide_approval(pods, request.matches[1], request.matches[2],
                                                decision["decision"].get<std::string>()));
              });
}

void install_node_routes(httplib::Server& server, PodManager& pods, Metrics& metrics, const std::string& driver) {
  server.Get("/v1/health", [&pods, driver](const httplib::Request&, httplib::Response& response) {
    send_json(response, 200, {{"status", "ok"}, {"driver", driver}, {"pods", pods.count()}});
  });
  server.Get("/metrics", [&pods, &metrics](const httplib::Request&, httplib::Response& response) {
    std::map<std::string, std::uint64_t> by_phase;
    for (PodPhase phase : {PodPhase::pending, PodPhase::running, PodPhase::succeeded, PodPhase::failed,
                           PodPhase::terminated}) {
      by_phase[std::string(to_string(phase))] = 0;
    }
    std::uint64_t pending_approvals = 0;
    for (const auto& record : pods.list()) {
      ++by_phase[std::string(to_string(record.phase))];
      if (record.phase != PodPhase::running) continue;
      if (auto status = query_status(pods, record.id)) pending_approvals += status->value("pending_approvals", 0u);
    }
    response.set_content(metrics.render(by_phase, pending_approvals), "text/plain; version=0.0.4");
  });
}

}  // namespace

void install_routes(httplib::Server& server, PodManager& pods, Metrics& metrics, const HttpApiOptions& options) {
  install_auth(server, options);
  install_pod_routes(server, pods, options.pod_tokens);
  install_log_routes(server, pods);
  install_workspace_routes(server, pods, options.max_workspace_bytes);
  install_tool_routes(server, pods, metrics);
  install_node_routes(server, pods, metrics, options.driver_name);
}

}  // namespace nucleus::node
