// The `run` tool: runs a command line (through /bin/sh -c) or an argv in
// the workspace as an unprivileged user, with an allowlisted environment,
// a timeout and output caps, and returns the exit status and the output.
//
// Arguments: {argv?: [string], command?: string, cwd?: agent path (default
// the work dir), env?: {NAME: value}, timeout_seconds?: integer,
// stdin?: string}, exactly one of argv and command.
// Result: {exit_code: integer or null, signal?: "SIGKILL" etc., stdout,
// stderr, stdout_truncated, stderr_truncated, timed_out, duration_ms}.
// Output is returned as UTF-8, with invalid bytes replaced by U+FFFD.
//
// The tool checks no policy itself: the proxy core decides run_bash on
// run_command_line(arguments) before calling it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "proxy/process.h"
#include "proxy/tool.h"
#include "sandbox/confinement.h"

namespace nucleus::proxy {

// The egress proxy settings that commands (and git) see. Each non-empty
// field becomes NAME=value in both upper and lower case, for example
// HTTPS_PROXY and https_proxy.
struct EgressProxyEnvironment {
  std::string http_proxy;
  std::string https_proxy;
  std::string all_proxy;
  std::string no_proxy;
};

void append_proxy_environment(const EgressProxyEnvironment& proxy, std::vector<std::string>& env);

struct RunLimits {
  std::chrono::seconds default_timeout{120};
  std::chrono::seconds max_timeout{3600};
  // Per stream: stdout and stderr are capped separately.
  std::size_t max_output_bytes = 1024 * 1024;
  std::size_t max_stdin_bytes = 1024 * 1024;
  // SIGTERM to SIGKILL after a timeout.
  std::chrono::milliseconds kill_grace{2'000};
};

struct RunConfig {
  // Absolute agent path of the work dir: the default cwd and, resolved,
  // the commands' HOME.
  std::string work_dir;
  // The user commands run as. The proxy must not start with commands
  // running as its own user (or with none set, which means its own user)
  // unless allow_same_user is set, a development-only flag: RunTool::make
  // enforces this.
  std::optional<Credentials> run_as = Credentials{65534, 65534};
  bool allow_same_user = false;
  // Names the caller's `env` may set. Names that choose what runs or what
  // a program loads (PATH, LD_*, BASH_ENV, GIT_SSH_COMMAND and the rest of
  // policy::shell::is_dangerous_variable) and the names of the fixed base
  // environment are rejected even when listed here.
  std::vector<std::string> env_allowlist = {"CI", "RUST_BACKTRACE", "GOFLAGS", "NODE_ENV",
                                            "PYTHONUNBUFFERED"};
  EgressProxyEnvironment proxy;
  RunLimits limits;
  // Kernel confinement for every command; nullptr runs them unconfined.
  std::shared_ptr<const sandbox::CommandConfinement> confinement;
  // Whenever the last running command ends, SIGKILL every process left of
  // the run_as user (kill_all_processes_of), so nothing a command started
  // with setsid() outlives it. Only inside a sandbox's own pid namespace.
  bool sweep_leftovers = false;
};

// Counts running commands, so the leftover sweep waits until none runs.
struct RunningCommands {
  std::mutex mutex;
  int running = 0;  // guarded by mutex
};

// Maps an agent path to the real directory it names, or fails when it is
// not a directory inside the workspace. The workspace implements the
// confinement.
using ResolveDir = std::function<Result<std::string>(const std::string& agent_path)>;

class RunTool {
 public:
  // Checks the config and fails when it is unsafe or inconsistent. That is
  // no distinct user without allow_same_user, a relative work dir, or an
  // allowlisted name that is invalid, dangerous or part of the base
  // environment. It is also a default timeout above the maximum.
  static Result<RunTool> make(RunConfig config, ResolveDir resolve_dir);

  // Validates the arguments and runs the command. invalid_argument for bad
  // arguments or an env name outside the allowlist, too_large for stdin
  // over the limit, denied when cwd does not resolve inside the workspace,
  // failed when the program cannot be started. A command that runs and
  // fails or times out is a result, not an error.
  ToolResult call(const nlohmann::json& arguments) const;

  // The environment every command starts from (before the caller's
  // allowlisted entries): PATH, HOME=`home`, LANG, TERM and the proxy
  // settings.
  std::vector<std::string> base_environment(const std::string& home) const;

  const RunConfig& config() const { return config_; }

 private:
  RunTool(RunConfig config, ResolveDir resolve_dir)
      : config_(std::move(config)),
        resolve_dir_(std::move(resolve_dir)),
        running_(std::make_shared<RunningCommands>()) {}

  Result<ProcessResult> run_and_sweep(const ProcessSpec& spec) const;

  RunConfig config_;
  ResolveDir resolve_dir_;
  std::shared_ptr<RunningCommands> running_;
};

// The command line the policy decides on: `command` as given, or `argv`
// quoted with shell_quote_argv. invalid_argument unless exactly one of
// them is present and well-formed.
std::variant<std::string, ToolError> run_command_line(const nlohmann::json& arguments);

// Quotes `argv` so that POSIX sh (and policy::split_command_line) splits it
// back into exactly these words: one simple command, no assignments, no
// redirections. Words that need it are single-quoted, with each ' written
// as '\''. Precondition: no word contains a NUL byte, which no shell word
// can hold. policy::split_command_line rejects a program word that is a
// reserved word or brace ("if", "{") even when quoted, so the policy denies
// such an argv instead of misreading it.
std::string shell_quote_argv(const std::vector<std::string>& argv);

}  // namespace nucleus::proxy
