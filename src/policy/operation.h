// Operations an agent can ask for and the capability levels that gate them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace nucleus::policy {

// The eleven side-effecting operations. The numeric order is stable and is
// used for bit sets and arrays; append new operations at the end only.
enum class Operation : std::uint8_t {
  read_files,
  write_files,
  edit_files,
  run_bash,
  glob_search,
  grep_search,
  web_search,
  web_fetch,
  git_commit,
  git_push,
  create_pr,
};

inline constexpr std::size_t kOperationCount = 11;

inline constexpr std::array<Operation, kOperationCount> kAllOperations = {
    Operation::read_files,  Operation::write_files, Operation::edit_files,
    Operation::run_bash,    Operation::glob_search, Operation::grep_search,
    Operation::web_search,  Operation::web_fetch,   Operation::git_commit,
    Operation::git_push,    Operation::create_pr,
};

// Capability levels form a chain: never < low_risk < always. Both low_risk
// and always allow an operation; low_risk records a bounded grant, so a
// parent at low_risk caps a child that asks for always.
enum class Level : std::uint8_t { never = 0, low_risk = 1, always = 2 };

std::string_view to_string(Operation op);
std::string_view to_string(Level level);

// Parse the snake_case names used in documents; nullopt for anything else
// (no case folding, no aliases).
std::optional<Operation> parse_operation(std::string_view name);
std::optional<Level> parse_level(std::string_view name);

inline constexpr std::size_t index_of(Operation op) {
  return static_cast<std::size_t>(op);
}

}  // namespace nucleus::policy
