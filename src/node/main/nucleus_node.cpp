// nucleus-node: the node daemon. Runs pods in sandboxes of the namespace
// driver and serves the HTTP API for them; see node/http_api.h.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "egress/egress_proxy.h"
#include "node/http_api.h"
#include "node/mcp_route.h"
#include "node/metrics.h"
#include "node/node_config.h"
#include "node/pod_manager.h"
#include "node/tokens.h"
#include "sandbox/namespace_driver.h"

namespace {

std::string executable_dir() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string(".") : self.parent_path().string();
}

std::unique_ptr<httplib::Server> make_server(const nucleus::node::NodeConfig& config) {
  if (config.tls_cert.empty()) return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>(config.tls_cert.c_str(), config.tls_key.c_str());
}

int run(const nucleus::node::NodeConfig& config) {
  using namespace nucleus;
  if (config.driver != "namespace") {
    spdlog::error("event=start_failed driver={} error=\"the {} microVM driver is not available in this build; "
                  "use NUCLEUS_NODE_DRIVER=namespace\"",
                  config.driver, config.driver);
    return 1;
  }
  if (!config.firecracker_netns.empty()) {
    spdlog::info("event=config firecracker_netns={} note=\"unused by the namespace driver\"", config.firecracker_netns);
  }
  auto tokens = node::load_or_create_tokens(config.state_dir, config.agent_token, config.approver_token);
  if (!tokens) {
    spdlog::error("event=start_failed error=\"{}\"", tokens.error());
    return 1;
  }
  sandbox::NamespaceDriverOptions driver_options;
  // Each pod's sandbox lives in its pod directory: pods/{id}/sandbox contains
  // the workspace, the audit log and the logs beside the pod's own files.
  driver_options.state_dir = config.state_dir + "/pods";
  driver_options.sandbox_subdir = "sandbox";
  driver_options.supervisor_binary = config.sandbox_binary;
  driver_options.proxy_binary = config.proxy_binary;
  driver_options.cgroup_parent = config.cgroup_parent;
  auto driver = sandbox::NamespaceDriver::make(driver_options);
  if (!driver) {
    spdlog::error("event=start_failed error=\"{}\"", driver.error());
    return 1;
  }
  egress::EgressProxy egress;
  node::Metrics metrics;
  node::PodManagerOptions pod_options;
  pod_options.pods_dir = config.state_dir + "/pods";
  pod_options.max_pods = config.max_pods;
  pod_options.ready_timeout = config.ready_timeout;
  pod_options.allow_file_remotes = config.allow_file_remotes;
  pod_options.allow_plain_http = config.allow_plain_http;
  node::PodManager pods(pod_options, **driver, egress);
  pods.recover_and_monitor();

  auto server = make_server(config);
  if (!server->is_valid()) {
    spdlog::error("event=start_failed error=\"cannot load the TLS certificate {} or key {}\"", config.tls_cert,
                  config.tls_key);
    return 1;
  }
  server->set_read_timeout(config.read_timeout);
  server->set_keep_alive_timeout(config.read_timeout.count());
  // Responses go out in two writes (head, then body); without TCP_NODELAY
  // the second waits for the client's delayed ACK, about 40 ms each.
  server->set_tcp_nodelay(true);
  // cpp-httplib closes a kept-alive connection after 5 requests by default.
  server->set_keep_alive_max_count(10'000);
  server->set_payload_max_length(std::max<std::size_t>(config.max_workspace_bytes, 1 << 20));
  server->new_task_queue = [] { return new httplib::ThreadPool(32); };
  node::PodTokens pod_tokens(pod_options.pods_dir);
  for (const auto& record : pods.list()) pod_tokens.load(record.id);
  node::HttpApiOptions api{*tokens, &pod_tokens, (*driver)->name(), config.state_dir, config.max_workspace_bytes};
  node::install_routes(*server, pods, metrics, api);
  node::McpSessions mcp_sessions(pods, metrics);
  node::install_mcp_routes(*server, pods, mcp_sessions);
  if (!server->bind_to_port(config.listen_host, config.listen_port)) {
    spdlog::error("event=start_failed error=\"cannot listen on {}:{}\"", config.listen_host, config.listen_port);
    return 1;
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::thread signal_waiter([&stop_signals, &server] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    spdlog::info("event=stopping signal={}", signal_number);
    server->stop();
  });
  spdlog::info("event=started listen={}:{} driver={} state_dir={} tls={} max_pods={}", config.listen_host,
               config.listen_port, (*driver)->name(), config.state_dir, !config.tls_cert.empty(), config.max_pods);
  server->listen_after_bind();
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  spdlog::info("event=stopped note=\"sandboxes keep running and are adopted at the next start\"");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = nucleus::node::parse_node_config(args, nucleus::node::process_environment, executable_dir());
  if (!parsed) {
    spdlog::error("event=start_failed error=\"{}\"", parsed.error());
    return 2;
  }
  if (!parsed->config) return parsed->exit_status;
  return run(*parsed->config);
}
