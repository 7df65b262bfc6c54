// Properties over generated specs: the YAML block form and the JSON form
// of one spec parse to the same document with the generated values, and
// parsing is deterministic.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "spec/document.h"
#include "spec_test_support.h"

namespace nucleus::spec {
namespace {

struct GeneratedSpec {
  std::string profile;
  std::int64_t timeout_seconds = 1;
  std::map<policy::Operation, policy::Level> capabilities;
  std::vector<std::string> allowed_paths;
  std::int64_t cost_nanos = 0;
  std::uint64_t max_input_tokens = 0;
  std::vector<std::string> dns_allow;
};

rc::Gen<std::string> path_pattern() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::string>>(
          rc::gen::element<std::string>("a", "src", "**", "*.pem", "x y", "caf\xC3\xA9", "#c", ": v")),
      [](const std::vector<std::string>& segments) {
        std::string path;
        for (const auto& segment : segments) path += "/" + segment;
        return path.empty() ? std::string("/") : path;
      });
}

// Lists stay short (scaled to a tenth of RapidCheck's size) so that the
// thousands of cases that CTest requests run in seconds.
rc::Gen<GeneratedSpec> generated_spec() {
  return rc::gen::scale(0.1, rc::gen::build<GeneratedSpec>(
      rc::gen::set(&GeneratedSpec::profile,
                   rc::gen::element<std::string>("read-only", "code-review", "fix-issue", "demo",
                                                 "permissive", "restrictive")),
      rc::gen::set(&GeneratedSpec::timeout_seconds, rc::gen::inRange<std::int64_t>(1, kMaxTimeoutSeconds + 1)),
      rc::gen::set(&GeneratedSpec::capabilities,
                   rc::gen::container<std::map<policy::Operation, policy::Level>>(
                       rc::gen::elementOf(policy::kAllOperations),
                       rc::gen::element(policy::Level::never, policy::Level::low_risk,
                                        policy::Level::always))),
      rc::gen::set(&GeneratedSpec::allowed_paths, rc::gen::container<std::vector<std::string>>(path_pattern())),
      rc::gen::set(&GeneratedSpec::cost_nanos,
                   rc::gen::inRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max())),
      rc::gen::set(&GeneratedSpec::max_input_tokens, rc::gen::arbitrary<std::uint64_t>()),
      rc::gen::set(&GeneratedSpec::dns_allow,
                   rc::gen::container<std::vector<std::string>>(rc::gen::map(
                       rc::gen::pair(rc::gen::element<std::string>("api.example.com", "*.pypi.org", "[::1]"),
                                     rc::gen::inRange(1, 65536)),
                       [](const std::pair<std::string, int>& entry) {
                         return entry.first + ":" + std::to_string(entry.second);
                       })))));
}

std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

std::string to_yaml(const GeneratedSpec& spec) {
  const std::string cost = policy::Decimal::from_nanos(spec.cost_nanos).to_string();
  std::string out = "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: generated\nspec:\n";
  out += "  profile: " + spec.profile + "\n";
  out += "  timeout_seconds: " + std::to_string(spec.timeout_seconds) + "\n";
  out += "  capabilities:" + std::string(spec.capabilities.empty() ? " {}" : "") + "\n";
  for (const auto& [op, level] : spec.capabilities) {
    out += "    " + std::string(policy::to_string(op)) + ": " + std::string(policy::to_string(level)) + "\n";
  }
  out += "  paths:\n    allowed:" + std::string(spec.allowed_paths.empty() ? " []" : "") + "\n";
  for (const auto& path : spec.allowed_paths) out += "      - " + quoted(path) + "\n";
  out += "  budget:\n    max_cost_usd: " + cost + "\n";
  out += "    max_input_tokens: " + std::to_string(spec.max_input_tokens) + "\n";
  out += "  network:\n    dns_allow:" + std::string(spec.dns_allow.empty() ? " []" : "") + "\n";
  for (const auto& entry : spec.dns_allow) out += "    - " + quoted(entry) + "\n";
  return out;
}

std::string to_json(const GeneratedSpec& spec) {
  std::string capabilities;
  for (const auto& [op, level] : spec.capabilities) {
    capabilities += (capabilities.empty() ? "" : ", ") + quoted(std::string(policy::to_string(op))) +
                    ": " + quoted(std::string(policy::to_string(level)));
  }
  std::string paths;
  for (const auto& path : spec.allowed_paths) paths += (paths.empty() ? "" : ", ") + quoted(path);
  std::string dns;
  for (const auto& entry : spec.dns_allow) dns += (dns.empty() ? "" : ", ") + quoted(entry);
  return R"({"apiVersion": "nucleus.io/v1", "kind": "PodSpec", "metadata": {"name": "generated"},)"
         R"( "spec": {"profile": )" + quoted(spec.profile) +
         ", \"timeout_seconds\": " + std::to_string(spec.timeout_seconds) +
         ", \"capabilities\": {" + capabilities + "}, \"paths\": {\"allowed\": [" + paths +
         "]}, \"budget\": {\"max_cost_usd\": " + policy::Decimal::from_nanos(spec.cost_nanos).to_string() +
         ", \"max_input_tokens\": " + std::to_string(spec.max_input_tokens) +
         "}, \"network\": {\"dns_allow\": [" + dns + "]}}}";
}

RC_GTEST_PROP(SpecProperties, YamlAndJsonAgree, ()) {
  const GeneratedSpec spec = *generated_spec();
  auto yaml = parse_documents(to_yaml(spec), "g.yaml");
  auto json = parse_documents(to_json(spec), "g.json");
  RC_ASSERT(yaml.ok());
  RC_ASSERT(json.ok());
  RC_ASSERT(yaml->size() == 1u);
  RC_ASSERT(testing::dump(yaml->front()) == testing::dump(json->front()));

  const PolicySpec& parsed = yaml->front().spec;
  RC_ASSERT(parsed.profile == spec.profile);
  RC_ASSERT(parsed.timeout_seconds == spec.timeout_seconds);
  RC_ASSERT(parsed.capabilities == spec.capabilities);
  RC_ASSERT(parsed.paths.allowed == spec.allowed_paths);
  RC_ASSERT(parsed.budget.max_cost_usd->nanos() == spec.cost_nanos);
  RC_ASSERT(parsed.budget.max_input_tokens == spec.max_input_tokens);
  RC_ASSERT(parsed.network->dns_allow.size() == spec.dns_allow.size());
}

RC_GTEST_PROP(SpecProperties, ParsingIsDeterministic, (const std::string& noise)) {
  const std::string text = to_yaml(*generated_spec()) + noise;
  auto first = parse_documents(text, "d.yaml");
  auto second = parse_documents(text, "d.yaml");
  RC_ASSERT(first.ok() == second.ok());
  if (first.ok()) {
    RC_ASSERT(first->size() == second->size());
    for (std::size_t i = 0; i < first->size(); ++i) {
      RC_ASSERT(testing::dump((*first)[i]) == testing::dump((*second)[i]));
    }
  } else {
    RC_ASSERT(first.error() == second.error());
    RC_ASSERT(first.error().starts_with("d.yaml:"));
  }
}

}  // namespace
}  // namespace nucleus::spec
