// `nucleus tool` and `nucleus workspace pull` against the fake node, and the
// key=value argument parser.
#include "cli/tool_command.h"
#include "cli/workspace_archive.h"
#include "node_cli_harness.h"

namespace nucleus::cli::testing {
namespace {

using nlohmann::json;

TEST(ToolArguments, TypesValues) {
  struct Case {
    std::string word;
    const char* key;
    json expected;
  };
  const std::vector<Case> cases = {
      {"path=src/a.c", "path", "src/a.c"},
      {"limit=10", "limit", 10},
      {"ratio=0.5", "ratio", 0.5},
      {"force=true", "force", true},
      {"draft=false", "draft", false},
      {"argv=[\"ls\",\"-l\"]", "argv", json::array({"ls", "-l"})},
      {"env={\"A\":\"1\"}", "env", json{{"A", "1"}}},
      {"text=null", "text", "null"},
      {"code=007", "code", "007"},
      {"message=a=b", "message", "a=b"},
      {"empty=", "empty", ""},
      {"title:=\"42\"", "title", "42"},
      {"value:=null", "value", nullptr},
      {"n:=3", "n", 3},
  };
  for (const Case& c : cases) {
    auto parsed = parse_tool_arguments({c.word});
    ASSERT_TRUE(parsed.ok()) << c.word << ": " << parsed.error();
    EXPECT_EQ((*parsed)[c.key], c.expected) << c.word;
  }
}

TEST(ToolArguments, RejectsBadWords) {
  for (const std::vector<std::string>& words : std::vector<std::vector<std::string>>{
           {"novalue"}, {"=x"}, {":=1"}, {"a:=not json"}, {"a=1", "a=2"}}) {
    auto parsed = parse_tool_arguments(words);
    EXPECT_FALSE(parsed.ok()) << words.front();
  }
}

TEST_F(NodeCli, ToolOkPrintsCommandOutput) {
  node_.add_pod("abc");
  node_.set_tool("run", {200, {{"status", "ok"},
                               {"result", {{"exit_code", 3}, {"stdout", "hello\n"}, {"stderr", "warn\n"}}}}});
  const CliRun run = nucleus({"tool", "abc", "run", "command=echo hello", "timeout_seconds=5"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.stdout_text, "hello\n");
  EXPECT_TRUE(contains(run.stderr_text, "warn\n")) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "exited with status 3")) << run.output;
  const auto sent = node_.mutations();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].path, "/v1/pods/abc/tools/run");
  EXPECT_EQ(sent[0].query, "");
  EXPECT_EQ(sent[0].content_type, "application/json");
  EXPECT_EQ(json::parse(sent[0].body), (json{{"command", "echo hello"}, {"timeout_seconds", 5}}));
}

TEST_F(NodeCli, ToolOkPrintsFileContent) {
  node_.add_pod("abc");
  node_.set_tool("read", {200, {{"status", "ok"}, {"result", {{"content", "line\n"}, {"encoding", "utf-8"}}}}});
  node_.set_tool("glob", {200, {{"status", "ok"}, {"result", {{"matches", json::array({"a.c"})}}}}});
  const CliRun read = nucleus({"tool", "abc", "read", "path=a.c"});
  ASSERT_EQ(read.status, 0) << read.output;
  EXPECT_EQ(read.stdout_text, "line\n");
  const CliRun glob = nucleus({"tool", "abc", "glob", "pattern=*.c"});
  ASSERT_EQ(glob.status, 0) << glob.output;
  EXPECT_EQ(json::parse(glob.stdout_text)["matches"][0], "a.c");
}

