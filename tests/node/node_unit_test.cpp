// Unit tests of the node's pieces that need no root: configuration, tokens,
// the spec-to-sandbox mapping and the route and reply mappings.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "node/http_api.h"
#include "node/node_config.h"
#include "node/pod_plan.h"
#include "node/pod_record.h"
#include "node/tokens.h"
#include "node/tool_reply.h"

namespace nucleus::node {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

EnvironmentLookup environment_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(NodeConfig, DefaultsWithEmptyEnvironment) {
  auto parsed = parse_node_config({}, environment_of({}), "/opt/nucleus/bin");
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_TRUE(parsed->config.has_value());
  EXPECT_EQ(parsed->config->listen_host, "127.0.0.1");
  EXPECT_EQ(parsed->config->listen_port, 8080);
  EXPECT_EQ(parsed->config->driver, "namespace");
  EXPECT_EQ(parsed->config->state_dir, "/var/lib/nucleus");
  EXPECT_EQ(parsed->config->max_pods, 64u);
  EXPECT_EQ(parsed->config->sandbox_binary, "/opt/nucleus/bin/nucleus-sandbox");
  EXPECT_EQ(parsed->config->proxy_binary, "/opt/nucleus/bin/nucleus-tool-proxy");
  EXPECT_FALSE(parsed->config->agent_token.has_value());
}

TEST(NodeConfig, EnvironmentAndFlagPrecedence) {
  auto environment = environment_of({{"NUCLEUS_NODE_LISTEN", "0.0.0.0:9000"},
                                     {"NUCLEUS_NODE_STATE_DIR", "/srv/nucleus"},
                                     {"NUCLEUS_NODE_DRIVER", "firecracker"},
                                     {"NUCLEUS_NODE_FIRECRACKER_NETNS", "true"},
                                     {"NUCLEUS_NODE_TOKEN", "agent-secret"}});
  auto from_env = parse_node_config({}, environment, "/bin");
  ASSERT_TRUE(from_env) << from_env.error();
  EXPECT_EQ(from_env->config->listen_host, "0.0.0.0");
  EXPECT_EQ(from_env->config->listen_port, 9000);
  EXPECT_EQ(from_env->config->driver, "firecracker");
  EXPECT_EQ(from_env->config->firecracker_netns, "true");
  EXPECT_EQ(from_env->config->agent_token, "agent-secret");

  auto flags = parse_node_config({"--listen", "127.0.0.1:8181", "--state-dir", "/tmp/x", "--max-pods", "3"},
                                 environment, "/bin");
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_EQ(flags->config->listen_port, 8181);
  EXPECT_EQ(flags->config->state_dir, "/tmp/x");
  EXPECT_EQ(flags->config->max_pods, 3u);
}

TEST(NodeConfig, RejectsInvalidValues) {
  EXPECT_FALSE(parse_node_config({}, environment_of({{"NUCLEUS_NODE_LISTEN", "localhost"}}), "/bin"));
  EXPECT_FALSE(parse_node_config({"--listen", "127.0.0.1:70000"}, environment_of({}), "/bin"));
  EXPECT_FALSE(parse_node_config({"--driver", "docker"}, environment_of({}), "/bin"));
  EXPECT_FALSE(parse_node_config({"--state-dir", "relative/dir"}, environment_of({}), "/bin"));
  EXPECT_FALSE(parse_node_config({"--tls-cert", "/c.pem"}, environment_of({}), "/bin"));
  EXPECT_FALSE(parse_node_config({}, environment_of({{"NUCLEUS_NODE_TOKEN", ""}}), "/bin"));
  auto unknown = parse_node_config({"--no-such-flag"}, environment_of({}), "/bin");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->config.has_value());
  EXPECT_EQ(unknown->exit_status, 2);
}

TEST(NodeConfig, ListenAddressForms) {
  auto v6 = parse_listen_address("[::1]:8080");
  ASSERT_TRUE(v6) << v6.error();
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 8080);
  EXPECT_FALSE(parse_listen_address(":8080"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:0"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:8o"));
}

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nucleus-node-tokens-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TokenTest, GeneratedFilesArePrivateAndStable) {
  auto first = load_or_create_tokens(dir_.string(), std::nullopt, std::nullopt);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->agent.size(), 64u);
  EXPECT_NE(first->agent, first->approver);
  for (const char* name : {"agent", "approver"}) {
    struct stat info {};
    ASSERT_EQ(::stat((dir_ / "tokens" / name).c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u) << name;
  }
  EXPECT_EQ(read_text(dir_ / "tokens" / "agent"), first->agent + "\n");
  auto second = load_or_create_tokens(dir_.string(), std::nullopt, std::nullopt);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->agent, first->agent);
  EXPECT_EQ(second->approver, first->approver);
}

