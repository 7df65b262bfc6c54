// `nucleus run` end to end: a real node, the real CLI and a scripted agent
// (tests/mcp/client/scripted_agent.mjs) that uses the MCP configuration it
// is given, as Claude Code would.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "child_process.h"
#include "common/file_text.h"
#include "node_fixture.h"

namespace nucleus::node::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kClientDir = std::string(NUCLEUS_SOURCE_DIR) + "/tests/mcp/client";

class NucleusRunTest : public NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    if (IsSkipped()) return;
    ASSERT_FALSE(find_in_path("node").empty()) << "node is not installed; scripts/install-deps.sh installs nodejs";
    ASSERT_TRUE(fs::exists(kClientDir + "/node_modules/@modelcontextprotocol/sdk/package.json"))
        << "run: npm ci --prefix " << kClientDir;
    start_node();
    workspace_ = scratch_ / "project";
    fs::create_directories(workspace_ / "src");
    std::ofstream(workspace_ / "notes.txt") << "remember the milk\n";
    std::ofstream(workspace_ / "src" / "main.c") << "int main(void) { return 0; }\n";
  }

  std::map<std::string, std::string> cli_env() {
    return {{"NUCLEUS_NODE_URL", url("")},
            {"NUCLEUS_NODE_TOKEN", agent_token()},
            {"NUCLEUS_NODE_APPROVER_TOKEN", approver_token()},
            {"NUCLEUS_NODE_STATE_DIR", state_dir_.string()}};
  }

  ChildResult run_cli(const std::vector<std::string>& args, const std::string& cwd = "") {
    std::vector<std::string> argv = {NUCLEUS_CLI_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess cli(argv, cli_env(), scratch_.string(), cwd);
    const std::chrono::seconds timeout(120);
    return cli.wait(timeout);
  }

  std::size_t pod_count() { return request("GET", "/v1/pods", agent_token()).json()["pods"].size(); }

  fs::path workspace_;
};

