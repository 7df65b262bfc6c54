#include "proxy/tool_arguments.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nucleus::proxy {

ToolArguments::ToolArguments(const nlohmann::json& arguments,
                             std::initializer_list<std::string_view> known_keys)
    : arguments_(arguments) {
  if (!arguments_.is_object()) {
    fail(fmt::format("arguments must be a JSON object, got {}", arguments_.type_name()));
    return;
  }
  for (const auto& item : arguments_.items()) {
    const std::string& key = item.key();
    if (std::find(known_keys.begin(), known_keys.end(), key) != known_keys.end()) continue;
    std::vector<std::string_view> sorted(known_keys);
    std::sort(sorted.begin(), sorted.end());
    // The key came from the agent, so it is quoted as JSON to keep control
    // characters out of the message.
    fail(fmt::format("unknown argument {}; expected one of: {}", nlohmann::json(key).dump(),
                     fmt::join(sorted, ", ")));
    return;
  }
}

void ToolArguments::fail(std::string message) {
  if (!error_) error_ = ToolError{ToolError::Kind::invalid_argument, std::move(message)};
}

const nlohmann::json* ToolArguments::find(std::string_view key) {
  if (error_ || !arguments_.is_object()) return nullptr;
  const auto it = arguments_.find(key);
  if (it == arguments_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string ToolArguments::required_string(std::string_view key) {
  if (error_) return {};
  const auto it = arguments_.find(key);
  if (it == arguments_.end()) {
    fail(fmt::format("missing required argument \"{}\"", key));
    return {};
  }
  if (!it->is_string()) {
    fail(fmt::format("argument \"{}\" must be a string, got {}", key, it->type_name()));
    return {};
  }
  return it->get<std::string>();
}

std::optional<std::string> ToolArguments::optional_string(std::string_view key) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    fail(fmt::format("argument \"{}\" must be a string, got {}", key, value->type_name()));
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<std::uint64_t> ToolArguments::optional_integer(std::string_view key,
                                                             std::uint64_t min,
                                                             std::uint64_t max) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return std::nullopt;
  // Signed, unsigned and float are distinct JSON number types here; only an
  // integer that is not negative can be in range.
  const bool non_negative = value->is_number_unsigned() ||
                            (value->is_number_integer() && value->get<std::int64_t>() >= 0);
  if (!non_negative || value->get<std::uint64_t>() < min || value->get<std::uint64_t>() > max) {
    const std::string got = value->is_number() ? value->dump() : std::string(value->type_name());
    fail(fmt::format("argument \"{}\" must be an integer from {} to {}, got {}", key, min, max,
                     got));
    return std::nullopt;
  }
  return value->get<std::uint64_t>();
}

bool ToolArguments::optional_bool(std::string_view key, bool fallback) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    fail(fmt::format("argument \"{}\" must be true or false, got {}", key, value->type_name()));
    return fallback;
  }
  return value->get<bool>();
}

}  // namespace nucleus::proxy
