// GitTools::push. The push does not run in the agent's repository: the
// branch's commit is pushed from a temporary bare repository in the
// proxy's private directory that borrows the agent's objects through
// objects/info/alternates. The git process that talks to the network and
// sees the token therefore reads no configuration the agent wrote: no
// url.*.insteadOf, http.*, remote.* or credential settings from the
// repository.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "common/errno_text.h"
#include "policy/url.h"
#include "proxy/git_tools.h"
#include "proxy/git_tools_state.h"
#include "proxy/tool_arguments.h"

namespace nucleus::proxy {
namespace {

constexpr std::size_t kMaxNameBytes = 1024;
constexpr std::size_t kMaxPushOutputBytes = 2048;

ToolError invalid(std::string message) {
  return ToolError{ToolError::Kind::invalid_argument, std::move(message)};
}

std::string trim_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Rules that hold for both names before git sees them: nothing that git
// could take as an option, and nothing that could split or hide a word.
std::optional<ToolError> check_name(std::string_view field, const std::string& value) {
  if (value.empty()) return invalid(fmt::format("argument \"{}\" is empty", field));
  if (value.size() > kMaxNameBytes) {
    return invalid(fmt::format("argument \"{}\" is longer than {} bytes", field, kMaxNameBytes));
  }
  if (value.front() == '-') {
    return invalid(fmt::format("argument \"{}\" must not start with '-'", field));
  }
  const bool has_space_or_control = std::any_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
  if (has_space_or_control) {
    return invalid(
        fmt::format("argument \"{}\" must not contain whitespace or control characters", field));
  }
  return std::nullopt;
}

// Removes a directory tree on destruction.
class TempDir {
 public:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code error;
    std::filesystem::remove_all(path_, error);
    if (error) spdlog::warn("git_push: removing {} failed: {}", path_, error.message());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct PushTarget {
  std::string url;
  std::string host;  // set for http and https URLs
};

// The URL git would push to for `remote`: the argument itself when it is a
// URL or an absolute path, else the remote's pushurl or url from the
// repository's config, read literally (no insteadOf rewriting).
std::variant<std::string, ToolError> remote_url(const GitTools::State& state,
                                                const std::string& cwd, const std::string& remote,
                                                const git::GitOptions& options) {
  if (remote.find("://") != std::string::npos || remote.front() == '/') return remote;
  // git's own rule for remote names: valid inside a ref name.
  auto valid = git::run_checked(
      state.runner, cwd, {"check-ref-format", "refs/remotes/" + remote + "/x"}, options, {0, 1});
  if (auto* error = std::get_if<ToolError>(&valid)) return *error;
  if (std::get<ProcessResult>(valid).exit_code != 0) {
    return invalid(fmt::format("remote \"{}\" is neither a URL nor a valid remote name", remote));
  }
  for (const std::string& key : {"remote." + remote + ".pushurl", "remote." + remote + ".url"}) {
    auto found = git::run_checked(state.runner, cwd, {"config", "--get", key}, options, {0, 1});
    if (auto* error = std::get_if<ToolError>(&found)) return *error;
    if (std::get<ProcessResult>(found).exit_code == 0) {
      return trim_newline(std::get<ProcessResult>(found).stdout_data);
    }
  }
  return ToolError{ToolError::Kind::not_found,
                   fmt::format("remote \"{}\" is not configured", remote)};
}

// Accepts https URLs only, plus http URLs and local repositories when the
// config allows them. The URL is not quoted in errors because it may
// contain credentials.
std::variant<PushTarget, ToolError> check_url(const GitConfig& config, const std::string& remote,
                                              const std::string& url) {
  if (url.front() == '/' || url.rfind("file://", 0) == 0) {
    if (!config.allow_file_remotes) {
      return ToolError{ToolError::Kind::denied,
                       fmt::format("remote \"{}\" is a local repository; pushing to local "
                                   "repositories is not allowed",
                                   remote)};
    }
    return PushTarget{url, {}};
  }
  const bool https = url.rfind("https://", 0) == 0;
  const bool http = url.rfind("http://", 0) == 0;
  if (https || (http && config.allow_plain_http)) {
    auto parsed = policy::parse_url(url);
    if (!parsed) {
      return invalid(
          fmt::format("the URL of remote \"{}\" is invalid: {}", remote, parsed.error()));
    }
    return PushTarget{url, parsed->host};
  }
  return ToolError{
      ToolError::Kind::denied,
      fmt::format("the URL of remote \"{}\" does not use https; only https remotes are "
                  "allowed",
                  remote)};
}

// A bare repository whose refs/heads/<branch> is `commit`, with the
// objects borrowed from `objects_dir`.
std::variant<TempDir, ToolError> make_push_repository(const GitTools::State& state,
                                                      const std::string& objects_dir,
                                                      const std::string& branch,
                                                      const std::string& commit,
                                                      const git::GitOptions& options) {
  std::string pattern = state.instance_dir + "/push-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return ToolError{ToolError::Kind::failed, syscall_error("mkdtemp", pattern)};
  }
  TempDir repository(pattern);
  auto init = git::run_checked(state.runner, repository.path(),
                               {"init", "--bare", "--quiet", "--template=", "."}, options);
  if (auto* error = std::get_if<ToolError>(&init)) return *error;

  const std::string info_dir = repository.path() + "/objects/info";
  std::error_code created;
  std::filesystem::create_directories(info_dir, created);
  std::ofstream alternates(info_dir + "/alternates");
  alternates << objects_dir << '\n';
  alternates.close();
  if (created || !alternates) {
    return ToolError{ToolError::Kind::failed, "writing " + info_dir + "/alternates failed"};
  }

