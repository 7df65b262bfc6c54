#include "cli/mcp_command.h"

#include <fmt/format.h>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/app.h"
#include "cli/node_call.h"
#include "mcp/stdio_server.h"

namespace nucleus::cli {

using nlohmann::json;

Result<json> NodeToolBackend::policy() {
  auto pod = call_node_json(client_, {"GET", pod_path(pod_id_), "", "", TokenRole::agent});
  if (!pod.ok()) return make_error(pod.error());
  if (!pod->contains("policy")) {
    return make_error(fmt::format("pod {} is not running (phase {})", pod_id_, pod->value("phase", "unknown")));
  }
  return (*pod)["policy"];
}

Result<json> NodeToolBackend::call(const std::string& tool, const json& args, const std::string& approval_id) {
  std::string path = pod_path(pod_id_) + "/tools/" + path_segment(tool) + "?wait=false";
  if (!approval_id.empty()) path += "&approval_id=" + path_segment(approval_id);
  auto response = client_.send({"POST", path, args.dump(), "application/json", TokenRole::agent});
  if (!response.ok()) return make_error(response.error());
  if (response->status == 401) return make_error(client_.describe_failure(*response));
  const json body = json::parse(response->body, nullptr, false);
  return mcp::proxy_reply_from_http(static_cast<int>(response->status), body.is_discarded() ? json() : body);
}

Result<bool> NodeToolBackend::approval_pending(const std::string& approval_id) {
  return cli::approval_pending(client_, pod_id_, approval_id);
}

Result<bool> NodeToolBackend::withdraw(const std::string& approval_id) {
  auto withdrawn = call_node_json(
      client_, {"POST", pod_path(pod_id_) + "/approvals/" + path_segment(approval_id) + "/withdraw", "", "",
                TokenRole::agent});
  if (!withdrawn.ok()) return make_error(withdrawn.error());
  return true;
}

int run_mcp_server(const NodeClient& client, const std::string& pod_id, std::istream& in, std::ostream& out,
                   std::ostream& err) {
  // stdout carries the protocol, so the log goes to stderr.
  auto logger = spdlog::get("nucleus-mcp");
  if (!logger) logger = spdlog::stderr_color_mt("nucleus-mcp");
  spdlog::set_default_logger(logger);
  // Quiet in the agent's terminal by default; SPDLOG_LEVEL=info shows calls.
  spdlog::set_level(spdlog::level::warn);
  spdlog::cfg::load_env_levels();

  NodeToolBackend backend(client, pod_id);
  if (auto policy = backend.policy(); !policy.ok()) {
    return report_failure(err, "cannot serve MCP for pod " + pod_id + ": " + policy.error(), kExitFailure);
  }
  mcp::Session session(backend, mcp::SessionOptions{pod_id});
  spdlog::info("event=mcp_stdio_started pod={} node={}", pod_id, client.endpoint().url);
  return mcp::serve_stdio(session, in, out) == 0 ? kExitOk : kExitFailure;
}

}  // namespace nucleus::cli
