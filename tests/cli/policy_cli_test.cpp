// End-to-end tests of the `nucleus` binary: real process, real files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct CommandRun {
  int status = -1;
  std::string output;  // stdout and stderr together
};

std::string quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CommandRun nucleus(const std::vector<std::string>& args) {
  std::string line = quote(NUCLEUS_BINARY);
  for (const std::string& arg : args) line += " " + quote(arg);
  line += " 2>&1";
  CommandRun run;
  FILE* pipe = popen(line.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return run;
}

std::string example(const char* name) {
  return std::string(NUCLEUS_SOURCE_DIR) + "/examples/" + name;
}

TEST(CliProfiles, ListsEveryProfile) {
  const CommandRun run = nucleus({"profiles"});
  EXPECT_EQ(run.status, 0) << run.output;
  for (const char* name : {"read-only", "code-review", "fix-issue", "demo", "permissive", "restrictive"}) {
    EXPECT_NE(run.output.find(name), std::string::npos) << name;
  }
}

TEST(CliPolicyShow, QuickstartSandboxHasNoTrifecta) {
  const CommandRun run = nucleus({"policy", "show", example("sandbox.yaml"), "--json"});
  ASSERT_EQ(run.status, 0) << run.output;
  const auto json = nlohmann::json::parse(run.output);
  EXPECT_EQ(json["capabilities"]["read_files"], "always");
  EXPECT_EQ(json["capabilities"]["web_search"], "low_risk");
  EXPECT_EQ(json["capabilities"]["web_fetch"], "never");
  EXPECT_EQ(json["capabilities"]["git_push"], "never");
  EXPECT_EQ(json["trifecta"], false);
  EXPECT_EQ(json["obligations"], nlohmann::json::array());
  EXPECT_EQ(json["dns_allow"], (nlohmann::json{"api.anthropic.com:443", "api.openai.com:443"}));
  EXPECT_EQ(json["time"]["timeout_seconds"], 3600);
}

TEST(CliPolicyShow, QuickstartNucleusSandboxIsTrifectaProtected) {
  const CommandRun run = nucleus({"policy", "show", example("nucleus-sandbox.yaml"), "--json"});
  ASSERT_EQ(run.status, 0) << run.output;
  const auto json = nlohmann::json::parse(run.output);
  EXPECT_EQ(json["trifecta"], true);
  EXPECT_EQ(json["obligations"], (nlohmann::json{"run_bash", "git_push", "create_pr"}));
  EXPECT_EQ(json["trifecta_obligations"], (nlohmann::json{"run_bash", "git_push", "create_pr"}));
  EXPECT_EQ(json["budget"]["max_cost_usd"], "5.00");
  EXPECT_EQ(json["paths"][0]["allowed"], (nlohmann::json{{"/workspace/**"}}));
  const auto& blocked = json["paths"][0]["blocked"];
  EXPECT_NE(std::find(blocked.begin(), blocked.end(), "**/.env"), blocked.end());
  EXPECT_NE(std::find(blocked.begin(), blocked.end(), "**/*.pem"), blocked.end());
}

TEST(CliPolicyShow, TextMarksTrifectaObligations) {
  const CommandRun run = nucleus({"policy", "show", "fix-issue"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("git_push     low_risk   approval required (trifecta)"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("Obligations: run_bash (trifecta), git_push (trifecta), create_pr (trifecta)"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("Checksum: sha256:"), std::string::npos);
}

TEST(CliPolicyShow, RejectsDaemonSetWithReason) {
  const CommandRun run = nucleus({"policy", "show", example("nucleus-node-daemonset.yaml")});
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("DaemonSet"), std::string::npos) << run.output;
}

TEST(CliPolicyShow, RejectsUnknownSource) {
  const CommandRun run = nucleus({"policy", "show", "no-such-profile-or-file"});
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("neither a profile"), std::string::npos) << run.output;
}

TEST(CliPolicyCheck, ExitStatusFollowsDecision) {
  const std::string sandbox = example("sandbox.yaml");
  EXPECT_EQ(nucleus({"policy", "check", sandbox, "read_files", "--path", "/workspace/src/a.rs"}).status, 0);
  EXPECT_EQ(nucleus({"policy", "check", "fix-issue", "git_push"}).status, 3);
  EXPECT_EQ(nucleus({"policy", "check", sandbox, "write_files", "--path", "x"}).status, 4);
  EXPECT_EQ(nucleus({"policy", "check", sandbox, "teleport"}).status, 2);
  EXPECT_EQ(nucleus({"policy", "check", sandbox, "read_files", "--path", "a", "--url", "http://x/"}).status,
            2);
}

TEST(CliPolicyCheck, JsonCarriesDecisionAndReason) {
  const CommandRun run = nucleus({"policy", "check", "fix-issue", "read_files", "--path", "/workspace/.env", "--json"});
  ASSERT_EQ(run.status, 4) << run.output;
  const auto json = nlohmann::json::parse(run.output);
  EXPECT_EQ(json["decision"], "deny");
  EXPECT_EQ(json["reason"], "path /workspace/.env matches blocked pattern **/.env");
}

TEST(CliPolicyCheck, DnsAllowFromSpecDecidesWebFetch) {
  // The quickstart's code-review pod has web_fetch never, so web_fetch is
  // denied by level before dns_allow is consulted.
  const CommandRun run = nucleus({"policy", "check", example("sandbox.yaml"), "web_fetch", "--url",
                           "https://api.openai.com/v1/models"});
  EXPECT_EQ(run.status, 4) << run.output;
  EXPECT_NE(run.output.find("web_fetch is never"), std::string::npos) << run.output;
}

TEST(CliPolicyDelegate, ChildIsCappedByParent) {
  const CommandRun run = nucleus({"policy", "delegate", "code-review", "fix-issue", "--json"});
  ASSERT_EQ(run.status, 0) << run.output;
  const auto json = nlohmann::json::parse(run.output);
  EXPECT_EQ(json["child"]["capabilities"]["write_files"], "never");
  EXPECT_EQ(json["child"]["capabilities"]["git_push"], "never");
  const auto& capped = json["capped"];
  EXPECT_NE(std::find(capped.begin(), capped.end(), "git_push: low_risk -> never"), capped.end());
}

TEST(CliPolicyShow, ReadsSpecFromStdin) {
  const std::string path = ::testing::TempDir() + "/nucleus-stdin-spec.json";
  {
    std::ofstream file(path);
    file << R"({"apiVersion": "nucleus.io/v1", "kind": "PodSpec", "metadata": {"name": "j"},)"
         << R"( "spec": {"profile": "read-only"}})";
  }
  const std::string line = quote(NUCLEUS_BINARY) + " policy show - --json < " + quote(path);
  FILE* pipe = popen(line.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 0) << output;
  EXPECT_EQ(nlohmann::json::parse(output)["label"], "pod j (profile read-only)");
  std::filesystem::remove(path);
}

}  // namespace