  auto updated =
      git::run_checked(state.runner, repository.path(),
                       {"--git-dir=.", "update-ref", "refs/heads/" + branch, commit}, options);
  if (auto* error = std::get_if<ToolError>(&updated)) return *error;
  return repository;
}

// The commit of local branch `branch`, after checking that the name is one
// `git check-ref-format --branch` accepts unchanged (which also rules out
// shorthands such as @{-1}).
std::variant<std::string, ToolError> branch_commit(const GitTools::State& state,
                                                   const std::string& cwd,
                                                   const std::string& branch,
                                                   const git::GitOptions& options) {
  auto checked = git::run_checked(state.runner, cwd, {"check-ref-format", "--branch", branch},
                                  options, {0, 128});
  if (auto* error = std::get_if<ToolError>(&checked)) return *error;
  const ProcessResult& format = std::get<ProcessResult>(checked);
  if (format.exit_code != 0 || trim_newline(format.stdout_data) != branch) {
    return invalid(fmt::format("branch \"{}\" is not a valid branch name", branch));
  }

  auto resolved = git::run_checked(
      state.runner, cwd, {"rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}"},
      options, {0, 1});
  if (auto* error = std::get_if<ToolError>(&resolved)) return *error;
  if (std::get<ProcessResult>(resolved).exit_code != 0) {
    return ToolError{ToolError::Kind::not_found,
                     fmt::format("branch \"{}\" does not exist", branch)};
  }
  return trim_newline(std::get<ProcessResult>(resolved).stdout_data);
}

std::variant<std::string, ToolError> objects_directory(const GitTools::State& state,
                                                       const std::string& cwd,
                                                       const git::GitOptions& options) {
  auto common = git::run_checked(
      state.runner, cwd, {"rev-parse", "--path-format=absolute", "--git-common-dir"}, options);
  if (auto* error = std::get_if<ToolError>(&common)) return *error;
  return trim_newline(std::get<ProcessResult>(common).stdout_data) + "/objects";
}

// The askpass variables, only when the token is meant for this host.
std::vector<std::string> credential_environment(const GitTools::State& state,
                                                const PushTarget& target) {
  const auto& credentials = state.config.credentials;
  if (!credentials || target.host.empty() || target.host != credentials->host) return {};
  return {"GIT_ASKPASS=" + state.askpass_path};
}

bool is_rejection(std::string_view output) {
  return output.find("[rejected]") != std::string_view::npos ||
         output.find("[remote rejected]") != std::string_view::npos;
}

}  // namespace

ToolResult GitTools::push(const nlohmann::json& arguments) const {
  State& state = *state_;
  ToolArguments reader(arguments, {"remote", "branch"});
  const std::string remote = reader.required_string("remote");
  const std::string branch = reader.required_string("branch");
  if (reader.error()) return *reader.error();
  if (auto error = check_name("remote", remote)) return *error;
  if (auto error = check_name("branch", branch)) return *error;

  auto cwd = state.resolve_dir(state.config.work_dir);
  if (!cwd) {
    return tool_error(ToolError::Kind::failed, "resolving the work dir failed: " + cwd.error());
  }
  std::lock_guard lock(state.mutex);
  git::GitOptions options;
  options.timeout = state.config.command_timeout;

  auto commit = branch_commit(state, *cwd, branch, options);
  if (auto* error = std::get_if<ToolError>(&commit)) return *error;
  auto url = remote_url(state, *cwd, remote, options);
  if (auto* error = std::get_if<ToolError>(&url)) return *error;
  auto target = check_url(state.config, remote, std::get<std::string>(url));
  if (auto* error = std::get_if<ToolError>(&target)) return *error;
  auto objects = objects_directory(state, *cwd, options);
  if (auto* error = std::get_if<ToolError>(&objects)) return *error;
  auto repository = make_push_repository(state, std::get<std::string>(objects), branch,
                                         std::get<std::string>(commit), options);
  if (auto* error = std::get_if<ToolError>(&repository)) return *error;

  git::GitOptions push_options;
  push_options.timeout = state.config.push_timeout;
  push_options.extra_env = credential_environment(state, std::get<PushTarget>(target));
  const std::string refspec = "refs/heads/" + branch + ":refs/heads/" + branch;
  const std::string& repository_path = std::get<TempDir>(repository).path();
  auto pushed = state.runner.run(
      repository_path, {"--git-dir=.", "push", "--", std::get<PushTarget>(target).url, refspec},
      push_options);
  if (!pushed) return tool_error(ToolError::Kind::failed, "git push: " + pushed.error());

  // Both branches must be string_views: a std::string temporary here would
  // leave `token` dangling.
  const std::string_view token =
      state.config.credentials ? std::string_view(state.config.credentials->token) : std::string_view();
  const std::string output = git::tail_of_output(
      git::scrub_secret(pushed->stderr_data + pushed->stdout_data, token), kMaxPushOutputBytes);
  if (pushed->exit_code != 0 || pushed->timed_out) {
    if (!pushed->timed_out && is_rejection(output)) {
      return tool_error(ToolError::Kind::conflict, "the remote rejected the push: " + output);
    }
    return git::command_failure("git push", *pushed, token);
  }
  spdlog::info("git_push: pushed remote={} branch={} commit={}", remote, branch,
               std::get<std::string>(commit));
  return nlohmann::json{
      {"remote", remote}, {"branch", branch}, {"commit", std::get<std::string>(commit)},
      {"pushed", true},   {"output", output},
  };
}

}  // namespace nucleus::proxy
