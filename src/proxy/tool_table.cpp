#include "proxy/tool_table.h"

#include <fmt/format.h>

#include "proxy/file_tools.h"
#include "proxy/search_tools.h"

namespace nucleus::proxy {

using nlohmann::json;
using policy::Operation;
using policy::Target;

namespace {

using TargetResult = std::variant<Target, ToolError>;

ToolError missing(const char* key, const char* type) {
  return {ToolError::Kind::invalid_argument, fmt::format("argument \"{}\" is missing or not a {}", key, type)};
}

// The path target of a file tool; `fallback` for search tools whose path is
// optional (the work dir).
std::function<TargetResult(const json&)> path_target(std::optional<std::string> fallback) {
  return [fallback](const json& args) -> TargetResult {
    if (args.contains("path")) {
      if (!args["path"].is_string()) return missing("path", "string");
      return Target::path(args["path"].get<std::string>());
    }
    if (fallback) return Target::path(*fallback);
    return missing("path", "string");
  };
}

TargetResult no_target(const json&) { return Target::none(); }

// Copy the listed keys of a result into its audit summary.
std::function<json(const json&)> keep(std::vector<std::string> keys) {
  return [keys = std::move(keys)](const json& result) {
    json summary = json::object();
    for (const std::string& key : keys) {
      if (result.contains(key)) summary[key] = result[key];
    }
    return summary;
  };
}

std::function<json(const json&)> count_of(std::string key) {
  return [key = std::move(key)](const json& result) {
    json summary = {{"truncated", result.value("truncated", false)}};
    summary[key] = result.contains(key) && result[key].is_array() ? result[key].size() : 0;
    return summary;
  };
}

PathCheck make_path_check(std::shared_ptr<PolicyHolder> policy) {
  // The operation's level was decided before the tool ran; inside the tool
  // only the path rules are checked again, on the path actually opened.
  return [policy](Operation, const std::string& path) { return policy::path_rules_deny_reason(*policy->get(), path); };
}

UrlCheck make_url_check(std::shared_ptr<PolicyHolder> policy) {
  return [policy](const std::string& url) -> std::optional<std::string> {
    const policy::Decision d = policy::decide(*policy->get(), Operation::web_fetch, Target::url(url));
    if (d.verdict == policy::Verdict::deny) return d.reason;
    return std::nullopt;
  };
}

// The real directory behind an agent directory path, for commands' cwd.
ResolveDir make_resolve_dir(std::shared_ptr<const Workspace> workspace, PathCheck check) {
  return [workspace, check](const std::string& agent_path) -> Result<std::string> {
    auto opened = workspace->open_directory(agent_path, Operation::run_bash, check, Symlinks::follow_inside);
    if (auto* error = std::get_if<ToolError>(&opened)) return make_error(error->message);
    const int fd = std::get<OpenedEntry>(opened).fd.get();
    std::string link = "/proc/self/fd/" + std::to_string(fd);
    std::string real(4096, '\0');
    const ssize_t n = ::readlink(link.c_str(), real.data(), real.size());
    if (n <= 0 || static_cast<std::size_t>(n) >= real.size()) {
      return make_error("cannot resolve the directory of " + agent_path);
    }
    real.resize(static_cast<std::size_t>(n));
    return real;
  };
}

void add_file_tools(ToolTable& table, const std::shared_ptr<const Workspace>& ws, const PathCheck& check) {
  table["read"] = {Operation::read_files, path_target(std::nullopt),
                   [ws, check](const json& a) { return read_tool(*ws, check, a); },
                   keep({"path", "size", "sha256", "truncated", "encoding"})};
  table["write"] = {Operation::write_files, path_target(std::nullopt),
                    [ws, check](const json& a) { return write_tool(*ws, check, a); },
                    keep({"path", "bytes", "sha256"})};
  table["edit"] = {Operation::edit_files, path_target(std::nullopt),
                   [ws, check](const json& a) { return edit_tool(*ws, check, a); },
                   keep({"path", "replacements"})};
  table["glob"] = {Operation::glob_search, path_target(ws->work_dir()),
                   [ws, check](const json& a) { return glob_tool(*ws, check, a); }, count_of("matches")};
  table["grep"] = {Operation::grep_search, path_target(ws->work_dir()),
                   [ws, check](const json& a) { return grep_tool(*ws, check, a); }, count_of("matches")};
}

}  // namespace

Result<ToolTable> make_tool_table(ToolSetup setup, std::shared_ptr<PolicyHolder> policy) {
  const PathCheck check = make_path_check(policy);
  const ResolveDir resolve_dir = make_resolve_dir(setup.workspace, check);
  auto run = RunTool::make(std::move(setup.run), resolve_dir);
  if (!run.ok()) return make_error("run tool: " + run.error());
  auto git = GitTools::make(std::move(setup.git), resolve_dir);
  if (!git.ok()) return make_error("git tools: " + git.error());

  ToolTable table;
  add_file_tools(table, setup.workspace, check);

  auto run_tool = std::make_shared<RunTool>(std::move(run).value());
  table["run"] = {Operation::run_bash,
                  [](const json& args) -> TargetResult {
                    auto line = run_command_line(args);
                    if (auto* error = std::get_if<ToolError>(&line)) return *error;
                    return Target::command(std::get<std::string>(line));
                  },
                  [run_tool](const json& a) { return run_tool->call(a); },
                  keep({"exit_code", "signal", "timed_out", "stdout_truncated", "stderr_truncated"})};

  auto web = std::make_shared<const WebConfig>(std::move(setup.web));
  const UrlCheck url_check = make_url_check(policy);
  table["web_fetch"] = {Operation::web_fetch,
                        [](const json& args) -> TargetResult {
                          if (!args.contains("url") || !args["url"].is_string()) return missing("url", "string");
                          return Target::url(args["url"].get<std::string>());
                        },
                        [web, url_check](const json& a) { return web_fetch(a, *web, url_check); },
                        keep({"url", "status", "truncated"})};
  table["web_search"] = {Operation::web_search, no_target, [web](const json& a) { return web_search(a, *web); },
                         count_of("results")};

  auto git_tools = std::make_shared<GitTools>(std::move(git).value());
  table["git_commit"] = {Operation::git_commit, no_target, [git_tools](const json& a) { return git_tools->commit(a); },
                         keep({"commit"})};
  table["git_push"] = {Operation::git_push, no_target, [git_tools](const json& a) { return git_tools->push(a); },
                       keep({"remote", "branch"})};

  auto forge = std::make_shared<const ForgeConfig>(std::move(setup.forge));
  auto token = setup.forge_token ? setup.forge_token : std::make_shared<const Secret>();
  table["create_pr"] = {Operation::create_pr, no_target,
                        [forge, token](const json& a) { return create_pr(a, *forge, *token); },
                        keep({"url", "number"})};
  return table;
}

}  // namespace nucleus::proxy
