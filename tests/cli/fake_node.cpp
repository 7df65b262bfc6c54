#include "fake_node.h"

#include <algorithm>
#include <httplib.h>

#include <stdexcept>

namespace nucleus::cli::testing {

using nlohmann::json;

struct FakeNode::State {
  mutable std::mutex mutex;
  std::map<std::string, json> pods;
  std::map<std::string, int> pending_polls;
  int default_pending_polls = 2;
  int next_id = 1;
  std::map<std::string, std::vector<std::string>> logs;
  std::map<std::string, std::string> audit;
  std::map<std::string, std::string> audit_problem;  // pod -> what the node's verification reports
  std::map<std::string, std::string> workspaces;
  std::map<std::string, ToolScript> tools;
  std::map<std::string, json> approvals;  // pod -> array
  json decisions = json::array();
  std::vector<NodeRequest> requests;
};

namespace {

json default_status(const std::string& id) {
  json capabilities = json::object();
  for (const char* op : {"read_files", "write_files", "edit_files", "run_bash", "glob_search", "grep_search",
                         "web_search", "web_fetch", "git_commit", "git_push", "create_pr"}) {
    capabilities[op] = "never";
  }
  capabilities["read_files"] = "always";
  return {{"id", id},
          {"name", "pod-" + id},
          {"phase", "running"},
          {"reason", ""},
          {"created", "2026-01-01T00:00:00Z"},
          {"deadline", nullptr},
          {"driver", "namespace"},
          {"policy_checksum", std::string(64, 'a')},
          {"profile", "fix-issue"},
          {"capabilities", capabilities},
          {"budget", {{"spent_usd", "0.0123"}, {"max_cost_usd", "5.00"}}},
          {"work_dir", "/workspace"}};
}

void send_error(httplib::Response& response, int status, const std::string& code, const std::string& message) {
  response.status = status;
  response.set_content(json{{"error", {{"code", code}, {"message", message}}}}.dump(), "application/json");
}

void send_json(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

std::string media_type(const httplib::Request& request) {
  std::string value = request.get_header_value("Content-Type");
  return value.substr(0, value.find(';'));
}

// Counts the members of a ustar archive by walking its 512-byte headers.
int count_tar_entries(const std::string& tar) {
  int entries = 0;
  std::size_t at = 0;
  while (at + 512 <= tar.size() && tar[at] != '\0') {
    const std::size_t size = std::stoul(tar.substr(at + 124, 12).c_str(), nullptr, 8);
    ++entries;
    at += 512 + (size + 511) / 512 * 512;
  }
  return entries;
}

}  // namespace

FakeNode::FakeNode() : server_(std::make_unique<httplib::Server>()), state_(std::make_unique<State>()) {
  install_routes();
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("FakeNode: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // bind_to_any_port already listens, so early connections wait in the backlog.
}

FakeNode::~FakeNode() {
  server_->stop();
  thread_.join();
}

std::string FakeNode::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeNode::install_routes() {
  httplib::Server& server = *server_;
  State& state = *state_;

  // Records the request and checks the bearer token. Returns false after
  // writing a 401 or 403. `decide` routes need the approver token.
  auto admit = [&state](const httplib::Request& request, httplib::Response& response, bool decide) {
    const std::lock_guard lock(state.mutex);
    std::string query;
    for (const auto& [name, value] : request.params) query += (query.empty() ? "" : "&") + name + "=" + value;
    state.requests.push_back({request.method, request.path, request.target, query, request.get_header_value("Authorization"),
                              request.get_header_value("Content-Type"), request.body});
    const std::string authorization = request.get_header_value("Authorization");
    const bool agent = authorization == std::string("Bearer ") + kAgentToken;
    const bool approver = authorization == std::string("Bearer ") + kApproverToken;
    if (!agent && !approver) {
      send_error(response, 401, "unauthorized",
                 "missing or invalid bearer token; it is in NUCLEUS_NODE_TOKEN or STATE_DIR/tokens/agent");
      return false;
    }
    if (decide && !approver) {
      send_error(response, 403, "approver_token_required", "deciding approvals needs the approver token");
      return false;
    }
    if (!decide && approver && request.method != "GET") {
      send_error(response, 403, "agent_token_required", "the approver token can only read and decide");
      return false;
    }
    return true;
  };

  server.Get("/v1/health", [&state](const httplib::Request&, httplib::Response& response) {
    const std::lock_guard lock(state.mutex);
    send_json(response, 200, {{"status", "ok"}, {"driver", "namespace"}, {"pods", state.pods.size()}});
  });

  server.Post("/v1/pods", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::string type = media_type(request);
    if (type != "application/yaml" && type != "application/json") {
      return send_error(response, 415, "unsupported_media_type", "send application/yaml or application/json");
    }
    if (request.body.size() > 1024 * 1024) return send_error(response, 413, "too_large", "spec over 1 MiB");
    if (request.body.find("kind:") == std::string::npos && request.body.find("\"kind\"") == std::string::npos) {
      return send_error(response, 400, "invalid_spec", "spec.yaml:1:1: missing field kind");
    }
    const std::lock_guard lock(state.mutex);
    const std::string id = "p" + std::to_string(state.next_id++);
    json status = default_status(id);
    status["phase"] = "pending";
    state.pods[id] = status;
    state.pending_polls[id] = state.default_pending_polls;
    send_json(response, 201, {{"id", id}, {"name", status["name"]}, {"phase", "pending"}});
  });

  server.Get("/v1/pods", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    json pods = json::array();
    for (const auto& entry : state.pods) pods.push_back(entry.second);
    send_json(response, 200, {{"pods", pods}});
  });

