// Valid documents: every field of each kind, the accepted spellings and
// forms, and YAML/JSON equivalence.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "spec/document.h"
#include "spec_test_support.h"

namespace nucleus::spec {
namespace {

using policy::Level;
using policy::Operation;
using testing::dump;
using testing::parse_ok;

constexpr std::string_view kFullPodSpec = R"yaml(apiVersion: nucleus.io/v1
kind: PodSpec
metadata:
  name: full.pod-1
  namespace: agents
  labels: {team: infra, tier: "1"}
  annotations:
    note: "anything: goes"
spec:
  profile: fix-issue
  work_dir: /srv//work/./repo/
  timeout_seconds: 604800
  image: python:3.12-slim
  capabilities:
    read_files: always
    git_push: never
  obligations: [git_push, create_pr]
  paths:
    allowed: ["/srv/work/**", "src/*.cpp"]
    blocked: []
  commands:
    allowed:
      - git status
      - program: git
        args: [push, "*"]
    blocked:
      - rm
  budget:
    max_cost_usd: 12.345
    max_input_tokens: 1000000
    max_output_tokens: 0
  time:
    valid_from: 2026-12-01T00:00:00Z
    valid_until: "2026-12-01T09:00:01+09:00"
  network:
    dns_allow:
      - "api.anthropic.com:443"
      - "*.example.com:8443"
  resources:
    cpu: 500m
    memory_mib: 2048
    pids: 256
    disk_mib: 4096
)yaml";

constexpr std::string_view kFullPodSpecJson = R"json({
  "apiVersion": "nucleus.io/v1", "kind": "PodSpec",
  "metadata": {"name": "full.pod-1", "namespace": "agents",
               "labels": {"team": "infra", "tier": "1"},
               "annotations": {"note": "anything: goes"}},
  "spec": {
    "profile": "fix-issue", "work_dir": "/srv//work/./repo/", "timeout_seconds": 604800,
    "image": "python:3.12-slim",
    "capabilities": {"read_files": "always", "git_push": "never"},
    "obligations": ["git_push", "create_pr"],
    "paths": {"allowed": ["/srv/work/**", "src/*.cpp"], "blocked": []},
    "commands": {"allowed": ["git status", {"program": "git", "args": ["push", "*"]}],
                 "blocked": ["rm"]},
    "budget": {"max_cost_usd": 12.345, "max_input_tokens": 1000000, "max_output_tokens": 0},
    "time": {"valid_from": "2026-12-01T00:00:00Z", "valid_until": "2026-12-01T09:00:01+09:00"},
    "network": {"dns_allow": ["api.anthropic.com:443", "*.example.com:8443"]},
    "resources": {"cpu": "500m", "memory_mib": 2048, "pids": 256, "disk_mib": 4096}
  }
})json";

