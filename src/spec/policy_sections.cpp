#include "spec/policy_sections.h"

#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "policy/glob.h"
#include "policy/profiles.h"
#include "spec/field_path.h"
#include "spec/time_parse.h"

namespace nucleus::spec {
namespace {

std::string operation_names() {
  std::string names;
  for (const policy::Operation op : policy::kAllOperations) {
    names += names.empty() ? "" : ", ";
    names += policy::to_string(op);
  }
  return names;
}

policy::Operation read_operation(const Node& node, const std::string& path) {
  const std::string text = read_nonempty_string(node, path);
  const auto op = policy::parse_operation(text);
  if (!op) {
    fail_at(node, path, "unknown operation " + quote_value(text) + "; expected one of: " + operation_names());
  }
  return *op;
}

std::map<policy::Operation, policy::Level> read_capabilities(const Node& node,
                                                             const std::string& path) {
  expect_mapping(node, path);
  std::map<policy::Operation, policy::Level> capabilities;
  for (std::size_t i = 0; i < node.keys.size(); ++i) {
    const MappingKey& key = node.keys[i];
    const std::string key_path = append_key(path, key.text);
    const auto op = policy::parse_operation(key.text);
    if (!op) {
      throw SourceError(key.mark, key_path, "unknown operation; expected one of: " + operation_names());
    }
    const std::string level_text = read_nonempty_string(node.children[i], key_path);
    const auto level = policy::parse_level(level_text);
    if (!level) {
      fail_at(node.children[i], key_path,
              "unknown level " + quote_value(level_text) + "; expected never, low_risk or always");
    }
    capabilities[*op] = *level;
  }
  return capabilities;
}

std::vector<policy::Operation> read_obligations(const Node& node, const std::string& path) {
  expect_sequence(node, path);
  std::vector<policy::Operation> obligations;
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    obligations.push_back(read_operation(node.children[i], append_index(path, i)));
  }
  return obligations;
}

PathsSpec read_paths(const Node& node, const std::string& path) {
  const MappingReader paths(node, path, {"allowed", "blocked"});
  PathsSpec spec;
  if (const Node* allowed = paths.find("allowed")) {
    spec.allowed = read_string_list(*allowed, paths.path_of("allowed"));
    spec.has_allowed = true;
  }
  if (const Node* blocked = paths.find("blocked")) {
    spec.blocked = read_string_list(*blocked, paths.path_of("blocked"));
    spec.has_blocked = true;
  }
  return spec;
}

policy::CommandRule read_command_rule(const Node& node, const std::string& path) {
  if (node.kind != Node::Kind::mapping) {
    if (node.kind != Node::Kind::scalar || node.scalar_type == ScalarType::boolean) {
      fail_at(node, path,
              "expected a command string or a {program, args} mapping, got " +
                  std::string(describe(node)));
    }
    const std::string text = read_nonempty_string(node, path);
    auto rule = policy::CommandRule::prefix(text);
    if (!rule) fail_at(node, path, rule.error());
    return std::move(rule).value();
  }

  const MappingReader fields(node, path, {"program", "args"});
  const std::string program = read_nonempty_string(fields.require("program"), fields.path_of("program"));
  // args is required: a rule {program: rm} would match only a bare "rm",
  // which is rarely what a block list means.
  const Node* args_node = fields.find("args");
  if (args_node == nullptr) {
    throw SourceError(node.mark, fields.path_of("args"),
                      "missing required field; write args: [\"*\"] to match any arguments");
  }
  expect_sequence(*args_node, fields.path_of("args"));
  std::vector<std::string> args;
  for (std::size_t i = 0; i < args_node->children.size(); ++i) {
    args.push_back(read_string(args_node->children[i], append_index(fields.path_of("args"), i)));
  }
  auto rule = policy::CommandRule::structured(program, args);
  if (!rule) fail_at(node, path, rule.error());
  return std::move(rule).value();
}

std::vector<policy::CommandRule> read_command_list(const Node& node, const std::string& path) {
  expect_sequence(node, path);
  std::vector<policy::CommandRule> rules;
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    rules.push_back(read_command_rule(node.children[i], append_index(path, i)));
  }
  return rules;
}

CommandsSpec read_commands(const Node& node, const std::string& path) {
  const MappingReader commands(node, path, {"allowed", "blocked"});
  CommandsSpec spec;
  if (const Node* allowed = commands.find("allowed")) {
    spec.allowed = read_command_list(*allowed, commands.path_of("allowed"));
    spec.has_allowed = true;
  }
  if (const Node* blocked = commands.find("blocked")) {
    spec.blocked = read_command_list(*blocked, commands.path_of("blocked"));
    spec.has_blocked = true;
  }
  return spec;
}

