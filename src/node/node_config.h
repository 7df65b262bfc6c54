// The node daemon's configuration, from command-line flags and NUCLEUS_NODE_*
// environment variables. A flag given on the command line wins over the
// environment; the environment wins over the default.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace nucleus::node {

struct NodeConfig {
  std::string listen_host = "127.0.0.1";  // NUCLEUS_NODE_LISTEN host part
  int listen_port = 8080;                 // NUCLEUS_NODE_LISTEN port part
  std::string driver = "namespace";       // NUCLEUS_NODE_DRIVER
  std::string firecracker_netns;          // NUCLEUS_NODE_FIRECRACKER_NETNS, logged only
  std::string state_dir = "/var/lib/nucleus";  // NUCLEUS_NODE_STATE_DIR
  std::optional<std::string> agent_token;      // NUCLEUS_NODE_TOKEN
  std::optional<std::string> approver_token;   // NUCLEUS_NODE_APPROVER_TOKEN
  std::uint32_t max_pods = 64;
  std::string sandbox_binary;  // nucleus-sandbox; default beside the node binary
  std::string proxy_binary;    // nucleus-tool-proxy; default beside the node binary
  std::string cgroup_parent = "nucleus";
  std::string tls_cert;  // both set: serve HTTPS
  std::string tls_key;
  std::size_t max_workspace_bytes = 1ULL << 30;  // PUT workspace body cap
  std::chrono::seconds read_timeout{10};          // per read from a client
  std::chrono::seconds ready_timeout{60};         // sandbox start to ready
  // Passed to every pod's tool proxy: git_push may push to local paths.
  bool allow_file_remotes = false;
  // Passed to every pod's tool proxy: git_push may use http:// remotes.
  bool allow_plain_http = false;
};

// Looks up one environment variable; empty optional when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;

// The real process environment.
std::optional<std::string> process_environment(const std::string& name);

// Outcome of parsing: a config to run with, or an exit status (0 after
// --help, 2 after a usage error, with the message already printed).
struct ParsedConfig {
  std::optional<NodeConfig> config;
  int exit_status = 0;
};

// Parses `args` (argv without the program name) and the environment.
// `self_dir` is the directory of the node's own executable, used for the
// binaries' default paths. Errors: an invalid NUCLEUS_NODE_LISTEN or
// --listen (HOST:PORT), an unknown driver, an empty token, a relative state
// dir, and only one of --tls-cert and --tls-key.
Result<ParsedConfig> parse_node_config(const std::vector<std::string>& args, const EnvironmentLookup& environment,
                                       const std::string& self_dir);

// Splits "HOST:PORT" (IPv6 hosts in brackets) into host and port 1..65535.
Result<std::pair<std::string, int>> parse_listen_address(const std::string& text);

}  // namespace nucleus::node
