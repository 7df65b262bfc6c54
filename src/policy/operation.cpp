#include "policy/operation.h"

namespace nucleus::policy {

namespace {

constexpr std::array<std::string_view, kOperationCount> kOperationNames = {
    "read_files", "write_files", "edit_files", "run_bash",
    "glob_search", "grep_search", "web_search", "web_fetch",
    "git_commit", "git_push", "create_pr",
};

constexpr std::array<std::string_view, 3> kLevelNames = {"never", "low_risk",
                                                         "always"};

}  // namespace

std::string_view to_string(Operation op) { return kOperationNames[index_of(op)]; }

std::string_view to_string(Level level) {
  return kLevelNames[static_cast<std::size_t>(level)];
}

std::optional<Operation> parse_operation(std::string_view name) {
  for (Operation op : kAllOperations) {
    if (kOperationNames[index_of(op)] == name) return op;
  }
  return std::nullopt;
}

std::optional<Level> parse_level(std::string_view name) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) return static_cast<Level>(i);
  }
  return std::nullopt;
}

}  // namespace nucleus::policy
