#include "cli/app.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "cli/approve_command.h"
#include "cli/mcp_command.h"
#include "cli/run_command.h"
#include "cli/audit_commands.h"
#include "cli/node_endpoint.h"
#include "cli/policy_commands.h"
#include "cli/pod_commands.h"
#include "cli/tool_command.h"
#include "cli/workspace_commands.h"
#include "spec/compile.h"

namespace nucleus::cli {

namespace {

// Values the parsed options are written into; owned by run() so that the
// callbacks below can refer to them.
struct Options {
  int status = kExitOk;
  std::string source;
  std::string parent;
  std::string child;
  std::string work_dir{spec::kDefaultWorkDir};
  bool json = false;
  CheckRequest check_request;
  std::string key_file;
  NodeFlags node_flags;
  std::string pod_id;
  bool force = false;
  bool follow = false;
  double timeout_seconds = 120;
  CreatePodRequest create_request;
  ToolCallRequest tool_request;
  bool no_wait = false;
  std::optional<std::string> approval_id;
  bool approve_all = false;
  bool deny_all = false;
  RunRequest run_request;

  NodeClient client() const { return NodeClient(resolve_node_endpoint(node_flags)); }
};

// CLI::Range lets NaN through, so the timeouts are checked again here.
bool timeout_is_valid(double seconds) {
  if (std::isfinite(seconds) && seconds >= 0.001 && seconds <= 86400) return true;
  std::cerr << "nucleus: error: --timeout must be a number of seconds from 0.001 to 86400\n";
  return false;
}

void add_node_options(CLI::App& app, Options& o) {
  app.add_option("--node", o.node_flags.url,
                 "nucleus-node URL (default $NUCLEUS_NODE_URL, else http://127.0.0.1:8080)");
  app.add_option("--token", o.node_flags.token,
                 "Agent bearer token (default $NUCLEUS_NODE_TOKEN, else $NUCLEUS_NODE_STATE_DIR/tokens/agent)");
  app.add_option("--approver-token", o.node_flags.approver_token,
                 "Approver bearer token (default $NUCLEUS_NODE_APPROVER_TOKEN, else "
                 "$NUCLEUS_NODE_STATE_DIR/tokens/approver)");
}

void add_profiles_verb(CLI::App& app, Options& o) {
  auto* cmd = app.add_subcommand("profiles", "List the built-in permission profiles");
  cmd->add_flag("--json", o.json, "Print JSON instead of a table");
  cmd->callback([&o] { o.status = run_profiles(o.json, std::cout); });
}

void add_policy_verbs(CLI::App& app, Options& o) {
  auto* policy = app.add_subcommand("policy", "Show, check and delegate permission policies");
  policy->require_subcommand(1);
  std::string& work_dir = o.work_dir;
  std::string& source = o.source;
  bool& json = o.json;

  auto* show = policy->add_subcommand("show", "Print the effective, normalized policy");
  show->add_option("source", source, "Profile name or spec file (YAML or JSON; - for stdin)")->required();
  show->add_flag("--json", json, "Print JSON");
  show->add_option("--work-dir", work_dir, "Work dir for a profile (absolute path)");
  show->callback([&o] { o.status = run_policy_show(o.source, o.work_dir, o.json, std::cout, std::cerr); });

  CheckRequest& check_request = o.check_request;
  auto* check = policy->add_subcommand(
      "check", "Decide one operation; exit 0 allow, 3 approval required, 4 deny, 2 invalid input");
  check->add_option("source", check_request.source, "Profile name or spec file")->required();
  check->add_option("operation", check_request.operation, "Operation, e.g. read_files or git_push")
      ->required();
  check->add_option("--path", check_request.path, "Path target (file and search operations)");
  check->add_option("--command", check_request.command, "Shell command line target (run_bash)");
  check->add_option("--url", check_request.url, "URL target (web_fetch)");
  check->add_option("--work-dir", check_request.work_dir, "Work dir for a profile (absolute path)")
      ->default_val(std::string(spec::kDefaultWorkDir));
  check->add_flag("--json", check_request.json, "Print JSON");
  check->callback([&o] { o.status = run_policy_check(o.check_request, std::cout, std::cerr); });

  std::string& parent = o.parent;
  std::string& child = o.child;
  auto* delegate = policy->add_subcommand("delegate", "Bound a child policy by its parent");
  delegate->add_option("parent", parent, "Parent profile or spec file")->required();
  delegate->add_option("child", child, "Requested child profile or spec file")->required();
  delegate->add_option("--work-dir", work_dir, "Work dir for profiles (absolute path)");
  delegate->add_flag("--json", json, "Print JSON");
  delegate->callback(
      [&o] { o.status = run_policy_delegate(o.parent, o.child, o.work_dir, o.json, std::cout, std::cerr); });
}

void run_audit_verify_verb(Options& o) {
  std::error_code ignored;
  const bool is_file = std::filesystem::exists(o.source, ignored);
  if (is_file || !o.key_file.empty()) {
    if (o.key_file.empty()) {
      std::cerr << "nucleus: error: --key-file is required to verify the audit log file " << o.source << "\n";
      o.status = kExitUsage;
      return;
    }
    o.status = run_audit_verify(o.source, o.key_file, o.json, std::cout, std::cerr);
    return;
  }
  o.status = run_audit_verify_pod(o.client(), o.source, o.json, std::cout, std::cerr);
}

void add_audit_verbs(CLI::App& app, Options& o) {
  auto* audit = app.add_subcommand("audit", "Work with tool proxy audit logs");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify",
      "Check an audit log; exit 0 ok, 1 tampered or truncated. A file is checked fully with --key-file. "
      "Anything else is a pod id whose log is fetched from the node, and only its hash chain is checked");
  verify->add_option("log", o.source, "Audit log file, or a pod id")->required();
  verify->add_option("--key-file", o.key_file, "The audit HMAC key (mode 0600), required for a file");
  verify->add_flag("--json", o.json, "Print JSON");
  verify->callback([&o] { run_audit_verify_verb(o); });
}

void add_pods_verbs(CLI::App& app, Options& o) {
  auto* pods = app.add_subcommand("pods", "Create, inspect and stop pods on a nucleus-node");
  pods->require_subcommand(1);

  auto* create = pods->add_subcommand("create", "Create a pod from a spec file and print its id");
  create->add_option("-f,--file", o.create_request.spec_file, "Spec file: YAML, or JSON when named *.json")
      ->required();
  create->add_option("--workspace", o.create_request.workspace_dir,
                     "Directory to upload into the pod's workspace once the pod runs");
  create->add_option("--timeout", o.timeout_seconds,
                     "Seconds to wait for the pod to run before the upload (default 120)")
      ->check(CLI::Range(0.001, 86400.0));
  create->callback([&o] {
    if (!timeout_is_valid(o.timeout_seconds)) {
      o.status = kExitUsage;
      return;
    }
    o.create_request.running_timeout =
        std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000));
    o.status = run_pods_create(o.client(), o.create_request, std::cout, std::cerr);
  });

  auto* list = pods->add_subcommand("list", "List pods: ID NAME PHASE AGE BUDGET");
  list->add_flag("--json", o.json, "Print the node's JSON");
  list->callback([&o] { o.status = run_pods_list(o.client(), o.json, std::cout, std::cerr); });

  auto* get = pods->add_subcommand("get", "Print one pod's status as JSON");
  get->add_option("id", o.pod_id, "Pod id")->required();
  get->callback([&o] { o.status = run_pods_get(o.client(), o.pod_id, std::cout, std::cerr); });

  auto* logs = pods->add_subcommand("logs", "Print a pod's log");
  logs->add_option("id", o.pod_id, "Pod id")->required();
  logs->add_flag("-f,--follow", o.follow, "Keep printing until the pod ends");
  logs->callback([&o] { o.status = run_pods_logs(o.client(), o.pod_id, o.follow, std::cout, std::cerr); });

  auto* remove = pods->add_subcommand("delete", "Delete a pod");
  remove->add_option("id", o.pod_id, "Pod id")->required();
  remove->callback([&o] { o.status = run_pods_delete(o.client(), o.pod_id, std::cout, std::cerr); });

  auto* cancel = pods->add_subcommand("cancel", "Stop a pod; its phase becomes terminated");
  cancel->add_option("id", o.pod_id, "Pod id")->required();
  cancel->callback([&o] { o.status = run_pods_cancel(o.client(), o.pod_id, std::cout, std::cerr); });
}

