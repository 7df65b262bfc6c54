#include "proxy/search_tools.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include "policy/glob.h"
#include "proxy/file_tools.h"
#include "proxy/text_encoding.h"
#include "proxy/tool_arguments.h"
#include "proxy/tree_walk.h"

namespace nucleus::proxy {

using nlohmann::json;
using policy::Operation;

namespace {

constexpr std::size_t kBinaryProbeBytes = 8 * 1024;
constexpr std::size_t kMaxLineTextBytes = 500;

ToolOutcome<std::optional<policy::Glob>> compile_glob(const std::optional<std::string>& pattern,
                                                       const std::string& base_dir,
                                                       std::string_view key) {
  if (!pattern) return std::nullopt;
  std::string error;
  auto glob = policy::Glob::compile(*pattern, base_dir, &error);
  if (!glob) {
    return ToolError{ToolError::Kind::invalid_argument,
                     fmt::format("argument \"{}\" is not a valid glob: {}", key, error)};
  }
  return glob;
}

std::size_t read_max_results(ToolArguments& args, const Limits& limits) {
  return static_cast<std::size_t>(
      args.optional_integer("max_results", 1, limits.max_results_limit)
          .value_or(limits.default_max_results));
}

// Running totals of one grep call.
struct GrepState {
  const RE2& regex;
  const Limits& limits;
  std::size_t max_results;
  std::size_t bytes_read = 0;
  bool truncated = false;
  json matches = json::array();
};

// Searches one opened regular file. Returns false once the search must
// stop (result or total byte limit reached).
bool search_file(const OpenedEntry& file, GrepState& state) {
  const std::size_t budget = state.limits.max_grep_total_bytes - state.bytes_read;
  const std::size_t cap = std::min(state.limits.max_grep_file_bytes, budget);
  auto read = read_bytes(file.fd.get(), 0, cap, file.path);
  if (auto* error = std::get_if<ToolError>(&read)) {
    spdlog::debug("workspace: grep skipped file path={} error={}", file.path, error->message);
    return true;
  }
  const std::string& content = std::get<std::string>(read);
  state.bytes_read += content.size();
  if (static_cast<std::uint64_t>(file.status.st_size) > content.size()) state.truncated = true;

  const std::size_t probe = std::min(content.size(), kBinaryProbeBytes);
  if (std::memchr(content.data(), '\0', probe) != nullptr) return true;

  const std::string shown_path = text::to_valid_utf8(file.path);
  std::size_t line_number = 0;
  std::size_t begin = 0;
  while (begin < content.size()) {
    std::size_t end = content.find('\n', begin);
    if (end == std::string::npos) end = content.size();
    std::string_view line(content.data() + begin, end - begin);
    begin = end + 1;
    ++line_number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), state.regex)) continue;

    if (state.matches.size() >= state.max_results) {
      state.truncated = true;
      return false;
    }
    state.matches.push_back({{"path", shown_path},
                             {"line", line_number},
                             {"text", text::to_valid_utf8(text::truncate_utf8(line, kMaxLineTextBytes))}});
  }
  if (state.bytes_read >= state.limits.max_grep_total_bytes) {
    state.truncated = true;
    return false;
  }
  return true;
}

// The directory grep walks, or the parent of the single file it reads: the
// base of a relative `glob` filter.
std::string search_base(const OpenedEntry& target) {
  if (S_ISDIR(target.status.st_mode)) return target.path;
  const std::size_t slash = target.path.rfind('/');
  return slash == 0 ? "/" : target.path.substr(0, slash);
}

}  // namespace

