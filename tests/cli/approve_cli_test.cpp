// `nucleus approve` against the fake node, and the approval box text.
#include "cli/approval_box.h"
#include "node_cli_harness.h"

namespace nucleus::cli::testing {
namespace {

using nlohmann::json;

json approval(const std::string& id) {
  return {{"approval_id", id},
          {"tool", "git_push"},
          {"operation", "git_push"},
          {"args", {{"remote", "origin"}, {"branch", "fix/overflow"}}},
          {"reason", "trifecta: private data, untrusted content and exfiltration"},
          {"created", "2026-01-01T00:00:00Z"},
          {"expires", "2026-01-01T00:10:00Z"}};
}

json trifecta_capabilities() {
  return {{"read_files", "always"}, {"web_fetch", "low_risk"}, {"web_search", "never"},
          {"git_push", "ask"},      {"create_pr", "never"},    {"run_bash", "always"}};
}

TEST(ApprovalBox, ListsHeldCapabilities) {
  const auto lines = approval_box_lines(approval("ap-1"), trifecta_capabilities());
  auto has = [&lines](const std::string& text) { return std::find(lines.begin(), lines.end(), text) != lines.end(); };
  EXPECT_EQ(lines.front(), "⚠️  TRIFECTA PROTECTION TRIGGERED");
  EXPECT_TRUE(has("This agent has:"));
  EXPECT_TRUE(has("  ✓ Read access to files"));
  EXPECT_TRUE(has("  ✓ Web access (prompt injection risk)"));
  EXPECT_TRUE(has("  ✓ Git push capability"));
  EXPECT_TRUE(has("  ✓ Shell access"));
  EXPECT_FALSE(has("  ✓ PR creation"));
  EXPECT_TRUE(has("Operation: git_push"));
  EXPECT_TRUE(has("Tool: git_push"));
  EXPECT_TRUE(has(R"(Arguments: {"branch":"fix/overflow","remote":"origin"})"));
  EXPECT_EQ(lines.back(), "Approve this operation? [y/N]");
}

TEST(ApprovalBox, OmitsCapabilitiesSetToNever) {
  json capabilities = trifecta_capabilities();
  for (auto& [name, level] : capabilities.items()) level = "never";
  const auto lines = approval_box_lines(approval("ap-1"), capabilities);
  for (const std::string& line : lines) EXPECT_EQ(line.find("✓"), std::string::npos) << line;
}

TEST(ApprovalBox, PadsAndWrapsToWidth) {
  json long_args = approval("ap-1");
  long_args["args"] = {{"body", std::string(150, 'x')}};
  const std::string box = draw_box(approval_box_lines(long_args, trifecta_capabilities()), 40);
  std::istringstream lines(box);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(display_width(line), 44u) << line;
    ++rows;
  }
  EXPECT_TRUE(box.rfind("┌──", 0) == 0) << box;
  EXPECT_NE(box.find("└──"), std::string::npos) << box;
  EXPECT_GT(rows, 20);
}

TEST(ApprovalBox, DisplayWidth) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("✓"), 1u);
  EXPECT_EQ(display_width("⚠️"), 2u);
  EXPECT_EQ(display_width("│─┐"), 3u);
  EXPECT_EQ(display_width("日本"), 4u);
}

class Approve : public NodeCli {
 protected:
  void SetUp() override {
    NodeCli::SetUp();
    node_.add_pod("abc", {{"capabilities", trifecta_capabilities()}});
    node_.add_approval("abc", approval("ap-1"));
    node_.add_approval("abc", approval("ap-2"));
  }
};

TEST_F(Approve, WithoutTerminalDeniesByDefault) {
  const CliRun run = nucleus({"approve", "abc"});
  EXPECT_EQ(run.status, 4) << run.output;
  EXPECT_TRUE(contains(run.stdout_text, "⚠️  TRIFECTA PROTECTION TRIGGERED")) << run.output;
  EXPECT_TRUE(contains(run.stdout_text, "│   ✓ Git push capability")) << run.output;
  EXPECT_TRUE(contains(run.stdout_text, "Approve this operation? [y/N]")) << run.output;
  EXPECT_TRUE(contains(run.stdout_text, "denied ap-1")) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "no terminal")) << run.output;
  EXPECT_EQ(node_.decisions(), (json::array({{{"pod", "abc"}, {"approval_id", "ap-1"}, {"decision", "deny"}},
                                             {{"pod", "abc"}, {"approval_id", "ap-2"}, {"decision", "deny"}}})));
}