TEST_F(NucleusRunTest, ScriptedAgentRoundTrip) {
  // The test plays the human: it approves the `run` call once it is pending.
  auto approver = std::async(std::launch::async, [this]() -> std::string {
    for (int i = 0; i < 900; ++i) {
      const json pods = request("GET", "/v1/pods", agent_token()).json();
      if (!pods.is_object()) continue;
      for (const json& pod : pods.value("pods", json::array())) {
        const std::string id = pod.value("id", "");
        // A pod that is still pending returns 409, which is not an error here.
        const json listed = request("GET", "/v1/pods/" + id + "/approvals", agent_token()).json();
        if (listed.is_object() && !listed.value("approvals", json::array()).empty()) {
          const std::string approval = listed["approvals"][0]["approval_id"];
          // Slower than nucleus run's own poll, so that it announces the approval.
          std::this_thread::sleep_for(std::chrono::seconds(1));
          return std::to_string(request_text("POST", "/v1/pods/" + id + "/approvals/" + approval, approver_token(),
                                             R"({"decision":"approve"})")
                                    .status);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return "no approval was requested";
  });
  const ChildResult result = run_cli({"run", "--profile", "fix-issue", "--workspace", workspace_.string(), "--",
                                      "node", kClientDir + "/scripted_agent.mjs"});
  EXPECT_EQ(approver.get(), "200");
  ASSERT_EQ(result.exit_code, 0) << "stdout:\n" << result.out << "\nstderr:\n" << result.err;

  const json report = json::parse(result.out.substr(result.out.find('{')), nullptr, false);
  ASSERT_TRUE(report.is_object()) << result.out;
  EXPECT_EQ(report["leaked"], json::array()) << "node credentials reached the agent";
  EXPECT_EQ(report["token"].get<std::string>().size(), 64u);
  EXPECT_NE(report["token"], agent_token()) << "the agent gets its pod's token, not the node's";
  EXPECT_NE(report["token"], approver_token());
  EXPECT_EQ(report["create_pod_status"], 403);
  EXPECT_EQ(report["pod"], report["plain_pod"]);
  EXPECT_NE(report["cwd"], workspace_.string());
  EXPECT_NE(report["http_url"].get<std::string>().find("/mcp"), std::string::npos);

  // The agent's changes are back in the directory; untouched files stay.
  EXPECT_EQ(read_file_text(workspace_ / "notes.txt"), "REMEMBER THE MILK\n");
  EXPECT_EQ(read_file_text(workspace_ / "made-by-agent.txt"), "hello\n");
  EXPECT_EQ(read_file_text(workspace_ / "src" / "main.c"), "int main(void) { return 0; }\n");
  EXPECT_FALSE(fs::exists(workspace_ / ".env"));

  // The approval was announced, and the summary adds up.
  EXPECT_NE(result.err.find("nucleus approve " + report["pod"].get<std::string>()), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("approvals   1 requested, 1 granted, 0 denied, 0 withdrawn"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(" denied,"), std::string::npos);
  EXPECT_NE(result.err.find("audit log   verified"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("tool calls  "), std::string::npos);
  EXPECT_EQ(pod_count(), 0u) << "the pod is deleted after the run";
  for (const auto& entry : fs::directory_iterator(workspace_.parent_path())) {
    EXPECT_EQ(entry.path().filename().string().find(".project.nucleus-"), std::string::npos) << entry.path();
  }
}

TEST_F(NucleusRunTest, ExitStatusAndLeaveInPod) {
  // A relative workspace path, with a trailing slash, from another directory.
  const ChildResult result =
      run_cli({"run", "--profile", "read-only", "--workspace", "project/", "--leave-in-pod", "--", "sh", "-c",
               "test -f .mcp.json && test -f nucleus-mcp.json && test \"$(stat -c %a .mcp.json)\" = 600 && exit 7"},
              scratch_.string());
  EXPECT_EQ(result.exit_code, 7) << result.err;
  EXPECT_EQ(pod_count(), 1u) << "--leave-in-pod keeps the pod";
  EXPECT_NE(result.err.find("nucleus pods delete"), std::string::npos) << result.err;
  EXPECT_EQ(read_file_text(workspace_ / "notes.txt"), "remember the milk\n");
  EXPECT_NE(result.err.find("uploaded project/ (4 entries)"), std::string::npos) << result.err;
}

// With a terminal (a pty from script(1)), nucleus run shows the approval
// box and reads the typed reply, as nucleus approve does.
class NucleusRunTerminal : public NucleusRunTest, public ::testing::WithParamInterface<bool> {};

TEST_P(NucleusRunTerminal, AsksOnTheTerminalAndFollowsTheAnswer) {
  const std::string script = find_in_path("script");
  ASSERT_FALSE(script.empty()) << "script(1) from bsdutils is needed to give nucleus run a terminal";
  const bool approve = GetParam();
  const fs::path answer = scratch_ / "answer";
  std::ofstream(answer) << (approve ? "y\n" : "n\n");
  const std::string command = shell_quote(NUCLEUS_CLI_BINARY) + " run --profile fix-issue --workspace " +
                              shell_quote(workspace_.string()) + " -- node " +
                              shell_quote(kClientDir + "/scripted_agent.mjs");
  ChildProcess terminal({script, "-qec", command, "/dev/null"}, cli_env(), scratch_.string(), "", answer.string());
  const ChildResult result = terminal.wait(std::chrono::seconds(120));
  ASSERT_FALSE(result.timed_out) << result.out;
  EXPECT_NE(result.out.find("Approve this operation? [y/N]"), std::string::npos) << result.out;
  if (approve) {
    EXPECT_EQ(result.exit_code, 0) << result.out;
    EXPECT_NE(result.out.find("1 requested, 1 granted, 0 denied"), std::string::npos) << result.out;
    EXPECT_EQ(read_file_text(workspace_ / "notes.txt"), "REMEMBER THE MILK\n");
  } else {
    EXPECT_EQ(result.exit_code, 1) << "the scripted agent fails when its run call is refused\n" << result.out;
    EXPECT_NE(result.out.find("1 requested, 0 granted, 1 denied"), std::string::npos) << result.out;
  }
  EXPECT_EQ(pod_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Answers, NucleusRunTerminal, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "yes" : "no"; });

struct BadRun {
  const char* name;
  std::vector<std::string> args;
  const char* message;
};

class NucleusRunBadInput : public NucleusRunTest, public ::testing::WithParamInterface<BadRun> {};

TEST_P(NucleusRunBadInput, ExitsTwoAndCreatesNothing) {
  std::vector<std::string> args = GetParam().args;
  for (std::string& arg : args) {
    if (arg == "WORKSPACE") arg = workspace_.string();
  }
  const ChildResult result = run_cli(args);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(GetParam().message), std::string::npos) << result.err;
  EXPECT_EQ(pod_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NucleusRunBadInput,
    ::testing::Values(
        BadRun{"no_command", {"run", "--profile", "read-only"}, "command"},
        BadRun{"unknown_profile", {"run", "--profile", "yolo", "--", "true"}, "the profiles are read-only"},
        BadRun{"missing_workspace", {"run", "--workspace", "/nonexistent/dir", "--", "true"}, "does not exist"},
        BadRun{"missing_spec", {"run", "-f", "/nonexistent/spec.yaml", "--", "true"}, "does not exist"},
        BadRun{"missing_agent", {"run", "--", "/nonexistent/agent"}, "not an executable file"},
        BadRun{"agent_not_in_path", {"run", "--", "no-such-agent-program"}, "was not found in PATH"},
        BadRun{"directory_as_agent", {"run", "--", "/tmp"}, "not an executable file"},
        BadRun{"nan_timeout", {"run", "--timeout", "nan", "--", "true"}, "--timeout must be"},
        BadRun{"profile_and_file", {"run", "--profile", "read-only", "-f", "WORKSPACE", "--", "true"}, "excludes"}),
    [](const ::testing::TestParamInfo<BadRun>& info) { return std::string(info.param.name); });

TEST_F(NucleusRunTest, InvalidSpecCreatesNoPod) {
  const fs::path spec = scratch_ / "bad.yaml";
  std::ofstream(spec) << "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: bad\nspec:\n"
                         "  capabilities:\n    read_files: sometimes\n";
  const ChildResult result = run_cli({"run", "-f", spec.string(), "--workspace", workspace_.string(), "--", "true"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("sometimes"), std::string::npos) << result.err;
  EXPECT_EQ(pod_count(), 0u);
  EXPECT_EQ(read_file_text(workspace_ / "notes.txt"), "remember the milk\n");
}

TEST_F(NucleusRunTest, SigtermDuringSetupDeletesPod) {
  const fs::path marker = scratch_ / "agent-ran";
  auto env = cli_env();
  env["NUCLEUS_RUN_TEST_MARKER"] = marker.string();
  std::vector<std::string> argv = {NUCLEUS_CLI_BINARY, "run", "--workspace", workspace_.string(), "--", "sh", "-c",
                                   "touch \"$NUCLEUS_RUN_TEST_MARKER\""};
  ChildProcess cli(argv, env, scratch_.string());
  for (int i = 0; i < 600 && pod_count() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(cli.pid(), SIGTERM);
  const ChildResult result = cli.wait(std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.err;
  EXPECT_FALSE(fs::exists(marker)) << "the agent started although nucleus run was stopped first";
  for (int i = 0; i < 100 && pod_count() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(pod_count(), 0u) << result.err;
}

TEST_F(NucleusRunTest, StubbornAgentIsKilled) {
  const fs::path agent_pid_file = scratch_ / "stubborn.pid";
  auto env = cli_env();
  env["NUCLEUS_RUN_TEST_PID"] = agent_pid_file.string();
  std::vector<std::string> argv = {NUCLEUS_CLI_BINARY, "run", "--", "sh", "-c",
                                   "trap '' TERM; echo $$ > \"$NUCLEUS_RUN_TEST_PID\"; while :; do sleep 1; done"};
  ChildProcess cli(argv, env, scratch_.string());
  for (int i = 0; i < 300 && !fs::exists(agent_pid_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(agent_pid_file));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto sent = std::chrono::steady_clock::now();
  ::kill(cli.pid(), SIGTERM);
  const ChildResult result = cli.wait(std::chrono::seconds(60));
  const auto waited = std::chrono::steady_clock::now() - sent;
  EXPECT_EQ(result.exit_code, 128 + SIGKILL) << result.err;
  EXPECT_GE(waited, std::chrono::seconds(9));
  EXPECT_LT(waited, std::chrono::seconds(30));
  EXPECT_EQ(pod_count(), 0u);
}

TEST_F(NucleusRunTest, HostEditsDuringTheRunAreKept) {
  auto env = cli_env();
  env["NUCLEUS_RUN_TEST_WS"] = workspace_.string();
  std::vector<std::string> argv = {NUCLEUS_CLI_BINARY, "run", "--workspace", workspace_.string(), "--", "sh", "-c",
                                   "echo host > \"$NUCLEUS_RUN_TEST_WS/host-edit.txt\""};
  ChildProcess cli(argv, env, scratch_.string());
  const ChildResult result = cli.wait(std::chrono::seconds(120));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("changed on the host during the run (host-edit.txt)"), std::string::npos) << result.err;
  EXPECT_EQ(read_file_text(workspace_ / "host-edit.txt"), "host\n");
  std::vector<fs::path> beside;
  for (const auto& entry : fs::directory_iterator(scratch_)) {
    if (entry.path().filename().string().starts_with("project.nucleus-pod-")) beside.push_back(entry.path());
  }
  ASSERT_EQ(beside.size(), 1u);
  EXPECT_EQ(read_file_text(beside[0] / "notes.txt"), "remember the milk\n");
  EXPECT_FALSE(fs::exists(beside[0] / "host-edit.txt"));
  EXPECT_EQ(pod_count(), 0u);
}

TEST_F(NucleusRunTest, SigtermReachesAgent) {
  std::vector<std::string> argv = {NUCLEUS_CLI_BINARY, "run", "--workspace", workspace_.string(), "--", "sh", "-c",
                                   "echo $$ > \"$NUCLEUS_RUN_TEST_PID\"; sleep 60"};
  auto env = cli_env();
  const fs::path agent_pid_file = scratch_ / "agent.pid";
  env["NUCLEUS_RUN_TEST_PID"] = agent_pid_file.string();
  ChildProcess cli(argv, env, scratch_.string());
  for (int i = 0; i < 300 && !fs::exists(agent_pid_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(agent_pid_file)) << "the agent never started";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(cli.pid(), SIGTERM);
  const ChildResult result = cli.wait(std::chrono::seconds(60));
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.err;
  EXPECT_NE(result.err.find("nucleus run summary"), std::string::npos) << result.err;
  EXPECT_EQ(pod_count(), 0u);
  EXPECT_EQ(::kill(std::stoi(read_file_text(agent_pid_file)), 0), -1) << "the agent still runs";
}

}  // namespace
}  // namespace nucleus::node::testing
