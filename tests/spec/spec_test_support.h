// Helpers shared by the spec tests: reading the quickstart examples and
// checking the position and field path of parse errors.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "spec/document.h"

namespace nucleus::spec::testing {

// The repository root: $NUCLEUS_SOURCE_DIR when ctest sets it, otherwise
// derived from this file's path so the binary also runs on its own.
inline std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("NUCLEUS_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

inline std::string read_example(std::string_view name) {
  const std::filesystem::path path = source_dir() / "examples" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::vector<Document> parse_ok(std::string_view text) {
  auto result = parse_documents(text, "test.yaml");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error());
  if (!result.ok()) return {};
  return std::move(result).value();
}

inline std::string parse_error(std::string_view text) {
  auto result = parse_documents(text, "test.yaml");
  EXPECT_FALSE(result.ok()) << "expected a parse error for:\n" << text;
  return result.ok() ? std::string() : result.error();
}

// Asserts that parsing `text` fails with "test.yaml:<location>: <rest>"
// where `location` is "line:column" and `rest` starts with the field path
// (or message) prefix `expected_start` and contains `expected_part`.
inline void expect_error_at(std::string_view text, std::string_view location,
                            std::string_view expected_start, std::string_view expected_part) {
  const std::string error = parse_error(text);
  const std::string prefix = "test.yaml:" + std::string(location) + ": ";
  ASSERT_TRUE(error.starts_with(prefix)) << "error: " << error << "\nexpected position " << prefix;
  const std::string rest = error.substr(prefix.size());
  EXPECT_TRUE(rest.starts_with(expected_start))
      << "error: " << error << "\nexpected after position: " << expected_start;
  EXPECT_NE(rest.find(expected_part), std::string::npos)
      << "error: " << error << "\nexpected to contain: " << expected_part;
}

// Every field of a document as text, one per line, so two documents can be
// compared with one EXPECT_EQ that shows the difference. `line` is left
// out because equivalent YAML and JSON texts start documents on different
// lines.
inline std::string dump(const Document& document) {
  std::ostringstream out;
  const PolicySpec& spec = document.spec;
  out << "kind " << to_string(document.kind) << "\napi_version " << document.api_version
      << "\nname " << document.name << "\nnamespace " << document.namespace_
      << "\nprofile " << spec.profile.value_or("-") << "\nwork_dir " << spec.work_dir.value_or("-")
      << "\ntimeout " << (spec.timeout_seconds ? std::to_string(*spec.timeout_seconds) : "-")
      << "\nimage " << spec.image.value_or("-") << "\n";

  for (const auto& [op, level] : spec.capabilities) {
    out << "capability " << policy::to_string(op) << "=" << policy::to_string(level) << "\n";
  }
  for (const auto op : spec.obligations) out << "obligation " << policy::to_string(op) << "\n";

  out << "paths.allowed" << (spec.paths.has_allowed ? "" : " (absent)") << ":";
  for (const auto& p : spec.paths.allowed) out << " " << p;
  out << "\npaths.blocked" << (spec.paths.has_blocked ? "" : " (absent)") << ":";
  for (const auto& p : spec.paths.blocked) out << " " << p;
  out << "\ncommands.allowed" << (spec.commands.has_allowed ? "" : " (absent)") << ":";
  for (const auto& rule : spec.commands.allowed) out << " {" << rule.text() << "}";
  out << "\ncommands.blocked" << (spec.commands.has_blocked ? "" : " (absent)") << ":";
  for (const auto& rule : spec.commands.blocked) out << " {" << rule.text() << "}";

  const BudgetSpec& budget = spec.budget;
  out << "\nmax_cost_usd " << (budget.max_cost_usd ? budget.max_cost_usd->to_string() : "-")
      << "\nmax_input_tokens " << (budget.max_input_tokens ? std::to_string(*budget.max_input_tokens) : "-")
      << "\nmax_output_tokens " << (budget.max_output_tokens ? std::to_string(*budget.max_output_tokens) : "-")
      << "\nvalid_from " << (spec.time.valid_from ? std::to_string(*spec.time.valid_from) : "-")
      << "\nvalid_until " << (spec.time.valid_until ? std::to_string(*spec.time.valid_until) : "-")
      << "\nnetwork";
  if (!spec.network) out << " (absent)";
  if (spec.network) {
    for (const auto& rule : spec.network->dns_allow) out << " " << rule.text();
  }

  const ResourcesSpec& resources = spec.resources;
  out << "\ncpu_millis " << (resources.cpu_millis ? std::to_string(*resources.cpu_millis) : "-")
      << "\nmemory_mib " << (resources.memory_mib ? std::to_string(*resources.memory_mib) : "-")
      << "\npids " << (resources.pids ? std::to_string(*resources.pids) : "-")
      << "\ntemplate_ref " << document.claim.template_ref << "\nttl "
      << (document.claim.ttl_seconds ? std::to_string(*document.claim.ttl_seconds) : "-") << "\n";
  return out.str();
}

}  // namespace nucleus::spec::testing