  server.Get(R"(/v1/pods/([^/]+))", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    json& status = state.pods[id];
    if (status["phase"] == "pending" && --state.pending_polls[id] <= 0) status["phase"] = "running";
    send_json(response, 200, status);
  });

  server.Delete(R"(/v1/pods/([^/]+))", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.erase(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    send_json(response, 200, {{"id", id}, {"deleted", true}});
  });

  server.Post(R"(/v1/pods/([^/]+)/cancel)", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    state.pods[id]["phase"] = "terminated";
    state.pods[id]["reason"] = "cancelled";
    send_json(response, 200, state.pods[id]);
  });

  server.Get(R"(/v1/pods/([^/]+)/logs)", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    auto chunks = std::make_shared<std::vector<std::string>>(state.logs[id]);
    if (request.get_param_value("follow") != "true") {
      std::string text;
      for (const std::string& chunk : *chunks) text += chunk;
      response.set_content(text, "text/plain");
      return;
    }
    // httplib passes the byte offset written so far, so the chunk index is counted here.
    auto next = std::make_shared<std::size_t>(0);
    response.set_chunked_content_provider("text/plain", [chunks, next](std::size_t, httplib::DataSink& sink) {
      if (*next >= chunks->size()) {
        sink.done();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const std::string& chunk = (*chunks)[(*next)++];
      return sink.write(chunk.data(), chunk.size());
    });
  });

  server.Get(R"(/v1/pods/([^/]+)/audit)", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    response.set_content(state.audit[id], "application/x-ndjson");
  });

  server.Get(R"(/v1/pods/([^/]+)/audit/verify)", [&state, admit](const httplib::Request& request,
                                                                 httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    const std::string& log = state.audit[id];
    const std::string problem = state.audit_problem[id];
    const auto records = std::count(log.begin(), log.end(), '\n');
    response.set_content(nlohmann::json{{"ok", problem.empty()},
                                        {"records", records},
                                        {"problem", problem},
                                        {"signatures_checked", true}}
                             .dump(),
                         "application/json");
  });

  server.Put(R"(/v1/pods/([^/]+)/workspace)", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    if (media_type(request) != "application/x-tar") {
      return send_error(response, 415, "unsupported_media_type", "send application/x-tar");
    }
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    if (state.pods[id]["phase"] != "running") return send_error(response, 409, "pod_not_running", "pod is not running");
    state.workspaces[id] = request.body;
    send_json(response, 200, {{"entries", count_tar_entries(request.body)}});
  });

  server.Get(R"(/v1/pods/([^/]+)/workspace)", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    response.set_content(state.workspaces[id], "application/x-tar");
  });

  server.Post(R"(/v1/pods/([^/]+)/tools/([^/]+))", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    const std::string tool = request.matches[2];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    if (state.tools.count(tool) == 0) return send_error(response, 404, "unknown_tool", "no tool " + tool);
    if (!json::parse(request.body, nullptr, false).is_object()) {
      return send_json(response, 400, {{"status", "error"}, {"error", {{"kind", "invalid_arguments"}, {"message", "body is not a JSON object"}}}});
    }
    const ToolScript& script = state.tools[tool];
    if (script.status == 202 && request.get_param_value("wait") != "false") {
      return send_error(response, 500, "fake_cannot_block", "the fake node answers approvals only with wait=false");
    }
    send_json(response, script.status, script.body);
  });

  server.Get(R"(/v1/pods/([^/]+)/approvals)", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, false)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    if (state.pods.count(id) == 0) return send_error(response, 404, "pod_not_found", "no pod " + id);
    send_json(response, 200, {{"approvals", state.approvals.count(id) ? state.approvals[id] : json::array()}});
  });

  server.Post(R"(/v1/pods/([^/]+)/approvals/([^/]+))", [&state, admit](const httplib::Request& request, httplib::Response& response) {
    if (!admit(request, response, true)) return;
    const std::lock_guard lock(state.mutex);
    const std::string id = request.matches[1];
    const std::string approval_id = request.matches[2];
    const json body = json::parse(request.body, nullptr, false);
    const std::string decision = body.is_object() ? body.value("decision", "") : "";
    if (decision != "approve" && decision != "deny") {
      return send_error(response, 400, "invalid_decision", "decision must be approve or deny");
    }
    json& pending = state.approvals[id];
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      if ((*it)["approval_id"] != approval_id) continue;
      pending.erase(it);
      state.decisions.push_back({{"pod", id}, {"approval_id", approval_id}, {"decision", decision}});
      return send_json(response, 200, {{"approval_id", approval_id}, {"decision", decision}});
    }
    send_error(response, 404, "approval_not_found", "no pending approval " + approval_id);
  });
}