TEST_F(TokenTest, EnvironmentTokensWinAndMustDiffer) {
  auto tokens = load_or_create_tokens(dir_.string(), std::string("agent-env"), std::string("approver-env"));
  ASSERT_TRUE(tokens) << tokens.error();
  EXPECT_EQ(tokens->agent, "agent-env");
  EXPECT_EQ(tokens->approver, "approver-env");
  EXPECT_FALSE(fs::exists(dir_ / "tokens" / "agent"));
  EXPECT_FALSE(load_or_create_tokens(dir_.string(), std::string("same"), std::string("same")));
}

TEST_F(TokenTest, ReadableTokenFileIsRejected) {
  fs::create_directories(dir_ / "tokens");
  std::ofstream(dir_ / "tokens" / "agent") << "loose\n";
  ::chmod((dir_ / "tokens" / "agent").c_str(), 0644);
  EXPECT_FALSE(load_or_create_tokens(dir_.string(), std::nullopt, std::nullopt));
}

TEST(Authorize, RolesFromBearerHeader) {
  const NodeTokens tokens{"agent-token-value", "approver-token-value"};
  EXPECT_EQ(authorize("Bearer agent-token-value", tokens), Role::agent);
  EXPECT_EQ(authorize("Bearer approver-token-value", tokens), Role::approver);
  EXPECT_EQ(authorize("Bearer agent-token-valuX", tokens), Role::none);
  EXPECT_EQ(authorize("Bearer agent-token-value ", tokens), Role::none);
  EXPECT_EQ(authorize("bearer agent-token-value", tokens), Role::none);
  EXPECT_EQ(authorize("agent-token-value", tokens), Role::none);
  EXPECT_EQ(authorize("Bearer ", tokens), Role::none);
  EXPECT_EQ(authorize("", tokens), Role::none);
}

TEST(RouteAccess, AgentTokenCannotApprove) {
  const std::string decide = "/v1/pods/pod-0123456789ab/approvals/ap-1";
  EXPECT_EQ(route_access("POST", decide), RouteAccess::approver);
  EXPECT_EQ(access_status(RouteAccess::approver, Role::agent), 403);
  EXPECT_EQ(access_status(RouteAccess::approver, Role::approver), 0);
  EXPECT_EQ(access_status(RouteAccess::approver, Role::none), 401);
  EXPECT_EQ(route_access("GET", "/v1/health"), RouteAccess::open);
  EXPECT_EQ(access_status(RouteAccess::open, Role::none), 0);
  EXPECT_EQ(route_access("GET", "/v1/pods"), RouteAccess::read);
  EXPECT_EQ(access_status(RouteAccess::read, Role::approver), 0);
  EXPECT_EQ(route_access("POST", "/v1/pods"), RouteAccess::agent);
  EXPECT_EQ(access_status(RouteAccess::agent, Role::approver), 403);
  EXPECT_EQ(access_status(RouteAccess::agent, Role::agent), 0);
  EXPECT_EQ(route_access("GET", "/metrics"), RouteAccess::read);
}