void add_workspace_verbs(CLI::App& app, Options& o) {
  auto* workspace = app.add_subcommand("workspace", "Copy a pod's workspace");
  workspace->require_subcommand(1);
  auto* pull = workspace->add_subcommand("pull", "Download a pod's workspace and extract it into DIR");
  pull->add_option("id", o.pod_id, "Pod id")->required();
  pull->add_option("dir", o.source, "Destination directory, created when missing")->required();
  pull->add_flag("--force", o.force, "Extract into a non-empty directory");
  pull->callback(
      [&o] { o.status = run_workspace_pull(o.client(), o.pod_id, o.source, o.force, std::cout, std::cerr); });
}

void add_tool_verb(CLI::App& app, Options& o) {
  auto* tool = app.add_subcommand(
      "tool",
      "Call a tool in a pod; exit 0 ok, 3 approval required (--no-wait), 4 denied, 1 error, 2 bad arguments");
  tool->add_option("id", o.tool_request.pod_id, "Pod id")->required();
  tool->add_option("tool", o.tool_request.tool, "Tool name, e.g. read, run, git_push")->required();
  tool->add_option("args", o.tool_request.arguments,
                   "key=value (numbers, booleans, arrays and objects keep their JSON type) or key:=json");
  tool->add_flag("--no-wait", o.no_wait, "Return at once when the call needs approval instead of waiting");
  tool->callback([&o] {
    o.tool_request.wait = !o.no_wait;
    o.status = run_tool_call(o.client(), o.tool_request, std::cout, std::cerr);
  });
}

