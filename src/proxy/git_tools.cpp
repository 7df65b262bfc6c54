#include "proxy/git_tools.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string_view>

#include "common/errno_text.h"
#include "common/unique_fd.h"
#include "policy/glob.h"
#include "proxy/git_tools_state.h"
#include "proxy/text_encoding.h"
#include "proxy/tool_arguments.h"

namespace nucleus::proxy {
namespace {

constexpr std::size_t kMaxIdentityBytes = 256;

ToolError invalid(std::string message) {
  return ToolError{ToolError::Kind::invalid_argument, std::move(message)};
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The first non-blank line, trimmed: the subject git keeps after
// --cleanup=whitespace.
std::string subject_of(std::string_view message) {
  std::size_t begin = message.find_first_not_of(" \t\r\n");
  std::string_view rest = message.substr(begin);
  rest = rest.substr(0, rest.find('\n'));
  const std::size_t end = rest.find_last_not_of(" \t\r");
  return std::string(rest.substr(0, end + 1));
}

Result<bool> write_private_file(const std::string& path, std::string_view content, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) return make_error(syscall_error("open", path));
  while (!content.empty()) {
    const ssize_t written = ::write(fd.get(), content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return make_error(syscall_error("write", path));
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

std::optional<std::string> check_private_dir(const std::string& path) {
  struct stat status {};
  if (path.empty() || path.front() != '/') {
    return "private_dir \"" + path + "\" is not an absolute path";
  }
  if (::lstat(path.c_str(), &status) != 0) return syscall_error("lstat", path);
  if (!S_ISDIR(status.st_mode)) return "private_dir \"" + path + "\" is not a directory";
  if (status.st_uid != ::geteuid()) {
    return "private_dir \"" + path + "\" is not owned by the proxy's user";
  }
  if ((status.st_mode & 077) != 0) {
    return fmt::format(
        "private_dir \"{}\" has mode {:o}; it must have no group or other permissions", path,
        status.st_mode & 07777);
  }
  return std::nullopt;
}

std::optional<std::string> check_credentials(const ForgeCredentials& credentials) {
  const auto is_host_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  };
  const auto is_user_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  };
  if (credentials.host.empty() ||
      !std::all_of(credentials.host.begin(), credentials.host.end(), is_host_char)) {
    return "credentials.host must be a lowercase host name";
  }
  if (credentials.username.empty() ||
      !std::all_of(credentials.username.begin(), credentials.username.end(), is_user_char)) {
    return "credentials.username must match [A-Za-z0-9._-]+";
  }
  // The token is never quoted into the message: it is a secret.
  const bool printable =
      std::all_of(credentials.token.begin(), credentials.token.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
      });
  if (credentials.token.empty() || !printable) {
    return "credentials.token must be printable ASCII without spaces";
  }
  return std::nullopt;
}

// Writes the token file (0600) and the askpass script (0700) that git runs
// for the username and password prompts.
Result<std::string> write_askpass(const std::string& instance_dir,
                                  const ForgeCredentials& credentials) {
  const std::string token_path = instance_dir + "/token";
  const std::string script_path = instance_dir + "/askpass";
  auto token = write_private_file(token_path, credentials.token + "\n", 0600);
  if (!token) return Error{token.error()};
  const std::string script =
      "#!/bin/sh\n"
      "# Answers git's credential prompts for the tool proxy.\n"
      "case \"$1\" in\n"
      "  Username*) echo " +
      credentials.username +
      " ;;\n"
      "  *) " +
      shell_quote_argv({"cat", token_path}) +
      " ;;\n"
      "esac\n";
  auto written = write_private_file(script_path, script, 0700);
  if (!written) return Error{written.error()};
  return script_path;
}

// The identity check keeps git's "Name <email>" lines well-formed.
std::optional<ToolError> check_identity(std::string_view field, std::string_view value) {
  if (is_blank(value)) return invalid(fmt::format("argument \"{}\" is empty", field));
  if (value.size() > kMaxIdentityBytes) {
    return invalid(
        fmt::format("argument \"{}\" is longer than {} bytes", field, kMaxIdentityBytes));
  }
  if (has_control_character(value) || value.find_first_of("<>") != std::string_view::npos) {
    return invalid(
        fmt::format("argument \"{}\" must not contain '<', '>' or control characters", field));
  }
  return std::nullopt;
}

// Agent paths turned into pathspecs relative to the work dir. Absent:
// nullopt, meaning all changes.
std::variant<std::optional<std::vector<std::string>>, ToolError> read_pathspecs(
    const nlohmann::json& arguments, const std::string& work_dir) {
  const auto it = arguments.find("paths");
  if (it == arguments.end() || it->is_null()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) {
    return invalid(
        fmt::format("argument \"paths\" must be an array of strings, got {}", it->type_name()));
  }
  if (it->empty()) return invalid("argument \"paths\" is empty; omit it to commit all changes");
  std::vector<std::string> specs;
  for (const nlohmann::json& element : *it) {
    if (!element.is_string()) return invalid("argument \"paths\" must contain only strings");
    const std::string path = element.get<std::string>();
    const auto normalized = policy::normalize_path(path, work_dir);
    const std::string quoted = nlohmann::json(path).dump();
    if (!normalized) return invalid(fmt::format("path {} is not a valid path", quoted));
    const std::string prefix = work_dir == "/" ? work_dir : work_dir + "/";
    if (*normalized == work_dir) {
      specs.emplace_back(".");
    } else if (normalized->rfind(prefix, 0) == 0) {
      specs.push_back(normalized->substr(prefix.size()));
    } else {
      return ToolError{ToolError::Kind::denied,
                       fmt::format("path {} is outside the work dir {}", quoted, work_dir)};
    }
  }
  return std::optional<std::vector<std::string>>(std::move(specs));
}

std::vector<std::string> with_pathspecs(std::vector<std::string> args,
                                        const std::optional<std::vector<std::string>>& specs) {
  if (!specs) return args;
  args.emplace_back("--");
  args.insert(args.end(), specs->begin(), specs->end());
  return args;
}

// Environment entries that switch off every filter driver the repository
// configures, so `git add` runs no clean or process filter. They go through
// GIT_CONFIG_COUNT rather than -c because a driver name may contain '=',
// which -c would split at.
// NOTE: the names are read before `git add` runs. A driver added to the
// config in between (by a command running at the same time) is not
// switched off.
std::variant<std::vector<std::string>, ToolError> filter_overrides(const GitTools::State& state,
                                                                   const std::string& cwd) {
  git::GitOptions options;
  options.timeout = state.config.command_timeout;
  auto listed = state.runner.run(cwd, {"config", "-z", "--get-regexp", "^filter\\."}, options);
  if (!listed) return ToolError{ToolError::Kind::failed, listed.error()};
  // Exit status 1: no filter configured.
  if (listed->exit_code == 1) return std::vector<std::string>{};
  if (listed->exit_code != 0) return git::command_failure("git config", *listed, {});

  std::set<std::string> drivers;
  std::string_view entries = listed->stdout_data;
  while (!entries.empty()) {
    const std::string_view entry = entries.substr(0, entries.find('\0'));
    entries.remove_prefix(std::min(entries.size(), entry.size() + 1));
    const std::string_view key = entry.substr(0, entry.find('\n'));
    const std::size_t first_dot = key.find('.');
    const std::size_t last_dot = key.rfind('.');
    if (last_dot > first_dot + 1) {
      drivers.emplace(key.substr(first_dot + 1, last_dot - first_dot - 1));
    }
  }

  std::vector<std::string> env;
  std::size_t index = 0;
  for (const std::string& driver : drivers) {
    for (const char* setting : {"clean", "smudge", "process"}) {
      env.push_back(fmt::format("GIT_CONFIG_KEY_{}=filter.{}.{}", index, driver, setting));
      env.push_back(fmt::format("GIT_CONFIG_VALUE_{}=", index));
      ++index;
    }
    env.push_back(fmt::format("GIT_CONFIG_KEY_{}=filter.{}.required", index, driver));
    env.push_back(fmt::format("GIT_CONFIG_VALUE_{}=false", index));
    ++index;
  }
  env.push_back(fmt::format("GIT_CONFIG_COUNT={}", index));
  return env;
}

std::variant<ProcessResult, ToolError> run_step(const GitTools::State& state,
                                                const std::string& cwd,
                                                const std::vector<std::string>& args,
                                                const git::GitOptions& options,
                                                std::initializer_list<int> accepted = {0}) {
  return git::run_checked(state.runner, cwd, args, options, accepted);
}

// Whether the index differs from HEAD for `pathspecs`. Plumbing commands
// only: porcelain diff could run a repository-configured external diff.
std::variant<bool, ToolError> has_staged_changes(
    const GitTools::State& state, const std::string& cwd,
    const std::optional<std::vector<std::string>>& pathspecs, const git::GitOptions& options) {
  auto head =
      run_step(state, cwd, {"rev-parse", "--verify", "--quiet", "HEAD^{commit}"}, options, {0, 1});
  if (auto* error = std::get_if<ToolError>(&head)) return *error;
  if (std::get<ProcessResult>(head).exit_code == 0) {
    auto diff = run_step(state, cwd,
                         with_pathspecs({"diff-index", "--cached", "--quiet", "HEAD"}, pathspecs),
                         options, {0, 1});
    if (auto* error = std::get_if<ToolError>(&diff)) return *error;
    return std::get<ProcessResult>(diff).exit_code == 1;
  }
  // No commit yet: everything in the index is new.
  auto files =
      run_step(state, cwd, with_pathspecs({"ls-files", "-z", "--cached"}, pathspecs), options);
  if (auto* error = std::get_if<ToolError>(&files)) return *error;
  return !std::get<ProcessResult>(files).stdout_data.empty();
}

ToolResult describe_head(const GitTools::State& state, const std::string& cwd,
                         const std::string& message, const git::GitOptions& options) {
  auto head = run_step(state, cwd, {"rev-parse", "--verify", "HEAD^{commit}"}, options);
  if (auto* error = std::get_if<ToolError>(&head)) return *error;
  std::string commit = std::get<ProcessResult>(head).stdout_data;
  commit.erase(commit.find_last_not_of(" \n") + 1);

  auto files = run_step(
      state, cwd, {"diff-tree", "--root", "--no-commit-id", "-r", "-z", "--name-only", "HEAD"},
      options);
  if (auto* error = std::get_if<ToolError>(&files)) return *error;
  const std::string& names = std::get<ProcessResult>(files).stdout_data;
  const auto count = std::count(names.begin(), names.end(), '\0');

  const std::string subject = text::to_valid_utf8(text::truncate_utf8(subject_of(message), 200));
  spdlog::info("git_commit: created commit={} files_changed={}", commit, count);
  return nlohmann::json{
      {"commit", commit},
      {"summary", fmt::format("{} {} ({} file{} changed)", commit.substr(0, 12), subject, count,
                              count == 1 ? "" : "s")},
  };
}

}  // namespace

GitTools::State::State(GitConfig config_in, ResolveDir resolve_dir_in, std::string instance_dir_in)
    : config(std::move(config_in)),
      resolve_dir(std::move(resolve_dir_in)),
      instance_dir(std::move(instance_dir_in)),
      runner(config.git_program, instance_dir + "/home", config.proxy, config.allow_plain_http,
             config.confinement) {}

GitTools::State::~State() {
  std::error_code error;
  std::filesystem::remove_all(instance_dir, error);
  if (error) spdlog::warn("git tools: removing {} failed: {}", instance_dir, error.message());
}

Result<GitTools> GitTools::make(GitConfig config, ResolveDir resolve_dir) {
  if (config.work_dir.empty() || config.work_dir.front() != '/') {
    return make_error("invalid git tools config: work_dir \"" + config.work_dir +
                      "\" is not absolute");
  }
  if (!resolve_dir) return make_error("invalid git tools config: resolve_dir is empty");
  if (auto problem = check_private_dir(config.private_dir)) {
    return make_error("invalid git tools config: " + *problem);
  }
  if (config.credentials) {
    if (auto problem = check_credentials(*config.credentials)) {
      return make_error("invalid git tools config: " + *problem);
    }
  }

  std::string pattern = config.private_dir + "/git-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return make_error(syscall_error("mkdtemp", pattern));
  auto state = std::make_shared<State>(std::move(config), std::move(resolve_dir), pattern);
  const std::string home = state->instance_dir + "/home";
  if (::mkdir(home.c_str(), 0700) != 0) return make_error(syscall_error("mkdir", home));
  if (state->config.credentials) {
    auto askpass = write_askpass(state->instance_dir, *state->config.credentials);
    if (!askpass) return Error{askpass.error()};
    state->askpass_path = std::move(*askpass);
  }
  return GitTools(std::move(state));
}

const GitConfig& GitTools::config() const {
  return state_->config;
}

ToolResult GitTools::commit(const nlohmann::json& arguments) const {
  State& state = *state_;
  const GitConfig& config = state.config;
  ToolArguments reader(arguments, {"message", "paths", "author_name", "author_email"});
  const std::string message = reader.required_string("message");
  const std::string author_name =
      reader.optional_string("author_name").value_or(config.default_author_name);
  const std::string author_email =
      reader.optional_string("author_email").value_or(config.default_author_email);
  if (reader.error()) return *reader.error();

  if (is_blank(message)) return invalid("argument \"message\" is empty");
  if (message.find('\0') != std::string::npos) {
    return invalid("argument \"message\" contains a NUL byte");
  }
  if (message.size() > config.max_message_bytes) {
    return tool_error(ToolError::Kind::too_large,
                      fmt::format("argument \"message\" is {} bytes, over the limit of {}",
                                  message.size(), config.max_message_bytes));
  }
  if (auto error = check_identity("author_name", author_name)) return *error;
  if (auto error = check_identity("author_email", author_email)) return *error;
  auto specs = read_pathspecs(arguments, config.work_dir);
  if (auto* error = std::get_if<ToolError>(&specs)) return *error;
  const auto& pathspecs = std::get<std::optional<std::vector<std::string>>>(specs);

  auto cwd = state.resolve_dir(config.work_dir);
  if (!cwd) {
    return tool_error(ToolError::Kind::failed, "resolving the work dir failed: " + cwd.error());
  }
  std::lock_guard lock(state.mutex);

  auto filters = filter_overrides(state, *cwd);
  if (auto* error = std::get_if<ToolError>(&filters)) return *error;
  git::GitOptions options;
  options.timeout = config.command_timeout;
  options.extra_env = std::move(std::get<std::vector<std::string>>(filters));
  for (const std::string& entry :
       {"GIT_AUTHOR_NAME=" + author_name, "GIT_AUTHOR_EMAIL=" + author_email,
        "GIT_COMMITTER_NAME=" + config.committer_name,
        "GIT_COMMITTER_EMAIL=" + config.committer_email}) {
    options.extra_env.push_back(entry);
  }

  auto added = run_step(state, *cwd, with_pathspecs({"add", "-A"}, pathspecs), options);
  if (auto* error = std::get_if<ToolError>(&added)) return *error;
  auto staged = has_staged_changes(state, *cwd, pathspecs, options);
  if (auto* error = std::get_if<ToolError>(&staged)) return *error;
  if (!std::get<bool>(staged)) return tool_error(ToolError::Kind::conflict, "nothing to commit");

  git::GitOptions commit_options = options;
  commit_options.stdin_data = message;
  std::vector<std::string> commit_args = {
      "commit", "--quiet", "--no-verify", "--cleanup=whitespace", "-F", "-"};
  if (pathspecs) commit_args.emplace_back("--only");
  auto committed = run_step(state, *cwd, with_pathspecs(commit_args, pathspecs), commit_options);
  if (auto* error = std::get_if<ToolError>(&committed)) return *error;

  return describe_head(state, *cwd, message, options);
}

}  // namespace nucleus::proxy