TEST_F(Approve, TerminalAnswerDecides) {
  if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script(1) from util-linux is not installed";
  const CliRun yes = nucleus_on_terminal({"approve", "abc", "ap-1"}, "y\n");
  EXPECT_EQ(yes.status, 0) << yes.output;
  EXPECT_TRUE(contains(yes.stdout_text, "Approve this operation? [y/N]")) << yes.output;
  EXPECT_TRUE(contains(yes.stdout_text, "approved ap-1")) << yes.output;

  const CliRun enter = nucleus_on_terminal({"approve", "abc", "ap-2"}, "\n");
  EXPECT_EQ(enter.status, 0) << enter.output;
  EXPECT_TRUE(contains(enter.stdout_text, "denied ap-2")) << enter.output;
  EXPECT_EQ(node_.decisions(), (json::array({{{"pod", "abc"}, {"approval_id", "ap-1"}, {"decision", "approve"}},
                                             {{"pod", "abc"}, {"approval_id", "ap-2"}, {"decision", "deny"}}})));
}

TEST_F(Approve, YesApprovesNamedApproval) {
  const CliRun run = nucleus({"approve", "abc", "ap-2", "--yes"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.stdout_text, "approved ap-2")) << run.output;
  EXPECT_EQ(node_.decisions(), (json::array({{{"pod", "abc"}, {"approval_id", "ap-2"}, {"decision", "approve"}}})));
  for (const NodeRequest& request : node_.mutations()) {
    EXPECT_EQ(request.authorization, std::string("Bearer ") + kApproverToken);
  }
}

TEST_F(Approve, DenyFlagDeniesEverything) {
  const CliRun run = nucleus({"approve", "abc", "--deny"});
  ASSERT_EQ(run.status, 0) << run.output;
  ASSERT_EQ(node_.decisions().size(), 2u);
  EXPECT_EQ(node_.decisions()[1]["decision"], "deny");
}

TEST_F(Approve, BadInputsChangeNothing) {
  const CliRun both = nucleus({"approve", "abc", "--yes", "--deny"});
  EXPECT_EQ(both.status, 2) << both.output;
  const CliRun unknown = nucleus({"approve", "abc", "ap-9", "--yes"});
  EXPECT_EQ(unknown.status, 1) << unknown.output;
  EXPECT_TRUE(contains(unknown.stderr_text, "no pending approval ap-9")) << unknown.output;
  const CliRun no_pod = nucleus({"approve", "nope", "--yes"});
  EXPECT_EQ(no_pod.status, 1) << no_pod.output;
  EXPECT_TRUE(node_.mutations().empty());
  EXPECT_TRUE(node_.decisions().empty());
}

TEST_F(Approve, AgentTokenCannotDecide) {
  const CliRun missing = nucleus({"--token", kAgentToken, "approve", "abc", "--yes"}, false);
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_TRUE(contains(missing.stderr_text, "NUCLEUS_NODE_APPROVER_TOKEN")) << missing.output;
  EXPECT_TRUE(node_.requests().empty());

  const CliRun agent = nucleus({"approve", "abc", "ap-1", "--yes", "--approver-token", kAgentToken});
  EXPECT_EQ(agent.status, 1) << agent.output;
  EXPECT_TRUE(contains(agent.stderr_text, "approver_token_required")) << agent.output;
  EXPECT_TRUE(node_.decisions().empty());
}

TEST_F(Approve, NothingPending) {
  node_.add_pod("idle");
  const CliRun run = nucleus({"approve", "idle"});
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.stdout_text, "no pending approvals")) << run.output;
}

}  // namespace
}  // namespace nucleus::cli::testing
