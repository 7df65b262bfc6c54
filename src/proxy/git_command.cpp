#include "proxy/git_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>

#include "proxy/text_encoding.h"

namespace nucleus::proxy::git {
namespace {

// Settings that would let the repository's own config (or a config file it
// includes) run a program in the proxy. A -c setting wins over every config
// file, and an empty credential.helper clears the helpers listed before it.
constexpr std::array<std::string_view, 12> kOverrides = {
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.askPass=",
    "credential.helper=",
    "commit.gpgSign=false",
    "tag.gpgSign=false",
    "push.gpgSign=false",
    "gc.auto=0",
    "maintenance.auto=false",
    // Only the protocols below may be used; ssh, git:// and remote helpers
    // such as ext:: are refused.
    "protocol.allow=never",
    "protocol.file.allow=always",
    "protocol.https.allow=always",
};

constexpr std::size_t kMaxErrorOutputBytes = 2048;

}  // namespace

GitRunner::GitRunner(std::string git_program, std::string home, EgressProxyEnvironment proxy,
                     bool allow_plain_http,
                     std::shared_ptr<const sandbox::CommandConfinement> confinement)
    : git_program_(std::move(git_program)),
      home_(std::move(home)),
      proxy_(std::move(proxy)),
      allow_plain_http_(allow_plain_http),
      confinement_(std::move(confinement)) {}

std::vector<std::string> GitRunner::argv(const std::string& cwd,
                                         const std::vector<std::string>& args,
                                         const GitOptions& options) const {
  std::vector<std::string> out = {git_program_};
  auto add_config = [&out](std::string_view setting) {
    out.emplace_back("-c");
    out.emplace_back(setting);
  };
  for (std::string_view setting : kOverrides) add_config(setting);
  if (allow_plain_http_) add_config("protocol.http.allow=always");
  add_config("safe.directory=" + cwd);
  for (const std::string& setting : options.extra_config) add_config(setting);
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

std::vector<std::string> GitRunner::environment(const std::string& cwd,
                                                const GitOptions& options) const {
  const std::string parent = std::filesystem::path(cwd).parent_path().string();
  std::vector<std::string> env = {
      "PATH=/usr/bin:/bin",
      "HOME=" + home_,
      // English messages: push rejections are recognized by their text.
      "LC_ALL=C",
      "GIT_CONFIG_NOSYSTEM=1",
      "GIT_CONFIG_GLOBAL=/dev/null",
      "GIT_ATTR_NOSYSTEM=1",
      "GIT_TERMINAL_PROMPT=0",
      "GIT_LITERAL_PATHSPECS=1",
      "GIT_CEILING_DIRECTORIES=" + parent,
  };
  append_proxy_environment(proxy_, env);
  env.insert(env.end(), options.extra_env.begin(), options.extra_env.end());
  return env;
}

Result<ProcessResult> GitRunner::run(const std::string& cwd, const std::vector<std::string>& args,
                                     const GitOptions& options) const {
  ProcessSpec spec;
  spec.argv = argv(cwd, args, options);
  spec.cwd = cwd;
  spec.env = environment(cwd, options);
  spec.stdin_data = options.stdin_data;
  spec.timeout = options.timeout;
  spec.no_new_privs = true;
  if (confinement_) {
    spec.confinement = &confinement_->confinement();
  }
  return run_process(spec);
}

std::string scrub_secret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  std::size_t position = 0;
  while ((position = text.find(secret, position)) != std::string::npos) {
    text.replace(position, secret.size(), "[REDACTED]");
    position += 10;
  }
  return text;
}

std::string tail_of_output(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    text.remove_prefix(text.size() - max_bytes);
    const std::size_t newline = text.find('\n');
    if (newline != std::string_view::npos && newline < max_bytes / 4) {
      text.remove_prefix(newline + 1);
    }
  }
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const std::size_t end = text.find_last_not_of(" \t\r\n");
  return text::to_valid_utf8(text.substr(begin, end - begin + 1));
}

std::variant<ProcessResult, ToolError> run_checked(const GitRunner& runner, const std::string& cwd,
                                                   const std::vector<std::string>& args,
                                                   const GitOptions& options,
                                                   std::initializer_list<int> accepted) {
  // args.front() is the subcommand, or --git-dir=... before it.
  const std::string what = "git " + args.front();
  auto result = runner.run(cwd, args, options);
  if (!result) return ToolError{ToolError::Kind::failed, what + ": " + result.error()};
  const bool accepted_status = result->exit_code && std::find(accepted.begin(), accepted.end(),
                                                              *result->exit_code) != accepted.end();
  if (!accepted_status || result->timed_out) return command_failure(what, *result, {});
  return std::move(*result);
}

ToolError command_failure(std::string_view what, const ProcessResult& result,
                          std::string_view secret) {
  const std::string output = tail_of_output(
      scrub_secret(result.stderr_data.empty() ? result.stdout_data : result.stderr_data, secret),
      kMaxErrorOutputBytes);
  if (result.timed_out) {
    return ToolError{ToolError::Kind::timed_out,
                     fmt::format("{} timed out after {} ms", what, result.duration.count())};
  }
  const std::string status = result.exit_code ? fmt::format("exit status {}", *result.exit_code)
                                              : fmt::format("signal {}", result.signal.value_or(0));
  return ToolError{ToolError::Kind::failed,
                   fmt::format("{} failed ({}): {}", what, status, output)};
}

}  // namespace nucleus::proxy::git