TEST(ToolReply, StatusMapping) {
  EXPECT_EQ(map_call_reply({{"id", 1}, {"status", "ok"}, {"result", json::object()}}).status, 200);
  const HttpReply denied = map_call_reply({{"id", 1}, {"status", "denied"}, {"reason", "no"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body["reason"], "no");
  EXPECT_FALSE(denied.body.contains("id"));
  EXPECT_EQ(map_call_reply({{"status", "approval_required"}, {"approval_id", "a"}, {"reason", "r"}}).status, 202);
  EXPECT_EQ(map_call_reply({{"status", "error"}, {"error", {{"kind", "invalid_argument"}, {"message", "m"}}}}).status, 400);
  EXPECT_EQ(map_call_reply({{"status", "error"}, {"error", {{"kind", "not_found"}, {"message", "m"}}}}).status, 404);
  EXPECT_EQ(map_call_reply({{"status", "error"}, {"error", {{"kind", "failed"}, {"message", "m"}}}}).status, 500);
  EXPECT_EQ(map_call_reply({{"status", "weird"}}).status, 502);
  EXPECT_TRUE(is_known_tool("git_push"));
  EXPECT_FALSE(is_known_tool("rm"));
  EXPECT_EQ(decision_label({{"status", "denied"}}), "deny");
}

fs::path example(const char* name) { return fs::path(NUCLEUS_SOURCE_DIR) / "examples" / name; }

TEST(PodPlan, QuickstartConfigMap) {
  const std::string body = read_text(example("sandbox.yaml"));
  auto plan = plan_pod(body);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(plan->name, "code-review-agent");
  EXPECT_EQ(plan->profile, "code-review");
  EXPECT_EQ(plan->timeout_seconds, 3600);
  EXPECT_EQ(plan->sandbox.work_dir, "/workspace");
  EXPECT_EQ(plan->sandbox.policy_text, body);
  EXPECT_TRUE(plan->sandbox.egress);
  EXPECT_EQ(plan->egress_rules.size(), 2u);
  const sandbox::Limits defaults;
  EXPECT_EQ(plan->sandbox.limits.memory_bytes, defaults.memory_bytes);
  EXPECT_EQ(plan->sandbox.limits.workspace_bytes, defaults.workspace_bytes);
}

TEST(PodPlan, ResourcesAndNoNetwork) {
  const std::string body =
      "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: small\nspec:\n  work_dir: /src\n"
      "  resources:\n    memory_mib: 256\n    pids: 64\n    cpu: 500m\n    disk_mib: 32\n";
  auto plan = plan_pod(body);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_EQ(plan->profile, "restrictive");
  EXPECT_EQ(plan->sandbox.work_dir, "/src");
  EXPECT_EQ(plan->sandbox.limits.memory_bytes, 256ULL << 20);
  EXPECT_EQ(plan->sandbox.limits.pids, 64u);
  EXPECT_EQ(plan->sandbox.limits.cpu_millis, 500u);
  EXPECT_EQ(plan->sandbox.limits.workspace_bytes, 32ULL << 20);
  EXPECT_FALSE(plan->sandbox.egress);
  EXPECT_FALSE(plan->timeout_seconds.has_value());
}

TEST(PodPlan, NucleusSandboxAndJson) {
  auto sandbox = plan_pod(read_text(example("nucleus-sandbox.yaml")));
  ASSERT_TRUE(sandbox) << sandbox.error();
  EXPECT_EQ(sandbox->name, "my-agent");
  EXPECT_EQ(sandbox->profile, "fix-issue");
  ASSERT_TRUE(sandbox->policy.envelope().budget.max_cost_usd.has_value());

  auto json_plan = plan_pod(R"({"apiVersion": "nucleus.io/v1", "kind": "PodSpec", "metadata": {"name": "j"},
                               "spec": {"profile": "code-review"}})");
  ASSERT_TRUE(json_plan) << json_plan.error();
  EXPECT_EQ(json_plan->name, "j");
}

TEST(PodPlan, RejectsDaemonSetAndBadYaml) {
  auto daemonset = plan_pod(read_text(example("nucleus-node-daemonset.yaml")));
  ASSERT_FALSE(daemonset);
  EXPECT_NE(daemonset.error().find("request:"), std::string::npos) << daemonset.error();
  auto broken = plan_pod("kind: [unclosed\n");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("request:2:1:"), std::string::npos) << broken.error();
  EXPECT_FALSE(plan_pod(std::string(kMaxPodBodyBytes + 1, '#')));
}

TEST(PodPlan, ContentTypes) {
  EXPECT_TRUE(is_pod_content_type("application/yaml"));
  EXPECT_TRUE(is_pod_content_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_pod_content_type("application/x-yaml"));
  EXPECT_FALSE(is_pod_content_type("text/plain"));
  EXPECT_FALSE(is_pod_content_type(""));
}

TEST(PodRecord, JsonRoundTripAndAtomicWrite) {
  auto plan = plan_pod(read_text(example("sandbox.yaml")));
  ASSERT_TRUE(plan) << plan.error();
  PodRecord record;
  record.id = "pod-00112233aabb";
  record.name = "code-review-agent";
  record.phase = PodPhase::running;
  record.created = std::chrono::system_clock::from_time_t(1'800'000'000);
  record.deadline = record.created + std::chrono::hours(1);
  record.driver = "namespace";
  record.profile = "code-review";
  describe_policy(record, plan->policy);
  const json value = to_json(record);
  EXPECT_EQ(value["created"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(value["capabilities"].size(), 11u);
  EXPECT_EQ(value["capabilities"]["read_files"], "always");
  EXPECT_EQ(value["capabilities"]["write_files"], "never");
  EXPECT_TRUE(value["budget"]["max_cost_usd"].is_null() || value["budget"]["max_cost_usd"].is_string());

  const fs::path dir = fs::temp_directory_path() / ("nucleus-node-record-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ASSERT_TRUE(write_record(dir.string(), record));
  EXPECT_FALSE(fs::exists(dir / "status.json.tmp"));
  auto loaded = read_record(dir.string());
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(to_json(*loaded), value);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nucleus::node
