#include "proxy/run_tool.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "policy/shell_variables.h"
#include "proxy/text_encoding.h"
#include "proxy/tool_arguments.h"

namespace nucleus::proxy {
namespace {

constexpr std::string_view kCommandPath = "/usr/local/bin:/usr/bin:/bin";

constexpr std::array<std::string_view, 12> kReservedNames = {
    "PATH",      "HOME",     "LANG",       "TERM",        "HTTP_PROXY", "HTTPS_PROXY",
    "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",  "no_proxy",
};

bool is_reserved(std::string_view name) {
  return std::find(kReservedNames.begin(), kReservedNames.end(), name) != kReservedNames.end();
}

// The reason `name` may never be set by a caller, or nullopt.
std::optional<std::string> forbidden_name_reason(std::string_view name) {
  if (!policy::shell::is_variable_name(name)) {
    return fmt::format("{} is not a valid variable name", nlohmann::json(std::string(name)).dump());
  }
  if (is_reserved(name)) {
    return fmt::format("{} is set by the proxy and cannot be overridden", name);
  }
  if (policy::shell::is_dangerous_variable(name)) {
    return fmt::format("{} can change which program runs or what it loads", name);
  }
  return std::nullopt;
}

bool contains_nul(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

ToolError invalid(std::string message) {
  return ToolError{ToolError::Kind::invalid_argument, std::move(message)};
}

// Reads the optional argv argument: a non-empty array of strings without
// NUL bytes whose first element is not empty.
std::variant<std::optional<std::vector<std::string>>, ToolError> read_argv(
    const nlohmann::json& arguments) {
  const auto it = arguments.find("argv");
  if (it == arguments.end() || it->is_null()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) {
    return invalid(
        fmt::format("argument \"argv\" must be an array of strings, got {}", it->type_name()));
  }
  if (it->empty()) return invalid("argument \"argv\" must not be empty");
  std::vector<std::string> argv;
  for (const nlohmann::json& element : *it) {
    if (!element.is_string()) {
      return invalid(
          fmt::format("argument \"argv\" must contain only strings, got {}", element.type_name()));
    }
    argv.push_back(element.get<std::string>());
    if (contains_nul(argv.back())) return invalid("argument \"argv\" contains a NUL byte");
  }
  if (argv.front().empty()) return invalid("argument \"argv\" has an empty program name");
  return std::optional<std::vector<std::string>>(std::move(argv));
}

struct Invocation {
  std::vector<std::string> argv;  // what is executed
  std::string command_line;       // what the policy decides on
};

// Exactly one of argv and command, turned into what runs.
std::variant<Invocation, ToolError> read_invocation(const nlohmann::json& arguments) {
  if (!arguments.is_object()) {
    return invalid(fmt::format("arguments must be a JSON object, got {}", arguments.type_name()));
  }
  auto argv = read_argv(arguments);
  if (auto* error = std::get_if<ToolError>(&argv)) return *error;
  auto& parsed_argv = std::get<std::optional<std::vector<std::string>>>(argv);

  const auto it = arguments.find("command");
  const bool has_command = it != arguments.end() && !it->is_null();
  if (has_command == parsed_argv.has_value()) {
    return invalid("exactly one of \"argv\" and \"command\" is required");
  }
  if (parsed_argv) {
    std::string line = shell_quote_argv(*parsed_argv);
    return Invocation{std::move(*parsed_argv), std::move(line)};
  }
  if (!it->is_string()) {
    return invalid(fmt::format("argument \"command\" must be a string, got {}", it->type_name()));
  }
  std::string command = it->get<std::string>();
  if (command.find_first_not_of(" \t\n") == std::string::npos) {
    return invalid("argument \"command\" is empty");
  }
  if (contains_nul(command)) return invalid("argument \"command\" contains a NUL byte");
  return Invocation{{"/bin/sh", "-c", command}, command};
}

// The caller's env entries, each checked against the allowlist.
std::variant<std::vector<std::string>, ToolError> read_env(
    const nlohmann::json& arguments, const std::vector<std::string>& allowlist) {
  std::vector<std::string> entries;
  const auto it = arguments.find("env");
  if (it == arguments.end() || it->is_null()) return entries;
  if (!it->is_object()) {
    return invalid(
        fmt::format("argument \"env\" must be an object of strings, got {}", it->type_name()));
  }
  for (const auto& item : it->items()) {
    const std::string& name = item.key();
    if (auto reason = forbidden_name_reason(name)) {
      return invalid("environment variable " + *reason);
    }
    if (std::find(allowlist.begin(), allowlist.end(), name) == allowlist.end()) {
      return invalid(fmt::format("environment variable {} is not in the allowlist ({})", name,
                                 fmt::join(allowlist, ", ")));
    }
    if (!item.value().is_string()) {
      return invalid(fmt::format("environment variable {} must be a string, got {}", name,
                                 item.value().type_name()));
    }
    const std::string value = item.value().get<std::string>();
    if (contains_nul(value)) {
      return invalid(fmt::format("environment variable {} contains a NUL byte", name));
    }
    entries.push_back(name + "=" + value);
  }
  return entries;
}

std::string signal_name(int signal_number) {
  const char* abbreviation = ::sigabbrev_np(signal_number);
  if (abbreviation == nullptr) return "signal " + std::to_string(signal_number);
  return std::string("SIG") + abbreviation;
}

nlohmann::json to_json(const ProcessResult& result) {
  nlohmann::json out = nlohmann::json::object();
  out["exit_code"] = result.exit_code ? nlohmann::json(*result.exit_code) : nlohmann::json(nullptr);
  if (result.signal) out["signal"] = signal_name(*result.signal);
  out["stdout"] = text::to_valid_utf8(result.stdout_data);
  out["stderr"] = text::to_valid_utf8(result.stderr_data);
  out["stdout_truncated"] = result.stdout_truncated;
  out["stderr_truncated"] = result.stderr_truncated;
  out["timed_out"] = result.timed_out;
  out["duration_ms"] = result.duration.count();
  return out;
}

std::optional<std::string> check_config(const RunConfig& config) {
  if (config.work_dir.empty() || config.work_dir.front() != '/') {
    return fmt::format("work_dir \"{}\" is not an absolute path", config.work_dir);
  }
  if (!config.allow_same_user && (!config.run_as || config.run_as->uid == ::geteuid())) {
    return "commands must run as a user other than the proxy's (nucleus-tool-proxy: --run-uid, or "
           "--allow-same-user for development only)";
  }
  for (const std::string& name : config.env_allowlist) {
    if (auto reason = forbidden_name_reason(name)) return "env_allowlist: " + *reason;
  }
  const RunLimits& limits = config.limits;
  if (limits.default_timeout <= std::chrono::seconds::zero() ||
      limits.default_timeout > limits.max_timeout) {
    return "limits: default_timeout must be positive and at most max_timeout";
  }
  if (limits.max_output_bytes == 0) return "limits: max_output_bytes must be positive";
  return std::nullopt;
}

}  // namespace

void append_proxy_environment(const EgressProxyEnvironment& proxy, std::vector<std::string>& env) {
  const std::array<std::pair<std::string_view, const std::string*>, 4> settings = {{
      {"HTTP_PROXY", &proxy.http_proxy},
      {"HTTPS_PROXY", &proxy.https_proxy},
      {"ALL_PROXY", &proxy.all_proxy},
      {"NO_PROXY", &proxy.no_proxy},
  }};
  for (const auto& [name, value] : settings) {
    if (value->empty()) continue;
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    env.push_back(std::string(name) + "=" + *value);
    env.push_back(lower + "=" + *value);
  }
}

Result<RunTool> RunTool::make(RunConfig config, ResolveDir resolve_dir) {
  if (auto problem = check_config(config)) {
    return make_error("invalid run tool config: " + *problem);
  }
  if (!resolve_dir) return make_error("invalid run tool config: resolve_dir is empty");
  return RunTool(std::move(config), std::move(resolve_dir));
}

std::vector<std::string> RunTool::base_environment(const std::string& home) const {
  std::vector<std::string> env = {
      "PATH=" + std::string(kCommandPath),
      "HOME=" + home,
      "LANG=C.UTF-8",
      "TERM=dumb",
  };
  append_proxy_environment(config_.proxy, env);
  return env;
}

ToolResult RunTool::call(const nlohmann::json& arguments) const {
  ToolArguments reader(arguments, {"argv", "command", "cwd", "env", "timeout_seconds", "stdin"});
  const auto cwd = reader.optional_string("cwd");
  const auto stdin_data = reader.optional_string("stdin");
  const auto max_seconds = static_cast<std::uint64_t>(config_.limits.max_timeout.count());
  const auto timeout_seconds = reader.optional_integer("timeout_seconds", 1, max_seconds);
  if (reader.error()) return *reader.error();

  auto invocation = read_invocation(arguments);
  if (auto* error = std::get_if<ToolError>(&invocation)) return *error;
  auto env = read_env(arguments, config_.env_allowlist);
  if (auto* error = std::get_if<ToolError>(&env)) return *error;
  if (stdin_data && stdin_data->size() > config_.limits.max_stdin_bytes) {
    return tool_error(ToolError::Kind::too_large,
                      fmt::format("stdin is {} bytes, over the limit of {}", stdin_data->size(),
                                  config_.limits.max_stdin_bytes));
  }

  const std::string cwd_agent = cwd.value_or(config_.work_dir);
  auto cwd_real = resolve_dir_(cwd_agent);
  if (!cwd_real) {
    return tool_error(
        ToolError::Kind::denied,
        fmt::format("cwd {}: {}", nlohmann::json(cwd_agent).dump(), cwd_real.error()));
  }
  auto home = resolve_dir_(config_.work_dir);
  if (!home) {
    return tool_error(ToolError::Kind::failed, "resolving the work dir failed: " + home.error());
  }

  ProcessSpec spec;
  spec.argv = std::move(std::get<Invocation>(invocation).argv);
  spec.cwd = *cwd_real;
  spec.env = base_environment(*home);
  for (std::string& entry : std::get<std::vector<std::string>>(env)) {
    spec.env.push_back(std::move(entry));
  }
  spec.run_as = config_.run_as;
  spec.stdin_data = stdin_data.value_or("");
  spec.timeout =
      timeout_seconds ? std::chrono::seconds(*timeout_seconds) : config_.limits.default_timeout;
  spec.kill_grace = config_.limits.kill_grace;
  spec.max_output_bytes = config_.limits.max_output_bytes;
  spec.no_new_privs = true;
  if (config_.confinement) {
    spec.confinement = &config_.confinement->confinement();
  }

  auto result = run_and_sweep(spec);
  if (!result) {
    spdlog::warn("run tool: starting the command failed error={}",
                 nlohmann::json(result.error()).dump());
    return tool_error(ToolError::Kind::failed, result.error());
  }
  return to_json(*result);
}

Result<ProcessResult> RunTool::run_and_sweep(const ProcessSpec& spec) const {
  if (!config_.sweep_leftovers || !config_.run_as) return run_process(spec);
  {
    std::lock_guard lock(running_->mutex);
    ++running_->running;
  }
  auto result = run_process(spec);
  // The sweep runs under the lock, so a command starting meanwhile waits
  // for it instead of being swept with the leftovers.
  std::lock_guard lock(running_->mutex);
  if (--running_->running == 0) {
    if (auto swept = kill_all_processes_of(*config_.run_as); !swept) {
      spdlog::error("event=sweep_failed error={}", nlohmann::json(swept.error()).dump());
    }
  }
  return result;
}

namespace {

bool is_shell_safe(char c) {
  const bool alphanumeric =
      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return alphanumeric || std::string_view("_-./:,+@%=").find(c) != std::string_view::npos;
}

// Reserved words are special only as the first word, where '=' would also
// turn the word into an assignment.
bool needs_quotes_as_program(const std::string& word) {
  static constexpr std::array<std::string_view, 16> kReservedWords = {
      "if",   "then",  "else",  "elif", "fi", "do",       "done",   "case",
      "esac", "while", "until", "for",  "in", "function", "select", "time",
  };
  return word.find('=') != std::string::npos ||
         std::find(kReservedWords.begin(), kReservedWords.end(), word) != kReservedWords.end();
}

void append_quoted(const std::string& word, bool is_program, std::string& out) {
  const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), is_shell_safe) &&
                    !(is_program && needs_quotes_as_program(word));
  if (safe) {
    out += word;
    return;
  }
  out += '\'';
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
}

}  // namespace

std::string shell_quote_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    append_quoted(argv[i], i == 0, out);
  }
  return out;
}

std::variant<std::string, ToolError> run_command_line(const nlohmann::json& arguments) {
  auto invocation = read_invocation(arguments);
  if (auto* error = std::get_if<ToolError>(&invocation)) return *error;
  return std::move(std::get<Invocation>(invocation).command_line);
}

}  // namespace nucleus::proxy