TEST_F(NodeCli, ToolStatusMapping) {
  node_.add_pod("abc");
  node_.set_tool("git_push", {403, {{"status", "denied"}, {"reason", "git_push is never allowed"}}});
  node_.set_tool("web_fetch", {202, {{"status", "approval_required"}, {"approval_id", "ap-7"}, {"reason", "trifecta"}}});
  node_.set_tool("write", {400, {{"status", "error"}, {"error", {{"kind", "invalid_arguments"}, {"message", "path is missing"}}}}});

  const CliRun denied = nucleus({"tool", "abc", "git_push"});
  EXPECT_EQ(denied.status, 4) << denied.output;
  EXPECT_TRUE(contains(denied.stderr_text, "denied: git_push is never allowed")) << denied.output;

  const CliRun pending = nucleus({"tool", "abc", "web_fetch", "url=http://127.0.0.1/", "--no-wait"});
  EXPECT_EQ(pending.status, 3) << pending.output;
  EXPECT_TRUE(contains(pending.stdout_text, "ap-7")) << pending.output;
  EXPECT_TRUE(contains(pending.stdout_text, "nucleus approve abc ap-7")) << pending.output;

  const CliRun invalid = nucleus({"tool", "abc", "write"});
  EXPECT_EQ(invalid.status, 1) << invalid.output;
  EXPECT_TRUE(contains(invalid.stderr_text, "invalid_arguments")) << invalid.output;
  EXPECT_TRUE(contains(invalid.stderr_text, "path is missing")) << invalid.output;

  const CliRun unknown = nucleus({"tool", "abc", "teleport"});
  EXPECT_EQ(unknown.status, 1) << unknown.output;
  EXPECT_TRUE(contains(unknown.stderr_text, "unknown_tool")) << unknown.output;

  const auto sent = node_.mutations();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[1].query, "wait=false");
}

TEST_F(NodeCli, ToolBadArgumentsSendNothing) {
  node_.add_pod("abc");
  node_.set_tool("read", {200, {{"status", "ok"}, {"result", json::object()}}});
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"tool", "abc", "read", "path"}, {"tool", "abc", "read", "a:={"}, {"tool", "abc"}}) {
    const CliRun run = nucleus(args);
    EXPECT_EQ(run.status, 2) << args.back() << ": " << run.output;
  }
  EXPECT_TRUE(node_.requests().empty());
}

TEST_F(NodeCli, PullRejectsNonEmptyDirectory) {
  node_.add_pod("abc");
  write("out/keep.txt", "mine");
  write("file.txt", "x");
  const CliRun busy = nucleus({"workspace", "pull", "abc", (dir_ / "out").string()});
  EXPECT_EQ(busy.status, 2) << busy.output;
  EXPECT_TRUE(contains(busy.stderr_text, "--force")) << busy.output;
  const CliRun file = nucleus({"workspace", "pull", "abc", (dir_ / "file.txt").string()});
  EXPECT_EQ(file.status, 2) << file.output;
  EXPECT_TRUE(node_.requests().empty());
}

TEST_F(NodeCli, PullWithForceKeepsOtherFiles) {
  node_.add_pod("abc");
  write("src/new.txt", "from the pod");
  auto archive = pack_directory((dir_ / "src").string());
  ASSERT_TRUE(archive.ok()) << archive.error();
  node_.set_workspace("abc", *archive);
  write("out/keep.txt", "mine");
  const CliRun run = nucleus({"workspace", "pull", "abc", (dir_ / "out").string(), "--force"});
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(read_file(dir_ / "out/new.txt"), "from the pod");
  EXPECT_EQ(read_file(dir_ / "out/keep.txt"), "mine");
}

TEST_F(NodeCli, PullOfUnknownPodLeavesNoDirectory) {
  const CliRun run = nucleus({"workspace", "pull", "nope", (dir_ / "out").string()});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "pod_not_found")) << run.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
}

TEST_F(NodeCli, PullOfCorruptArchiveFails) {
  node_.add_pod("abc");
  node_.set_workspace("abc", std::string(1024, 'x'));
  const CliRun run = nucleus({"workspace", "pull", "abc", (dir_ / "out").string()});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.stderr_text, "tar failed")) << run.output;
}

}  // namespace
}  // namespace nucleus::cli::testing
