// Running the git CLI inside the proxy, on a repository the agent controls.
// Repository configuration can name programs for git to run (hooks,
// fsmonitor, clean filters, gpg, credential helpers, receive-pack), so every
// invocation overrides those settings on the command line, reads no system
// or global config, and starts from an environment built here. Internal to
// the git tools.
#pragma once

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "proxy/process.h"
#include "proxy/run_tool.h"
#include "proxy/tool.h"
#include "sandbox/confinement.h"

namespace nucleus::proxy::git {

struct GitOptions {
  std::vector<std::string> extra_env;     // NAME=value, added to the base environment
  std::vector<std::string> extra_config;  // key=value, passed as -c after the fixed overrides
  std::string stdin_data;
  std::chrono::milliseconds timeout{60'000};
};

class GitRunner {
 public:
  // `home` is an empty directory private to the proxy; `proxy` is passed as
  // HTTP_PROXY and friends. Plain http is refused by git's protocol
  // allowlist unless `allow_plain_http`.
  // `confinement`, when set, applies to every git command.
  GitRunner(std::string git_program, std::string home, EgressProxyEnvironment proxy,
            bool allow_plain_http,
            std::shared_ptr<const sandbox::CommandConfinement> confinement = nullptr);

  // Runs `git <overrides> <args>` in `cwd`, as the proxy's user. A
  // repository found by discovery must be `cwd` itself: discovery does not
  // climb above it (GIT_CEILING_DIRECTORIES), and it is the only directory
  // marked safe.directory, so it may be owned by another user.
  Result<ProcessResult> run(const std::string& cwd, const std::vector<std::string>& args,
                            const GitOptions& options = {}) const;

  // The argv and environment `run` would use, for tests and logs.
  std::vector<std::string> argv(const std::string& cwd, const std::vector<std::string>& args,
                                const GitOptions& options) const;
  std::vector<std::string> environment(const std::string& cwd, const GitOptions& options) const;

 private:
  std::string git_program_;
  std::string home_;
  EgressProxyEnvironment proxy_;
  bool allow_plain_http_;
  std::shared_ptr<const sandbox::CommandConfinement> confinement_;
};

// `text` with every occurrence of `secret` replaced by "[REDACTED]". An
// empty secret leaves the text unchanged.
std::string scrub_secret(std::string text, std::string_view secret);

// The last `max_bytes` of `text` or less, cut at a line start when one is
// close, and trimmed of surrounding whitespace: git prints the reason for a
// failure last.
std::string tail_of_output(std::string_view text, std::size_t max_bytes);

// Runs git and turns a start failure, a timeout or an exit status outside
// `accepted` into a ToolError (see command_failure).
std::variant<ProcessResult, ToolError> run_checked(const GitRunner& runner, const std::string& cwd,
                                                   const std::vector<std::string>& args,
                                                   const GitOptions& options,
                                                   std::initializer_list<int> accepted = {0});

// The error for a git command that failed or timed out: timed_out when it
// did, failed otherwise, with git's stderr (secret scrubbed) in the message.
ToolError command_failure(std::string_view what, const ProcessResult& result,
                          std::string_view secret);

}  // namespace nucleus::proxy::git
