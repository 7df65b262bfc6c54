// The MCP server driven by the official TypeScript SDK client
// (@modelcontextprotocol/sdk from npm, installed by scripts/test.sh) over
// stdio (`nucleus mcp`) and over the node's streamable HTTP endpoint. The
// client lists tools, reads a file, is denied a write, calls an unknown
// tool and waits through an approval that this test grants.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "child_process.h"
#include "node_fixture.h"

namespace nucleus::node::testing {
namespace {

using nlohmann::json;

const std::string kClientDir = std::string(NUCLEUS_SOURCE_DIR) + "/tests/mcp/client";

// Fails (never skips) when the client cannot run: the SDK is part of the
// test command's setup.
void require_sdk_client() {
  ASSERT_FALSE(find_in_path("node").empty()) << "node is not installed; scripts/install-deps.sh installs nodejs";
  ASSERT_TRUE(std::filesystem::exists(kClientDir + "/node_modules/@modelcontextprotocol/sdk/package.json"))
      << "the MCP SDK is not installed; run: npm ci --prefix " << kClientDir << " (scripts/test.sh does)";
}

class McpSdkTest : public NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    if (IsSkipped()) return;
    require_sdk_client();
    start_node();
    // fix-issue, without web_search and create_pr: run and git_push need
    // approval (trifecta), and two tools must be missing from the list.
    pod_ = create_pod(
        "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: sdk\nspec:\n  profile: fix-issue\n"
        "  capabilities:\n    web_search: never\n    create_pr: never\n  resources:\n    disk_mib: 32\n");
    wait_for_phase(pod_, "running");
    const std::string tar = make_tar({{"notes.txt", "remember the milk\n"}});
    ASSERT_EQ(request("PUT", "/v1/pods/" + pod_ + "/workspace", agent_token(), tar, "application/x-tar").status, 200);
  }

  // Grants the first approval that shows up, after `delay` so that the
  // client sees progress notifications first.
  std::future<std::string> approve_when_pending(std::chrono::milliseconds delay) {
    return std::async(std::launch::async, [this, delay]() -> std::string {
      for (int i = 0; i < 600; ++i) {
        const json listed = request("GET", "/v1/pods/" + pod_ + "/approvals", agent_token()).json();
        if (listed.is_object() && !listed["approvals"].empty()) {
          std::this_thread::sleep_for(delay);
          const std::string id = listed["approvals"][0]["approval_id"];
          const HttpResult decided = request_text("POST", "/v1/pods/" + pod_ + "/approvals/" + id, approver_token(),
                                                  R"({"decision":"approve"})");
          return decided.status == 200 ? id : "decision failed: " + decided.body;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      return "no approval was requested";
    });
  }

  json run_scenario(const std::string& transport) {
    auto approved = approve_when_pending(std::chrono::milliseconds(2500));
    ChildProcess client({"node", kClientDir + "/scenario.mjs", transport},
                        {{"NUCLEUS_BIN", NUCLEUS_CLI_BINARY},
                         {"NODE_URL", url("")},
                         {"NODE_TOKEN", agent_token()},
                         {"POD_ID", pod_}},
                        scratch_.string());
    const ChildResult result = client.wait(std::chrono::seconds(120));
    const std::string approval = approved.get();
    EXPECT_EQ(approval.size(), 32u) << approval;
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const std::string last_line = result.out.substr(result.out.rfind('\n', result.out.size() - 2) + 1);
    json report = json::parse(result.out.empty() ? "null" : last_line, nullptr, false);
    EXPECT_TRUE(report.is_object()) << "stdout: " << result.out << "\nstderr: " << result.err;
    return report.is_object() ? report : json::object();
  }

  void check_report(const json& report) {
    EXPECT_EQ(report["server"]["name"], "nucleus");
    EXPECT_TRUE(report["capabilities"].contains("tools"));
    std::vector<std::string> names;
    for (const json& tool : report["tools"]) names.push_back(tool["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"read", "write", "edit", "glob", "grep", "run", "web_fetch",
                                               "git_commit", "git_push"}));
    for (const json& tool : report["tools"]) {
      const bool mentions_approval = tool["description"].get<std::string>().find("human approval") != std::string::npos;
      EXPECT_EQ(mentions_approval, tool["name"] == "run" || tool["name"] == "git_push") << tool["name"];
    }
    EXPECT_EQ(report["read"]["isError"], false);
    EXPECT_EQ(report["read"]["structuredContent"]["content"], "remember the milk\n");
    EXPECT_EQ(report["denied"]["isError"], true);
    EXPECT_NE(report["denied"]["content"][0]["text"].get<std::string>().find(".env"), std::string::npos);
    EXPECT_EQ(report["unknown"]["code"], -32602);
    EXPECT_EQ(report["approved"]["isError"], false) << report["approved"].dump();
    EXPECT_EQ(report["approved"]["structuredContent"]["stdout"], "approved-run\n");
    EXPECT_GE(report["progress"].size(), 2u) << report["progress"].dump();
    EXPECT_GE(report["logs"].size(), 1u);
    EXPECT_TRUE(report["ping"].is_null()) << report["ping"].dump();
  }

  std::string pod_;
};

TEST_F(McpSdkTest, StdioClientScenario) {
  const json report = run_scenario("stdio");
  check_report(report);
}

TEST_F(McpSdkTest, StreamableHttpScenario) {
  const json report = run_scenario("http");
  check_report(report);
  EXPECT_EQ(report["protocolVersion"], "2025-06-18");
}

}  // namespace
}  // namespace nucleus::node::testing
