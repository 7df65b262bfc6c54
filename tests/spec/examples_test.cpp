// The quickstart examples in examples/ must parse exactly as written.
#include <gtest/gtest.h>

#include "spec/document.h"
#include "spec_test_support.h"

namespace nucleus::spec {
namespace {

using policy::Level;
using policy::Operation;
using testing::dump;
using testing::parse_ok;
using testing::read_example;

TEST(SpecExamples, ConfigMapParsesEveryField) {
  const std::vector<Document> documents = parse_ok(read_example("sandbox.yaml"));
  ASSERT_EQ(documents.size(), 1u);
  const Document& document = documents[0];

  EXPECT_EQ(document.kind, DocumentKind::config_map);
  EXPECT_EQ(document.api_version, "v1");
  EXPECT_EQ(document.name, "code-review-agent");
  EXPECT_EQ(document.namespace_, "nucleus-system");  // the PodSpec has none
  EXPECT_EQ(document.line, 2);

  const PolicySpec& spec = document.spec;
  EXPECT_EQ(spec.profile, "code-review");
  EXPECT_EQ(spec.work_dir, "/workspace");
  EXPECT_EQ(spec.timeout_seconds, 3600);
  EXPECT_FALSE(spec.image.has_value());

  const std::map<Operation, Level> expected_capabilities = {
      {Operation::read_files, Level::always}, {Operation::write_files, Level::never},
      {Operation::edit_files, Level::never},  {Operation::run_bash, Level::never},
      {Operation::web_search, Level::low_risk}, {Operation::web_fetch, Level::never},
      {Operation::git_commit, Level::never},  {Operation::git_push, Level::never},
      {Operation::create_pr, Level::never},
  };
  EXPECT_EQ(spec.capabilities, expected_capabilities);
  EXPECT_TRUE(spec.obligations.empty());

  ASSERT_TRUE(spec.network.has_value());
  ASSERT_EQ(spec.network->dns_allow.size(), 2u);
  EXPECT_EQ(spec.network->dns_allow[0].host(), "api.anthropic.com");
  EXPECT_EQ(spec.network->dns_allow[0].port(), 443);
  EXPECT_EQ(spec.network->dns_allow[1].host(), "api.openai.com");
  EXPECT_EQ(spec.network->dns_allow[1].port(), 443);

  EXPECT_FALSE(spec.paths.has_allowed);
  EXPECT_FALSE(spec.paths.has_blocked);
  EXPECT_FALSE(spec.commands.has_allowed);
  EXPECT_FALSE(spec.commands.has_blocked);
  EXPECT_FALSE(spec.budget.max_cost_usd.has_value());
  EXPECT_FALSE(spec.budget.max_input_tokens.has_value());
  EXPECT_FALSE(spec.budget.max_output_tokens.has_value());
  EXPECT_FALSE(spec.time.valid_from.has_value());
  EXPECT_FALSE(spec.time.valid_until.has_value());
  EXPECT_FALSE(spec.resources.cpu_millis.has_value());
  EXPECT_FALSE(spec.resources.memory_mib.has_value());
  EXPECT_FALSE(spec.resources.pids.has_value());
}

TEST(SpecExamples, SandboxStreamParsesBothDocuments) {
  const std::vector<Document> documents = parse_ok(read_example("nucleus-sandbox.yaml"));
  ASSERT_EQ(documents.size(), 2u);

  const Document& sandbox = documents[0];
  EXPECT_EQ(sandbox.kind, DocumentKind::nucleus_sandbox);
  EXPECT_EQ(sandbox.api_version, "nucleus.io/v1");
  EXPECT_EQ(sandbox.name, "my-agent");
  EXPECT_EQ(sandbox.namespace_, "");
  EXPECT_EQ(sandbox.line, 2);

  const PolicySpec& spec = sandbox.spec;
  EXPECT_EQ(spec.profile, "fix-issue");
  EXPECT_EQ(spec.work_dir, "/workspace");
  EXPECT_EQ(spec.image, "python:3.12-slim");
  EXPECT_FALSE(spec.timeout_seconds.has_value());
  const std::map<Operation, Level> expected_capabilities = {
      {Operation::read_files, Level::always},
      {Operation::run_bash, Level::low_risk},
  };
  EXPECT_EQ(spec.capabilities, expected_capabilities);
  EXPECT_TRUE(spec.paths.has_allowed);
  EXPECT_EQ(spec.paths.allowed, (std::vector<std::string>{"/workspace/**"}));
  EXPECT_TRUE(spec.paths.has_blocked);
  EXPECT_EQ(spec.paths.blocked, (std::vector<std::string>{"**/.env", "**/*.pem"}));
  ASSERT_TRUE(spec.budget.max_cost_usd.has_value());
  EXPECT_EQ(spec.budget.max_cost_usd->nanos(), 5'000'000'000);
  EXPECT_EQ(spec.budget.max_cost_usd->to_string(), "5.00");
  EXPECT_FALSE(spec.network.has_value());  // no network section: no egress
  EXPECT_TRUE(spec.obligations.empty());
  EXPECT_FALSE(spec.commands.has_allowed);

  const Document& claim = documents[1];
  EXPECT_EQ(claim.kind, DocumentKind::nucleus_sandbox_claim);
  EXPECT_EQ(claim.api_version, "nucleus.io/v1");
  EXPECT_EQ(claim.name, "agent-session");
  EXPECT_EQ(claim.line, 22);
  EXPECT_EQ(claim.claim.template_ref, "my-agent");
  EXPECT_EQ(claim.claim.ttl_seconds, 3600);
}

TEST(SpecExamples, RejectsDaemonSet) {
  auto result = parse_documents(read_example("nucleus-node-daemonset.yaml"),
                                "nucleus-node-daemonset.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(),
            "nucleus-node-daemonset.yaml:2:1: kind: DaemonSet (apps/v1) carries no Nucleus policy; "
            "expected PodSpec, ConfigMap with data.\"pod.yaml\", NucleusSandbox or "
            "NucleusSandboxClaim");
}

// sandbox.yaml as JSON: the outer ConfigMap in JSON, pod.yaml a JSON string
// holding the same PodSpec as JSON.
constexpr std::string_view kSandboxJson = R"json({
  "apiVersion": "v1",
  "kind": "ConfigMap",
  "metadata": {"name": "agent-sandbox-spec", "namespace": "nucleus-system"},
  "data": {
    "pod.yaml": "{\"apiVersion\": \"nucleus.io/v1\", \"kind\": \"PodSpec\", \"metadata\": {\"name\": \"code-review-agent\"}, \"spec\": {\"profile\": \"code-review\", \"work_dir\": \"/workspace\", \"timeout_seconds\": 3600, \"capabilities\": {\"read_files\": \"always\", \"write_files\": \"never\", \"edit_files\": \"never\", \"run_bash\": \"never\", \"web_search\": \"low_risk\", \"web_fetch\": \"never\", \"git_commit\": \"never\", \"git_push\": \"never\", \"create_pr\": \"never\"}, \"network\": {\"dns_allow\": [\"api.anthropic.com:443\", \"api.openai.com:443\"]}}}"
  }
})json";

TEST(SpecExamples, ConfigMapJsonMatchesYaml) {
  const std::vector<Document> yaml = parse_ok(read_example("sandbox.yaml"));
  const std::vector<Document> json = parse_ok(kSandboxJson);
  ASSERT_EQ(yaml.size(), 1u);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(dump(json[0]), dump(yaml[0]));
}

constexpr std::string_view kNucleusSandboxJson = R"json({"apiVersion": "nucleus.io/v1",
 "kind": "NucleusSandbox",
 "metadata": {"name": "my-agent"},
 "spec": {"profile": "fix-issue", "workDir": "/workspace", "image": "python:3.12-slim",
  "permissions": {
   "capabilities": {"read_files": "always", "run_bash": "low_risk"},
   "paths": {"allowed": ["/workspace/**"], "blocked": ["**/.env", "**/*.pem"]},
   "budget": {"max_cost_usd": 5.00}}}}
---
{"apiVersion": "nucleus.io/v1", "kind": "NucleusSandboxClaim",
 "metadata": {"name": "agent-session"}, "spec": {"templateRef": "my-agent", "ttl": "1h"}}
)json";

TEST(SpecExamples, SandboxJsonMatchesYaml) {
  const std::vector<Document> yaml = parse_ok(read_example("nucleus-sandbox.yaml"));
  const std::vector<Document> json = parse_ok(kNucleusSandboxJson);
  ASSERT_EQ(yaml.size(), 2u);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(dump(json[0]), dump(yaml[0]));
  EXPECT_EQ(dump(json[1]), dump(yaml[1]));
}

TEST(SpecExamples, RejectsJsonDaemonSet) {
  auto result = parse_documents(
      R"({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "nucleus-node"}})",
      "ds.json");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().starts_with("ds.json:1:1: kind: DaemonSet (apps/v1) carries no Nucleus policy"))
      << result.error();
}

}  // namespace
}  // namespace nucleus::spec
