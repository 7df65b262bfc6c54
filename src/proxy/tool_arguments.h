// Reading a tool call's JSON arguments with strict validation: the
// arguments must be an object, every key must be known, and every value
// must have the expected type. The first problem found becomes an
// invalid_argument ToolError naming the key.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/tool.h"

namespace nucleus::proxy {

// Usage: construct, read every argument, then check error(). Getters that
// run after an error return defaults and keep the first error.
class ToolArguments {
 public:
  ToolArguments(const nlohmann::json& arguments, std::initializer_list<std::string_view> known_keys);

  std::string required_string(std::string_view key);
  // Absent or null gives nullopt.
  std::optional<std::string> optional_string(std::string_view key);
  // A JSON integer in [min, max]; absent or null gives nullopt.
  std::optional<std::uint64_t> optional_integer(std::string_view key, std::uint64_t min,
                                                std::uint64_t max);
  // Absent or null gives `fallback`.
  bool optional_bool(std::string_view key, bool fallback);

  const std::optional<ToolError>& error() const { return error_; }

 private:
  const nlohmann::json* find(std::string_view key);
  void fail(std::string message);

  const nlohmann::json& arguments_;
  std::optional<ToolError> error_;
};

}  // namespace nucleus::proxy