TEST(SpecPodSpec, ParsesEveryField) {
  const std::vector<Document> documents = parse_ok(kFullPodSpec);
  ASSERT_EQ(documents.size(), 1u);
  const Document& document = documents[0];
  EXPECT_EQ(document.kind, DocumentKind::pod_spec);
  EXPECT_EQ(document.name, "full.pod-1");
  EXPECT_EQ(document.namespace_, "agents");
  EXPECT_EQ(document.line, 1);

  const PolicySpec& spec = document.spec;
  EXPECT_EQ(spec.profile, "fix-issue");
  EXPECT_EQ(spec.work_dir, "/srv/work/repo");
  EXPECT_EQ(spec.timeout_seconds, kMaxTimeoutSeconds);
  EXPECT_EQ(spec.image, "python:3.12-slim");
  EXPECT_EQ(spec.capabilities, (std::map<Operation, Level>{{Operation::read_files, Level::always},
                                                          {Operation::git_push, Level::never}}));
  EXPECT_EQ(spec.obligations, (std::vector<Operation>{Operation::git_push, Operation::create_pr}));
  EXPECT_EQ(spec.paths.allowed, (std::vector<std::string>{"/srv/work/**", "src/*.cpp"}));
  EXPECT_TRUE(spec.paths.has_allowed);
  EXPECT_TRUE(spec.paths.blocked.empty());
  EXPECT_TRUE(spec.paths.has_blocked);  // present but empty

  ASSERT_EQ(spec.commands.allowed.size(), 2u);
  EXPECT_EQ(spec.commands.allowed[0], policy::CommandRule::prefix("git status").value());
  EXPECT_EQ(spec.commands.allowed[1],
            policy::CommandRule::structured("git", {"push", "*"}).value());
  ASSERT_EQ(spec.commands.blocked.size(), 1u);
  EXPECT_EQ(spec.commands.blocked[0], policy::CommandRule::prefix("rm").value());

  ASSERT_TRUE(spec.budget.max_cost_usd.has_value());
  EXPECT_EQ(spec.budget.max_cost_usd->nanos(), 12'345'000'000);
  EXPECT_EQ(spec.budget.max_input_tokens, 1'000'000u);
  EXPECT_EQ(spec.budget.max_output_tokens, 0u);

  EXPECT_EQ(spec.time.valid_from, 1'796'083'200);  // 2026-12-01T00:00:00Z
  EXPECT_EQ(spec.time.valid_until, 1'796'083'200 + 1);
  ASSERT_TRUE(spec.network.has_value());
  ASSERT_EQ(spec.network->dns_allow.size(), 2u);
  EXPECT_EQ(spec.network->dns_allow[0].text(), "api.anthropic.com:443");
  EXPECT_EQ(spec.network->dns_allow[1].text(), "*.example.com:8443");
  EXPECT_EQ(spec.resources.cpu_millis, 500u);
  EXPECT_EQ(spec.resources.memory_mib, 2048u);
  EXPECT_EQ(spec.resources.pids, 256u);
  EXPECT_EQ(spec.resources.disk_mib, 4096u);
}

TEST(SpecPodSpec, JsonFormMatchesYaml) {
  const std::vector<Document> yaml = parse_ok(kFullPodSpec);
  const std::vector<Document> json = parse_ok(kFullPodSpecJson);
  ASSERT_EQ(yaml.size(), 1u);
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(dump(json[0]), dump(yaml[0]));
}

TEST(SpecPodSpec, EmptySpecSetsNothing) {
  const auto documents = parse_ok("apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: p}\nspec: {}\n");
  ASSERT_EQ(documents.size(), 1u);
  const PolicySpec& spec = documents[0].spec;
  EXPECT_FALSE(spec.profile.has_value());
  EXPECT_FALSE(spec.work_dir.has_value());
  EXPECT_TRUE(spec.capabilities.empty());
  EXPECT_FALSE(spec.network.has_value());
}

TEST(SpecPodSpec, EmptyNetworkAllowsNoEgress) {
  const auto documents = parse_ok(
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: p}\nspec: {network: {}}\n");
  ASSERT_EQ(documents.size(), 1u);
  ASSERT_TRUE(documents[0].spec.network.has_value());
  EXPECT_TRUE(documents[0].spec.network->dns_allow.empty());
}

TEST(SpecPodSpec, CostIsExactDecimal) {
  for (const std::string_view cost : {"5.00", "\"5.00\"", "0.1", "0.000000001", "0"}) {
    SCOPED_TRACE(cost);
    const auto documents = parse_ok("apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: p}\n"
                                    "spec: {budget: {max_cost_usd: " + std::string(cost) + "}}\n");
    ASSERT_EQ(documents.size(), 1u);
    std::string text(cost);
    std::erase(text, '"');
    EXPECT_EQ(documents[0].spec.budget.max_cost_usd, policy::Decimal::parse(text));
  }
}

TEST(SpecPodSpec, CpuQuantityForms) {
  const std::vector<std::pair<std::string, std::uint32_t>> cases = {
      {"500m", 500}, {"\"500m\"", 500}, {"2", 2000}, {"\"2\"", 2000},
      {"1.5", 1500}, {"0.001", 1},     {"1m", 1},    {"1024", 1'024'000},
  };
  for (const auto& [text, millis] : cases) {
    SCOPED_TRACE(text);
    const auto documents = parse_ok("apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: p}\n"
                                    "spec: {resources: {cpu: " + text + "}}\n");
    ASSERT_EQ(documents.size(), 1u);
    EXPECT_EQ(documents[0].spec.resources.cpu_millis, millis);
  }
}

TEST(SpecPodSpec, AcceptsFittingCoreTags) {
  const auto documents = parse_ok(
      "apiVersion: !!str nucleus.io/v1\nkind: PodSpec\nmetadata: !!map {name: p}\n"
      "spec:\n  timeout_seconds: !!int 60\n  obligations: !!seq [git_push]\n  image: !!str 3.12\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].spec.timeout_seconds, 60);
  EXPECT_EQ(documents[0].spec.image, "3.12");
}

TEST(SpecPodSpec, PlainScalarsReadAsStrings) {
  const auto documents = parse_ok(
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: p\n  labels: {enabled: yes, v: 2}\n"
      "spec: {image: 3.12}\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].spec.image, "3.12");
}

TEST(SpecPodSpec, AcceptsBomAndCrlf) {
  const auto documents = parse_ok(
      "\xEF\xBB\xBF" "apiVersion: nucleus.io/v1\r\nkind: PodSpec\r\nmetadata:\r\n  name: p\r\n"
      "spec:\r\n  profile: demo\r\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].spec.profile, "demo");
}

TEST(SpecPodSpec, CrlfErrorPositions) {
  testing::expect_error_at(
      "apiVersion: nucleus.io/v1\r\nkind: PodSpec\r\nmetadata:\r\n  name: p\r\nspec:\r\n  profile: x\r\n",
      "6:12", "spec.profile: ", "unknown profile \"x\"");
}

TEST(SpecPodSpec, BomNotCountedInColumns) {
  testing::expect_error_at("\xEF\xBB\xBF" "kind: !!int PodSpec\n", "1:7", "kind: ", "does not match its tag");
}

TEST(SpecPodSpec, SkipsTrailingEmptyDocument) {
  const auto documents = parse_ok(
      "---\napiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: p}\nspec: {}\n---\n# end\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].line, 2);
}

TEST(SpecConfigMap, PodSpecNameWins) {
  const auto documents = parse_ok(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: outer}\ndata:\n"
      "  other: ignored\n  pod.yaml: |\n    apiVersion: nucleus.io/v1\n    kind: PodSpec\n"
      "    metadata: {name: inner-pod, namespace: inner}\n    spec: {profile: demo}\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].kind, DocumentKind::config_map);
  EXPECT_EQ(documents[0].name, "inner-pod");
  EXPECT_EQ(documents[0].namespace_, "inner");
  EXPECT_EQ(documents[0].spec.profile, "demo");
}

TEST(SpecConfigMap, FallsBackToConfigMapName) {
  const auto documents = parse_ok(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: ns}\ndata:\n"
      "  pod.yaml: |-\n    apiVersion: nucleus.io/v1\n    kind: PodSpec\n    spec: {}\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].name, "cm");
  EXPECT_EQ(documents[0].namespace_, "ns");
}

TEST(SpecSandbox, AcceptsSnakeCaseSpellings) {
  const auto documents = parse_ok(
      "apiVersion: nucleus.io/v1\nkind: NucleusSandbox\nmetadata: {name: sb}\n"
      "spec: {work_dir: /w, timeout_seconds: 30}\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents[0].spec.work_dir, "/w");
  EXPECT_EQ(documents[0].spec.timeout_seconds, 30);
}

TEST(SpecSandbox, NetworkAndResourcesUnderSpec) {
  const auto documents = parse_ok(
      "apiVersion: nucleus.io/v1\nkind: NucleusSandbox\nmetadata: {name: sb}\nspec:\n"
      "  timeoutSeconds: 30\n  network: {dns_allow: ['pypi.org:443']}\n  resources: {pids: 64}\n"
      "  permissions: {obligations: [run_bash], time: {valid_until: 2030-01-01T00:00:00Z}}\n");
  ASSERT_EQ(documents.size(), 1u);
  const PolicySpec& spec = documents[0].spec;
  EXPECT_EQ(spec.timeout_seconds, 30);
  ASSERT_TRUE(spec.network.has_value());
  EXPECT_EQ(spec.network->dns_allow.at(0).text(), "pypi.org:443");
  EXPECT_EQ(spec.resources.pids, 64u);
  EXPECT_EQ(spec.obligations, (std::vector<Operation>{Operation::run_bash}));
  EXPECT_EQ(spec.time.valid_until, 1'893'456'000);
}

TEST(SpecClaim, TtlForms) {
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"1h", 3600}, {"30m", 1800}, {"90s", 90}, {"2h30m", 9000}, {"1d", 86400},
      {"600", 600}, {"\"45s\"", 45}, {"30d", kMaxClaimTtlSeconds},
  };
  for (const auto& [text, seconds] : cases) {
    SCOPED_TRACE(text);
    const auto documents = parse_ok(
        "apiVersion: nucleus.io/v1\nkind: NucleusSandboxClaim\nmetadata: {name: c}\n"
        "spec: {templateRef: t, ttl: " + text + "}\n");
    ASSERT_EQ(documents.size(), 1u);
    EXPECT_EQ(documents[0].claim.ttl_seconds, seconds);
  }
}

TEST(SpecClaim, TtlIsOptional) {
  const auto documents = parse_ok(
      "apiVersion: nucleus.io/v1\nkind: NucleusSandboxClaim\nmetadata: {name: c}\nspec: {templateRef: t}\n");
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_FALSE(documents[0].claim.ttl_seconds.has_value());
}

TEST(SpecParse, LaterErrorFailsWholeStream) {
  auto result = parse_documents(
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: p}\nspec: {}\n---\n"
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata: {name: q}\nspec: {profile: bad}\n",
      "two.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().starts_with("two.yaml:9:17: spec.profile: ")) << result.error();
}

TEST(SpecParse, ToStringNamesEveryKind) {
  EXPECT_EQ(to_string(DocumentKind::pod_spec), "PodSpec");
  EXPECT_EQ(to_string(DocumentKind::config_map), "ConfigMap");
  EXPECT_EQ(to_string(DocumentKind::nucleus_sandbox), "NucleusSandbox");
  EXPECT_EQ(to_string(DocumentKind::nucleus_sandbox_claim), "NucleusSandboxClaim");
}

}  // namespace
}  // namespace nucleus::spec
