#include "proxy/proxy_setup.h"

#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include "policy/glob.h"
#include "policy/profiles.h"
#include "proxy/key_file.h"
#include "proxy/tool_table.h"
#include "sandbox/capabilities.h"
#include "spec/compile.h"
#include "spec/document.h"
#include "spec/policy_source.h"

namespace nucleus::proxy {

void add_proxy_flags(CLI::App& app, ProxyFlags& f) {
  app.add_option("--socket", f.socket_path, "Unix socket path to serve the tool API on")->required();
  app.add_option("--pod", f.pod_id, "Pod id, written into every audit record")->required();
  app.add_option("--policy", f.policy_source, "Profile name or pod spec file (YAML or JSON)")->required();
  app.add_option("--workspace", f.workspace_root, "The workspace directory on this file system")->required();
  app.add_option("--audit-log", f.audit_log, "Audit log file (created 0600 if missing)")->required();
  app.add_option("--audit-key-file", f.audit_key_file, "HMAC key for audit signatures (mode 0600, >= 32 bytes)")
      ->required();
  app.add_option("--approver-key-file", f.approver_key_file,
                 "HMAC key that approval tokens are verified with (mode 0600, >= 32 bytes)")
      ->required();
  app.add_option("--private-dir", f.private_dir, "Directory for the proxy's own files (created 0700)");
  app.add_option("--run-uid", f.run_uid, "User id that commands run as")->capture_default_str();
  app.add_option("--run-gid", f.run_gid, "Group id that commands run as")->capture_default_str();
  app.add_flag("--allow-same-user", f.allow_same_user,
               "Development only: run commands as the proxy's own user");
  app.add_flag("--sweep-agent-processes", f.sweep_agent_processes,
               "After the last running command ends, kill every process of --run-uid (only inside a sandbox's "
               "own pid namespace)");
  app.add_option("--egress-proxy", f.egress_proxy, "HTTP proxy URL for all outbound traffic");
  app.add_option("--search-endpoint", f.search_endpoint, "SearXNG-compatible search base URL");
  app.add_option("--forge-api", f.forge_api, "GitHub-REST-compatible API base URL for create_pr");
  app.add_option("--forge-repo", f.forge_repo, "Default owner/name for create_pr");
  app.add_option("--forge-token-file", f.forge_token_file, "Forge token file (mode 0600)");
  app.add_option("--git-credentials-host", f.git_credentials_host, "Host that git_push sends the forge token to");
  app.add_flag("--allow-file-remotes", f.allow_file_remotes, "Allow git_push to local paths and file:// URLs");
  app.add_flag("--allow-plain-http", f.allow_plain_http, "Allow git_push over http:// (loopback tests)");
  app.add_option("--approval-ttl", f.approval_ttl_seconds, "Seconds a pending approval stays open")
      ->check(CLI::Range(1, 86'400))
      ->capture_default_str();
  app.add_option("--approval-wait", f.approval_wait_seconds, "Seconds a call waits for a decision by default")
      ->check(CLI::Range(0, 86'400))
      ->capture_default_str();
  app.add_option("--cost-base", f.cost_base, "USD charged per call, decimal")->capture_default_str();
  app.add_option("--cost-per-second", f.cost_per_second, "USD charged per second of execution, decimal")
      ->capture_default_str();
  app.add_flag("--confine-commands", f.confine_commands,
               "Run every command with no capabilities, a Landlock write allowlist and a seccomp deny list");
  app.add_option("--writable-dir", f.writable_dirs,
                 "Directory that confined commands may write beneath (repeatable; default: the workspace and /tmp)");
}

namespace {

class Proxy final : public RunningProxy {
 public:
  Server& server() override { return *server_; }
  ToolProxy& tool_proxy() override { return *tool_proxy_; }

  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<ApprovalStore> approvals;
  std::unique_ptr<ToolProxy> tool_proxy_;
  std::unique_ptr<Server> server_;
};

Result<std::string> ensure_private_dir(const std::string& requested) {
  if (requested.empty()) {
    std::string pattern = "/tmp/nucleus-proxy-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return make_error("mkdtemp under /tmp failed");
    return pattern;
  }
  if (::mkdir(requested.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error("cannot create private dir " + requested);
  }
  if (::chmod(requested.c_str(), 0700) != 0) return make_error("cannot chmod 0700 " + requested);
  return requested;
}

struct CommandConfinements {
  std::shared_ptr<const sandbox::CommandConfinement> commands;
  std::shared_ptr<const sandbox::CommandConfinement> git;
};

// Git also writes its temporary push repositories in the private dir,
// which agent commands must not reach. Git runs as the proxy's user in a
// workspace that the command user owns, so it keeps the capabilities that
// bypass file permissions, and only those.
Result<CommandConfinements> prepare_confinements(const ProxyFlags& f, const std::string& private_dir) {
  std::vector<std::string> writable = f.writable_dirs;
  if (writable.empty()) writable = {std::filesystem::absolute(f.workspace_root).string(), "/tmp"};
  auto commands = sandbox::CommandConfinement::prepare(writable);
  if (!commands) return make_error("--confine-commands: " + commands.error());
  writable.push_back(std::filesystem::absolute(private_dir).string());
  constexpr std::uint64_t kGitCapabilities = sandbox::capability_bit(CAP_DAC_OVERRIDE) |
                                             sandbox::capability_bit(CAP_DAC_READ_SEARCH) |
                                             sandbox::capability_bit(CAP_FOWNER);
  auto git = sandbox::CommandConfinement::prepare(writable, kGitCapabilities);
  if (!git) return make_error("--confine-commands: " + git.error());
  spdlog::info("event=confinement_ready pod={} landlock_abi={} writable_dirs=\"{}\"", f.pod_id,
               (*commands)->landlock_abi(), fmt::join((*commands)->writable_dirs(), ":"));
  return CommandConfinements{std::move(commands).value(), std::move(git).value()};
}

}  // namespace

Result<std::unique_ptr<RunningProxy>> start_proxy(const ProxyFlags& f) {
  static const RE2 kPodId("[a-z0-9]([a-z0-9._-]{0,62})");
  if (!RE2::FullMatch(f.pod_id, kPodId)) {
    return make_error("--pod \"" + f.pod_id +
                      "\" is not a valid pod id: use 1-63 lowercase letters, digits, '.', '_' or '-', "
                      "starting with a letter or digit");
  }
  auto loaded = spec::load_policy(f.policy_source, std::string(spec::kDefaultWorkDir),
                                  "pod " + f.pod_id + " (profile " + f.policy_source + ")");
  if (!loaded.ok()) return make_error("policy: " + loaded.error());
  auto holder = std::make_shared<PolicyHolder>(std::move(loaded).value());
  const std::string work_dir = holder->get()->work_dir();

  auto audit_key = load_key_file(f.audit_key_file);
  if (!audit_key.ok()) return make_error(audit_key.error());
  auto approver_key = load_key_file(f.approver_key_file);
  if (!approver_key.ok()) return make_error(approver_key.error());
  // Auditors hold the audit key to verify logs. If the same key signed
  // approvals, an auditor could approve calls.
  if (constant_time_equal(audit_key->bytes(), approver_key->bytes())) {
    return make_error("--audit-key-file and --approver-key-file hold the same key; use two different keys");
  }
  auto workspace = Workspace::open(f.workspace_root, work_dir);
  if (!workspace.ok()) return make_error("workspace: " + workspace.error());
  auto private_dir = ensure_private_dir(f.private_dir);
  if (!private_dir.ok()) return make_error(private_dir.error());

  CommandConfinements confinements;
  if (f.confine_commands) {
    auto prepared = prepare_confinements(f, *private_dir);
    if (!prepared) return Error{prepared.error()};
    confinements = std::move(prepared).value();
  }

  ToolSetup setup;
  setup.workspace = std::make_shared<const Workspace>(std::move(workspace).value());
  setup.run.work_dir = work_dir;
  setup.run.run_as = Credentials{f.run_uid, f.run_gid};
  setup.run.sweep_leftovers = f.sweep_agent_processes;
  setup.run.allow_same_user = f.allow_same_user;
  setup.run.confinement = confinements.commands;
  if (!f.egress_proxy.empty()) {
    setup.run.proxy = {f.egress_proxy, f.egress_proxy, f.egress_proxy, "localhost,127.0.0.1,::1"};
  }
  setup.git.work_dir = work_dir;
  setup.git.private_dir = *private_dir;
  setup.git.proxy = setup.run.proxy;
  setup.git.allow_file_remotes = f.allow_file_remotes;
  setup.git.allow_plain_http = f.allow_plain_http;
  setup.git.confinement = confinements.git;
  setup.web.http.proxy_url = f.egress_proxy;
  setup.web.search_endpoint = f.search_endpoint;
  setup.forge.http.proxy_url = f.egress_proxy;
  setup.forge.api_base = f.forge_api;
  setup.forge.default_repo = f.forge_repo;
  if (!f.forge_token_file.empty()) {
    auto token = read_secret_file(f.forge_token_file);
    if (!token.ok()) return make_error(token.error());
    if (!f.git_credentials_host.empty()) setup.git.credentials = ForgeCredentials{f.git_credentials_host, "x-access-token", *token};
    setup.forge_token = std::make_shared<const Secret>(std::move(token).value());
  }
  auto table = make_tool_table(std::move(setup), holder);
  if (!table.ok()) return make_error(table.error());

  ProxyOptions options;
  options.pod_id = f.pod_id;
  auto base = policy::Decimal::parse(f.cost_base);
  auto per_second = policy::Decimal::parse(f.cost_per_second);
  if (!base || !per_second || base->is_negative() || per_second->is_negative()) {
    return make_error("--cost-base and --cost-per-second must be non-negative decimals such as 0.001");
  }
  options.cost = {*base, *per_second};
  options.approval_ttl = std::chrono::seconds(f.approval_ttl_seconds);
  options.default_approval_wait = std::chrono::seconds(f.approval_wait_seconds);

  auto proxy = std::make_unique<Proxy>();
  auto audit = AuditLog::open(f.audit_log, *audit_key);
  if (!audit.ok()) return make_error("audit log: " + audit.error());
  proxy->audit = std::move(audit).value();
  proxy->approvals = std::make_unique<ApprovalStore>(std::move(approver_key).value());
  proxy->tool_proxy_ = std::make_unique<ToolProxy>(holder, std::move(table).value(), *proxy->audit,
                                                   *proxy->approvals, options);
  auto listener = Listener::unix_socket(f.socket_path, 0660);
  if (!listener.ok()) return make_error(listener.error());
  ToolProxy* tools = proxy->tool_proxy_.get();
  proxy->server_ = std::make_unique<Server>(
      std::move(listener).value(), [tools](const Request& r) { return tools->handle(r); },
      [tools](const std::string& reason) { tools->record_rejection(reason); });
  spdlog::info("event=start pod={} socket={} policy_checksum={} work_dir={}", f.pod_id, f.socket_path,
               holder->get()->checksum(), work_dir);
  return std::unique_ptr<RunningProxy>(std::move(proxy));
}

}  // namespace nucleus::proxy