void add_approve_verb(CLI::App& app, Options& o) {
  auto* approve = app.add_subcommand(
      "approve",
      "Decide a pod's pending approvals; asks on the terminal and denies when there is none. "
      "Exit 0 decided, 4 denied for lack of a terminal, 1 error");
  approve->add_option("id", o.pod_id, "Pod id")->required();
  approve->add_option("approval", o.approval_id, "Approval id (default: every pending approval)");
  auto* yes = approve->add_flag("--yes", o.approve_all, "Approve without asking");
  auto* deny = approve->add_flag("--deny", o.deny_all, "Deny without asking");
  yes->excludes(deny);
  approve->callback([&o] {
    ApproveRequest request{o.pod_id, o.approval_id, ApprovalMode::ask};
    if (o.approve_all) request.mode = ApprovalMode::approve;
    if (o.deny_all) request.mode = ApprovalMode::deny;
    o.status = run_approve(o.client(), request, terminal_answer_source(), std::cout, std::cerr);
  });
}

void add_mcp_verb(CLI::App& app, Options& o) {
  auto* mcp = app.add_subcommand(
      "mcp",
      "Serve MCP (revision 2025-06-18) on stdin and stdout for one pod; agents start this as a stdio server. "
      "It reaches the node with --node and --token (or NUCLEUS_NODE_URL and NUCLEUS_NODE_TOKEN), which may follow "
      "the verb; the pod's own token from nucleus run works as --token");
  mcp->add_option("--pod", o.pod_id, "Pod id")->required();
  mcp->callback([&o] {
    const NodeClient client = o.client();
    o.status = run_mcp_server(client, o.pod_id, std::cin, std::cout, std::cerr);
  });
}

void add_run_verb(CLI::App& app, Options& o) {
  auto* run = app.add_subcommand(
      "run",
      "Run an agent command on this host with its tools inside a new pod: create the pod, upload the workspace, "
      "hand the agent an MCP configuration, ask for approvals, copy the workspace back and print a summary. "
      "The agent starts in a private directory holding .mcp.json and nucleus-mcp.json; $NUCLEUS_RUN_CWD names "
      "the directory nucleus run started in. Exit status is the agent's");
  RunRequest& r = o.run_request;
  auto* profile = run->add_option("--profile", r.profile, std::string("Built-in profile (default ") +
                                                              kDefaultRunProfile + "); see nucleus profiles");
  auto* file = run->add_option("-f,--file", r.spec_file, "Pod spec file: YAML, or JSON when named *.json");
  profile->excludes(file);
  run->add_option("--workspace", r.workspace_dir,
                  "Directory to upload; when the agent exits it is replaced by the pod's workspace");
  run->add_flag("--leave-in-pod", r.leave_in_pod, "Do not copy the workspace back; keep the pod running");
  run->add_flag("--no-prompt", r.no_prompt, "Never ask on the terminal; print how to decide each approval");
  run->add_option("--timeout", o.timeout_seconds, "Seconds to wait for the pod to run (default 120)")
      ->check(CLI::Range(0.001, 86400.0));
  run->add_option("command", r.agent_command, "The agent command, after --")->required();
  run->callback([&o] {
    if (!timeout_is_valid(o.timeout_seconds)) {
      o.status = kExitUsage;
      return;
    }
    o.run_request.running_timeout = std::chrono::milliseconds(static_cast<long long>(o.timeout_seconds * 1000));
    const NodeClient client = o.client();
    o.status = run_agent_in_pod(client, o.run_request, terminal_answer_source(), std::cout, std::cerr);
  });
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"nucleus: run AI agents inside an enforcing permission envelope"};
  app.require_subcommand(1);
  // Subcommands created after this accept the node options after their own name.
  app.fallthrough();
  Options options;
  add_node_options(app, options);
  add_profiles_verb(app, options);
  add_policy_verbs(app, options);
  add_audit_verbs(app, options);
  add_pods_verbs(app, options);
  add_workspace_verbs(app, options);
  add_tool_verb(app, options);
  add_approve_verb(app, options);
  add_mcp_verb(app, options);
  add_run_verb(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return options.status;
}

}  // namespace nucleus::cli
