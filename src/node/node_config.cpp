#include "node/node_config.h"

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

namespace nucleus::node {

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<std::pair<std::string, int>> parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return make_error("invalid listen address \"" + text + "\": expected HOST:PORT, for example 127.0.0.1:8080");
  }
  std::string host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port_text = text.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
    return make_error("invalid listen address \"" + text + "\": the port must be a number 1..65535");
  }
  const int port = std::stoi(port_text);
  if (port < 1 || port > 65535) {
    return make_error("invalid listen address \"" + text + "\": the port must be a number 1..65535");
  }
  return std::pair{host, port};
}

namespace {

struct RawFlags {
  std::string listen;
  std::string driver;
  std::string firecracker_netns;
  std::string state_dir;
  std::string tls_cert;
  std::string tls_key;
};

void add_flags(CLI::App& app, NodeConfig& config, RawFlags& raw) {
  app.add_option("--listen", raw.listen, "HOST:PORT to serve HTTP on (env NUCLEUS_NODE_LISTEN, default 127.0.0.1:8080)");
  app.add_option("--driver", raw.driver, "Sandbox driver: namespace (env NUCLEUS_NODE_DRIVER)");
  app.add_option("--firecracker-netns", raw.firecracker_netns,
                 "Network namespace for the firecracker driver (env NUCLEUS_NODE_FIRECRACKER_NETNS); unused by namespace");
  app.add_option("--state-dir", raw.state_dir, "Directory for pods, sandboxes and tokens (env NUCLEUS_NODE_STATE_DIR, default /var/lib/nucleus)");
  app.add_option("--max-pods", config.max_pods, "Maximum number of pods; more get 429")->capture_default_str();
  app.add_option("--sandbox-binary", config.sandbox_binary, "Path of nucleus-sandbox (default: beside nucleus-node)");
  app.add_option("--proxy-binary", config.proxy_binary, "Path of nucleus-tool-proxy (default: beside nucleus-node)");
  app.add_option("--cgroup-parent", config.cgroup_parent, "Cgroup under which every sandbox gets its own")
      ->capture_default_str();
  app.add_option("--tls-cert", raw.tls_cert, "PEM certificate file; with --tls-key, serve HTTPS");
  app.add_option("--tls-key", raw.tls_key, "PEM private key file for --tls-cert");
  app.add_option("--max-workspace-bytes", config.max_workspace_bytes, "Maximum size in bytes of a workspace upload")
      ->capture_default_str();
  app.add_option("--read-timeout", config.read_timeout, "Seconds a client may stay silent while sending a request")
      ->capture_default_str();
  app.add_option("--ready-timeout", config.ready_timeout, "Seconds a sandbox may take to become ready")
      ->capture_default_str();
  app.add_flag("--allow-file-remotes", config.allow_file_remotes,
               "Let git_push push to local repositories (passed to every pod's tool proxy)");
  app.add_flag("--allow-plain-http", config.allow_plain_http,
               "Let git_push use http:// remotes, for git servers on loopback (passed to every pod's tool proxy)");
}

// Flag value if given, else the environment's, else the current value.
void pick(std::string& target, const std::string& flag, const EnvironmentLookup& environment, const char* variable) {
  if (!flag.empty()) {
    target = flag;
    return;
  }
  if (auto value = environment(variable)) target = *value;
}

Result<bool> finish(NodeConfig& config, const RawFlags& raw, const EnvironmentLookup& environment,
                    const std::string& self_dir) {
  std::string listen = config.listen_host + ":" + std::to_string(config.listen_port);
  pick(listen, raw.listen, environment, "NUCLEUS_NODE_LISTEN");
  auto address = parse_listen_address(listen);
  if (!address) return make_error(address.error());
  config.listen_host = address->first;
  config.listen_port = address->second;

  pick(config.driver, raw.driver, environment, "NUCLEUS_NODE_DRIVER");
  pick(config.firecracker_netns, raw.firecracker_netns, environment, "NUCLEUS_NODE_FIRECRACKER_NETNS");
  pick(config.state_dir, raw.state_dir, environment, "NUCLEUS_NODE_STATE_DIR");
  if (config.driver != "namespace" && config.driver != "firecracker" && config.driver != "qemu") {
    return make_error("unknown driver \"" + config.driver + "\": expected namespace, firecracker or qemu");
  }
  if (!config.state_dir.starts_with('/')) {
    return make_error("the state directory \"" + config.state_dir + "\" must be an absolute path");
  }
  for (const auto& [variable, token] : {std::pair{"NUCLEUS_NODE_TOKEN", &config.agent_token},
                                        std::pair{"NUCLEUS_NODE_APPROVER_TOKEN", &config.approver_token}}) {
    *token = environment(variable);
    if (token->has_value() && (*token)->empty()) {
      return make_error(std::string(variable) + " is set but empty; unset it to use the generated token");
    }
  }
  if (raw.tls_cert.empty() != raw.tls_key.empty()) {
    return make_error("--tls-cert and --tls-key must be given together");
  }
  config.tls_cert = raw.tls_cert;
  config.tls_key = raw.tls_key;
  if (config.sandbox_binary.empty()) config.sandbox_binary = self_dir + "/nucleus-sandbox";
  if (config.proxy_binary.empty()) config.proxy_binary = self_dir + "/nucleus-tool-proxy";
  return true;
}

}  // namespace

Result<ParsedConfig> parse_node_config(const std::vector<std::string>& args, const EnvironmentLookup& environment,
                                       const std::string& self_dir) {
  NodeConfig config;
  RawFlags raw;
  CLI::App app{"nucleus-node: runs pods in sandboxes behind an HTTP API"};
  add_flags(app, config, raw);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return ParsedConfig{std::nullopt, status == 0 ? 0 : 2};
  }
  auto finished = finish(config, raw, environment, self_dir);
  if (!finished) return make_error(finished.error());
  return ParsedConfig{std::move(config), 0};
}

}  // namespace nucleus::node
