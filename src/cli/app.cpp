#include "cli/app.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/audit_commands.h"
#include "cli/policy_commands.h"
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
};

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

void add_audit_verbs(CLI::App& app, Options& o) {
  auto* audit = app.add_subcommand("audit", "Work with tool proxy audit logs");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify", "Check an audit log's hash chain, signatures and head; exit 0 ok, 1 tampered or truncated");
  verify->add_option("file", o.source, "Audit log file")->required();
  verify->add_option("--key-file", o.key_file, "The audit HMAC key (mode 0600)")->required();
  verify->add_flag("--json", o.json, "Print JSON");
  verify->callback([&o] { o.status = run_audit_verify(o.source, o.key_file, o.json, std::cout, std::cerr); });
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"nucleus: run AI agents inside an enforcing permission envelope"};
  app.require_subcommand(1);
  Options options;
  add_profiles_verb(app, options);
  add_policy_verbs(app, options);
  add_audit_verbs(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return options.status;
}

}  // namespace nucleus::cli