BudgetSpec read_budget(const Node& node, const std::string& path) {
  const MappingReader budget(node, path, {"max_cost_usd", "max_input_tokens", "max_output_tokens"});
  BudgetSpec spec;
  if (const Node* cost = budget.find("max_cost_usd")) {
    spec.max_cost_usd = read_decimal(*cost, budget.path_of("max_cost_usd"));
    if (spec.max_cost_usd->is_negative()) {
      fail_at(*cost, budget.path_of("max_cost_usd"), "must not be negative, got " + cost->text);
    }
  }
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (const Node* tokens = budget.find("max_input_tokens")) {
    spec.max_input_tokens = read_unsigned(*tokens, budget.path_of("max_input_tokens"), 0, kMax);
  }
  if (const Node* tokens = budget.find("max_output_tokens")) {
    spec.max_output_tokens = read_unsigned(*tokens, budget.path_of("max_output_tokens"), 0, kMax);
  }
  return spec;
}

std::int64_t read_timestamp(const Node& node, const std::string& path, Rounding rounding) {
  const std::string text = read_nonempty_string(node, path);
  auto seconds = parse_rfc3339(text, rounding);
  if (!seconds) fail_at(node, path, seconds.error());
  return *seconds;
}

TimeSpec read_time(const Node& node, const std::string& path) {
  const MappingReader time(node, path, {"valid_from", "valid_until"});
  TimeSpec spec;
  // Fractional seconds round toward the inside of the window, so rounding
  // never widens it.
  if (const Node* from = time.find("valid_from")) {
    spec.valid_from = read_timestamp(*from, time.path_of("valid_from"), Rounding::up);
  }
  if (const Node* until = time.find("valid_until")) {
    spec.valid_until = read_timestamp(*until, time.path_of("valid_until"), Rounding::down);
    if (spec.valid_from && *spec.valid_until <= *spec.valid_from) {
      fail_at(*until, time.path_of("valid_until"), "must be later than valid_from");
    }
  }
  return spec;
}

}  // namespace

std::string read_profile(const Node& node, const std::string& path) {
  const std::string name = read_nonempty_string(node, path);
  if (!policy::is_profile_name(name)) {
    std::string names;
    for (const policy::ProfileInfo& profile : policy::profiles()) {
      names += names.empty() ? "" : ", ";
      names += profile.name;
    }
    fail_at(node, path, "unknown profile " + quote_value(name) + "; expected one of: " + names);
  }
  return name;
}

std::string read_work_dir(const Node& node, const std::string& path) {
  const std::string text = read_nonempty_string(node, path);
  if (!text.starts_with('/')) fail_at(node, path, "must be an absolute path, got " + quote_value(text));
  if (text.find("/../") != std::string::npos || text.ends_with("/..")) {
    fail_at(node, path, "must not contain \"..\" segments, got " + quote_value(text));
  }
  const auto normalized = policy::normalize_path(text, "/");
  if (!normalized) fail_at(node, path, "invalid path " + quote_value(text));
  return *normalized;
}

std::int64_t read_timeout_seconds(const Node& node, const std::string& path) {
  return read_integer(node, path, 1, kMaxTimeoutSeconds);
}

NetworkSpec read_network(const Node& node, const std::string& path) {
  const MappingReader network(node, path, {"dns_allow"});
  NetworkSpec spec;
  const Node* entries = network.find("dns_allow");
  if (entries == nullptr) return spec;

  const std::string entries_path = network.path_of("dns_allow");
  expect_sequence(*entries, entries_path);
  for (std::size_t i = 0; i < entries->children.size(); ++i) {
    const Node& entry = entries->children[i];
    const std::string entry_path = append_index(entries_path, i);
    const std::string text = read_nonempty_string(entry, entry_path);
    auto rule = policy::EgressRule::parse(text);
    if (!rule) fail_at(entry, entry_path, rule.error());
    spec.dns_allow.push_back(std::move(rule).value());
  }
  return spec;
}

void read_permission_sections(const MappingReader& section, PolicySpec& spec) {
  if (const Node* node = section.find("capabilities")) {
    spec.capabilities = read_capabilities(*node, section.path_of("capabilities"));
  }
  if (const Node* node = section.find("obligations")) {
    spec.obligations = read_obligations(*node, section.path_of("obligations"));
  }
  if (const Node* node = section.find("paths")) spec.paths = read_paths(*node, section.path_of("paths"));
  if (const Node* node = section.find("commands")) {
    spec.commands = read_commands(*node, section.path_of("commands"));
  }
  if (const Node* node = section.find("budget")) spec.budget = read_budget(*node, section.path_of("budget"));
  if (const Node* node = section.find("time")) spec.time = read_time(*node, section.path_of("time"));
}

}  // namespace nucleus::spec