ToolResult glob_tool(const Workspace& workspace, const PathCheck& check, const json& arguments) {
  ToolArguments args(arguments, {"pattern", "path", "max_results"});
  const std::string pattern = args.required_string("pattern");
  const std::string path = args.optional_string("path").value_or(workspace.work_dir());
  const std::size_t max_results = read_max_results(args, workspace.limits());
  if (args.error()) return *args.error();

  auto opened = workspace.open_directory(path, Operation::glob_search, check,
                                         Symlinks::follow_inside);
  if (auto* error = std::get_if<ToolError>(&opened)) return *error;
  const OpenedEntry& start = std::get<OpenedEntry>(opened);

  auto compiled = compile_glob(pattern, start.path, "pattern");
  if (auto* error = std::get_if<ToolError>(&compiled)) return *error;
  const policy::Glob& glob = *std::get<std::optional<policy::Glob>>(compiled);

  json matches = json::array();
  bool truncated = false;
  WalkBudget budget{workspace.limits().max_entries_visited};
  walk_tree(workspace, start, Operation::glob_search, check, budget, [&](const WalkEntry& entry) {
    if (!glob.matches(entry.path)) return true;
    if (matches.size() >= max_results) {
      truncated = true;
      return false;
    }
    matches.push_back(text::to_valid_utf8(entry.path));
    return true;
  });
  return json{{"matches", std::move(matches)}, {"truncated", truncated || budget.exhausted}};
}

ToolResult grep_tool(const Workspace& workspace, const PathCheck& check, const json& arguments) {
  ToolArguments args(arguments, {"pattern", "path", "glob", "max_results", "case_insensitive"});
  const std::string pattern = args.required_string("pattern");
  const std::string path = args.optional_string("path").value_or(workspace.work_dir());
  const std::optional<std::string> file_glob = args.optional_string("glob");
  const std::size_t max_results = read_max_results(args, workspace.limits());
  const bool case_insensitive = args.optional_bool("case_insensitive", false);
  if (args.error()) return *args.error();

  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!case_insensitive);
  const RE2 regex(pattern, options);
  if (!regex.ok()) {
    return tool_error(ToolError::Kind::invalid_argument,
                      fmt::format("argument \"pattern\" is not a valid RE2 regular expression: {}",
                                  regex.error()));
  }

  auto target = workspace.open_path(path, Operation::grep_search, check, Symlinks::follow_inside);
  if (auto* error = std::get_if<ToolError>(&target)) return *error;
  const OpenedEntry& found = std::get<OpenedEntry>(target);
  auto compiled = compile_glob(file_glob, search_base(found), "glob");
  if (auto* error = std::get_if<ToolError>(&compiled)) return *error;
  const std::optional<policy::Glob>& filter = std::get<std::optional<policy::Glob>>(compiled);

  GrepState state{regex, workspace.limits(), max_results};
  if (!S_ISDIR(found.status.st_mode)) {
    // A file named explicitly gets the same errors as read: not found,
    // not a regular file, blocked.
    auto file = workspace.open_file(found.path, Operation::grep_search, check, Access::read,
                                    Symlinks::follow_inside);
    if (auto* error = std::get_if<ToolError>(&file)) return *error;
    if (!filter || filter->matches(found.path)) search_file(std::get<OpenedEntry>(file), state);
    return json{{"matches", std::move(state.matches)}, {"truncated", state.truncated}};
  }

  auto directory = workspace.open_directory(found.path, Operation::grep_search, check,
                                            Symlinks::follow_inside);
  if (auto* error = std::get_if<ToolError>(&directory)) return *error;
  WalkBudget budget{workspace.limits().max_entries_visited};
  walk_tree(workspace, std::get<OpenedEntry>(directory), Operation::grep_search, check, budget,
            [&](const WalkEntry& entry) {
              if (entry.type != WalkEntry::Type::regular_file) return true;
              if (filter && !filter->matches(entry.path)) return true;
              auto file = workspace.open_file(entry.path, Operation::grep_search, check,
                                              Access::read, Symlinks::reject);
              if (std::holds_alternative<ToolError>(file)) return true;
              return search_file(std::get<OpenedEntry>(file), state);
            });
  return json{{"matches", std::move(state.matches)},
              {"truncated", state.truncated || budget.exhausted}};
}

}  // namespace nucleus::proxy