void FakeNode::add_pod(const std::string& id, const json& fields) {
  const std::lock_guard lock(state_->mutex);
  json status = default_status(id);
  status.update(fields);
  state_->pods[id] = status;
}

void FakeNode::set_pending_polls(int polls) {
  const std::lock_guard lock(state_->mutex);
  state_->default_pending_polls = polls;
}

void FakeNode::set_logs(const std::string& pod, std::vector<std::string> chunks) {
  const std::lock_guard lock(state_->mutex);
  state_->logs[pod] = std::move(chunks);
}

void FakeNode::set_audit_problem(const std::string& pod, std::string problem) {
  const std::lock_guard lock(state_->mutex);
  state_->audit_problem[pod] = std::move(problem);
}

void FakeNode::set_audit(const std::string& pod, std::string ndjson) {
  const std::lock_guard lock(state_->mutex);
  state_->audit[pod] = std::move(ndjson);
}

void FakeNode::set_workspace(const std::string& pod, std::string tar) {
  const std::lock_guard lock(state_->mutex);
  state_->workspaces[pod] = std::move(tar);
}

void FakeNode::set_tool(const std::string& tool, ToolScript script) {
  const std::lock_guard lock(state_->mutex);
  state_->tools[tool] = std::move(script);
}

void FakeNode::add_approval(const std::string& pod, const json& approval) {
  const std::lock_guard lock(state_->mutex);
  if (!state_->approvals[pod].is_array()) state_->approvals[pod] = json::array();
  state_->approvals[pod].push_back(approval);
}

std::vector<NodeRequest> FakeNode::requests() const {
  const std::lock_guard lock(state_->mutex);
  return state_->requests;
}

std::vector<NodeRequest> FakeNode::mutations() const {
  std::vector<NodeRequest> changing;
  for (const NodeRequest& request : requests()) {
    if (request.method != "GET") changing.push_back(request);
  }
  return changing;
}

std::string FakeNode::uploaded_workspace(const std::string& pod) const {
  const std::lock_guard lock(state_->mutex);
  return state_->workspaces.count(pod) ? state_->workspaces.at(pod) : "";
}

json FakeNode::decisions() const {
  const std::lock_guard lock(state_->mutex);
  return state_->decisions;
}

}  // namespace nucleus::cli::testing
