// Assembling a running tool proxy from its command-line flags: load the
// policy and keys, open the workspace and the audit log, build the tool
// table and bind the socket. Shared by the nucleus-tool-proxy binary and
// the tests that run a proxy in-process.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/result.h"
#include "proxy/server.h"
#include "proxy/tool_proxy.h"

namespace nucleus::proxy {

struct ProxyFlags {
  std::string socket_path;
  std::string pod_id;
  std::string policy_source;   // profile name or spec file
  std::string workspace_root;  // the real directory
  std::string audit_log;
  std::string audit_key_file;
  std::string approver_key_file;
  std::string private_dir;     // 0700 directory for git credentials; default: created under /tmp
  unsigned int run_uid = 65534;
  unsigned int run_gid = 65534;
  bool allow_same_user = false;
  bool sweep_agent_processes = false;  // only inside a sandbox's pid namespace
  std::string egress_proxy;    // http://127.0.0.1:PORT of the sandbox's egress bridge
  std::string search_endpoint;
  std::string forge_api;
  std::string forge_repo;
  std::string forge_token_file;
  std::string git_credentials_host;
  bool allow_file_remotes = false;
  bool allow_plain_http = false;
  int approval_ttl_seconds = 900;
  int approval_wait_seconds = 300;
  std::string cost_base = "0.001";
  std::string cost_per_second = "0.0001";
  // Confine every command (run tool, git) with capabilities dropped,
  // Landlock and the agent seccomp profile.
  bool confine_commands = false;
  // Where confined commands may write. Empty means the workspace root and
  // /tmp. Git commands may also write in the private dir.
  std::vector<std::string> writable_dirs;
};

void add_proxy_flags(CLI::App& app, ProxyFlags& flags);

class RunningProxy {
 public:
  virtual ~RunningProxy() = default;
  virtual Server& server() = 0;
  virtual ToolProxy& tool_proxy() = 0;
};

// Everything is checked before the socket is bound: a proxy that cannot
// enforce its policy or write its audit log never starts serving.
Result<std::unique_ptr<RunningProxy>> start_proxy(const ProxyFlags& flags);

}  // namespace nucleus::proxy
