// The parts of `nucleus run` that need no node: the MCP configuration
// files, the summary, the agent process and the workspace swap.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cli/agent_process.h"
#include "cli/mcp_config.h"
#include "cli/run_command.h"
#include "cli/run_summary.h"
#include "cli/workspace_archive.h"
#include "common/file_text.h"

namespace nucleus::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string path = (fs::temp_directory_path() / "nucleus-run-parts-XXXXXX").string();
    EXPECT_NE(::mkdtemp(path.data()), nullptr);
    path_ = path;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const McpLaunch kLaunch{"/usr/local/bin/nucleus", "http://127.0.0.1:8080", "agent-token", "pod-0123456789ab"};

TEST(McpConfig, ClaudeFormStartsStdioServer) {
  const json config = claude_mcp_config(kLaunch);
  const json& server = config["mcpServers"]["nucleus"];
  EXPECT_EQ(server["type"], "stdio");
  EXPECT_EQ(server["command"], "/usr/local/bin/nucleus");
  EXPECT_EQ(server["args"], json({"mcp", "--pod", "pod-0123456789ab", "--node", "http://127.0.0.1:8080"}));
  EXPECT_EQ(server["env"], json({{"NUCLEUS_NODE_TOKEN", "agent-token"}}));
}

TEST(McpConfig, PlainFormNamesBothTransports) {
  const json config = plain_mcp_config(kLaunch);
  EXPECT_EQ(config["pod"], "pod-0123456789ab");
  EXPECT_EQ(config["stdio"]["args"][0], "mcp");
  EXPECT_EQ(config["http"]["url"], "http://127.0.0.1:8080/v1/pods/pod-0123456789ab/mcp");
  EXPECT_EQ(config["http"]["headers"]["Authorization"], "Bearer agent-token");
}

TEST(McpConfig, FilesArePrivateAndNeverOverwritten) {
  TempDir dir;
  auto files = write_mcp_configs(dir.path().string(), kLaunch);
  ASSERT_TRUE(files.ok()) << files.error();
  for (const std::string& path : {files->claude_path, files->plain_path}) {
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u) << path;
  }
  EXPECT_EQ(json::parse(read_file_text(files->claude_path)), claude_mcp_config(kLaunch));
  auto again = write_mcp_configs(dir.path().string(), kLaunch);
  EXPECT_FALSE(again.ok());
}

TEST(RunSummary, CountsCallsDenialsAndApprovals) {
  const std::string log =
      R"({"event":"call","decision":"allow"})" "\n"
      R"({"event":"call","decision":"deny"})" "\n"
      R"({"event":"approval_requested","decision":"approval_required"})" "\n"
      R"({"event":"approval_granted","decision":"allow"})" "\n"
      R"({"event":"call","decision":"allow"})" "\n"
      R"({"event":"budget_refused","decision":"deny"})" "\n"
      R"({"event":"call","decision":"error"})" "\n"
      R"({"event":"approval_requested","decision":"approval_required"})" "\n"
      R"({"event":"approval_requested","decision":"approval_required"})" "\n"
      R"({"event":"approval_withdrawn","decision":"deny"})" "\n"
      "not json\n\n"
      R"({"event":"usage_reported","decision":"allow"})";
  const AuditCounts counts = count_audit_records(log);
  EXPECT_EQ(counts.calls, 5u);
  EXPECT_EQ(counts.allowed, 2u);
  EXPECT_EQ(counts.denied, 2u);
  EXPECT_EQ(counts.approvals_requested, 3u);
  EXPECT_EQ(counts.approvals_withdrawn, 1u);
  EXPECT_EQ(counts.approvals_granted, 1u);
  EXPECT_EQ(counts.unreadable_lines, 1u);

  const std::string text = format_run_summary(
      "pod-1", counts, {{"budget", {{"spent_usd", "0.25"}, {"max_cost_usd", "5"}}}}, {{"ok", true}, {"records", 10}});
  EXPECT_NE(text.find("tool calls  5 (2 ran, 2 denied, 1 failed)"), std::string::npos) << text;
  EXPECT_NE(text.find("3 requested, 1 granted, 0 denied, 1 withdrawn, 1 undecided"), std::string::npos) << text;
  EXPECT_NE(text.find("$0.25 spent of $5"), std::string::npos) << text;
  EXPECT_NE(text.find("verified: 10 records"), std::string::npos) << text;
}

TEST(RunSummary, SaysWhenSomethingCouldNotBeChecked) {
  const std::string unknown = format_run_summary("pod-1", {}, json(), json());
  EXPECT_NE(unknown.find("budget      unknown"), std::string::npos);
  EXPECT_NE(unknown.find("NOT VERIFIED"), std::string::npos);
  const std::string failed =
      format_run_summary("pod-1", {}, json::object(), {{"ok", false}, {"bad_line", 4}, {"problem", "hash mismatch"}});
  EXPECT_NE(failed.find("FAILED verification at line 4: hash mismatch"), std::string::npos) << failed;
}

TEST(ProfilePodSpec, IsAPodSpecWithTheProfile) {
  const json spec = json::parse(profile_pod_spec("fix-issue"));
  EXPECT_EQ(spec["kind"], "PodSpec");
  EXPECT_EQ(spec["spec"]["profile"], "fix-issue");
  EXPECT_EQ(spec["spec"]["work_dir"], "/workspace");
}

TEST(AgentProcess, RunsInItsDirectoryWithTheEnvironmentChanged) {
  TempDir dir;
  ::setenv("NUCLEUS_NODE_APPROVER_TOKEN", "secret", 1);
  ::setenv("NUCLEUS_RUN_PARTS_KEPT", "kept", 1);
  AgentLaunch launch{{"sh", "-c", "pwd > where; env > env.txt; exit 3"},
                     dir.path().string(),
                     {{"NUCLEUS_POD_ID", "pod-1"}},
                     {"NUCLEUS_NODE_APPROVER_TOKEN"}};
  auto status = run_agent_process(launch);
  ::unsetenv("NUCLEUS_NODE_APPROVER_TOKEN");
  ::unsetenv("NUCLEUS_RUN_PARTS_KEPT");
  ASSERT_TRUE(status.ok()) << status.error();
  EXPECT_EQ(*status, 3);
  EXPECT_EQ(read_file_text(dir.path() / "where"), dir.path().string() + "\n");
  const std::string env = read_file_text(dir.path() / "env.txt");
  EXPECT_EQ(env.find("NUCLEUS_NODE_APPROVER_TOKEN"), std::string::npos);
  EXPECT_NE(env.find("NUCLEUS_POD_ID=pod-1"), std::string::npos);
  EXPECT_NE(env.find("NUCLEUS_RUN_PARTS_KEPT=kept"), std::string::npos);
}

TEST(AgentProcess, ReportsSignalsAndMissingPrograms) {
  auto killed = run_agent_process({{"sh", "-c", "kill -TERM $$"}, "/", {}, {}});
  ASSERT_TRUE(killed.ok());
  EXPECT_EQ(*killed, 128 + 15);
  auto missing = run_agent_process({{"no-such-agent-program"}, "/", {}, {}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("no-such-agent-program"), std::string::npos);
  EXPECT_FALSE(run_agent_process({{}, "/", {}, {}}).ok());
}

TEST(ReplaceDirectory, MirrorsTheArchiveAndKeepsTheDirectoryMode) {
  TempDir source;
  fs::create_directories(source.path() / "sub");
  std::ofstream(source.path() / "kept.txt") << "new\n";
  std::ofstream(source.path() / "sub" / "added.txt") << "added\n";
  auto archive = pack_directory(source.path().string());
  ASSERT_TRUE(archive.ok()) << archive.error();

  TempDir parent;
  const fs::path target = parent.path() / "work";
  fs::create_directories(target);
  ::chmod(target.c_str(), 0750);
  std::ofstream(target / "kept.txt") << "old\n";
  std::ofstream(target / "deleted-in-pod.txt") << "gone\n";
  fs::create_directories(target / "sub" / "old-only");
  struct stat before {};
  ASSERT_EQ(::stat(target.c_str(), &before), 0);
  auto replaced = replace_directory_with_archive(*archive, target.string());
  ASSERT_TRUE(replaced.ok()) << replaced.error();
  EXPECT_EQ(read_file_text(target / "kept.txt"), "new\n");
  EXPECT_EQ(read_file_text(target / "sub" / "added.txt"), "added\n");
  EXPECT_FALSE(fs::exists(target / "deleted-in-pod.txt"));
  struct stat info {};
  ASSERT_EQ(::stat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0750u);
  EXPECT_EQ(info.st_ino, before.st_ino) << "a shell inside the directory stays in it";
  EXPECT_FALSE(fs::exists(target / "sub" / "old-only"));
  EXPECT_EQ(std::distance(fs::directory_iterator(parent.path()), fs::directory_iterator()), 1) << "no staging left";
}

TEST(ReplaceDirectory, FollowsASymlinkedDirectory) {
  TempDir source;
  std::ofstream(source.path() / "new.txt") << "new\n";
  auto archive = pack_directory(source.path().string());
  ASSERT_TRUE(archive.ok());
  TempDir parent;
  fs::create_directories(parent.path() / "real");
  std::ofstream(parent.path() / "real" / "old.txt") << "old\n";
  fs::create_directory_symlink("real", parent.path() / "link");
  ASSERT_TRUE(replace_directory_with_archive(*archive, (parent.path() / "link").string()).ok());
  EXPECT_TRUE(fs::is_symlink(parent.path() / "link"));
  EXPECT_EQ(read_file_text(parent.path() / "real" / "new.txt"), "new\n");
  EXPECT_FALSE(fs::exists(parent.path() / "real" / "old.txt"));
}

TEST(DirectoryManifest, SeesCreatedRemovedAndRewrittenEntries) {
  TempDir dir;
  fs::create_directories(dir.path() / "sub");
  std::ofstream(dir.path() / "sub" / "a.txt") << "a\n";
  auto before = directory_manifest(dir.path().string());
  ASSERT_TRUE(before.ok()) << before.error();
  EXPECT_EQ(before->size(), 2u);
  auto same = directory_manifest(dir.path().string() + "/");
  EXPECT_FALSE(first_difference(*before, *same));

  std::ofstream(dir.path() / "sub" / "a.txt") << "longer\n";
  EXPECT_EQ(first_difference(*before, *directory_manifest(dir.path().string())), "sub/a.txt");
  std::ofstream(dir.path() / "new.txt") << "";
  EXPECT_EQ(first_difference(*before, *directory_manifest(dir.path().string())), "new.txt");
  fs::remove_all(dir.path() / "sub");
  fs::remove(dir.path() / "new.txt");
  EXPECT_EQ(first_difference(*before, *directory_manifest(dir.path().string())), "sub");
  EXPECT_FALSE(directory_manifest((dir.path() / "missing").string()).ok());
}

TEST(ReplaceDirectory, ABadArchiveLeavesTheDirectoryAlone) {
  TempDir parent;
  const fs::path target = parent.path() / "work";
  fs::create_directories(target);
  std::ofstream(target / "precious.txt") << "keep me\n";
  auto replaced = replace_directory_with_archive("this is not a tar archive", target.string());
  EXPECT_FALSE(replaced.ok());
  EXPECT_EQ(read_file_text(target / "precious.txt"), "keep me\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(parent.path()), fs::directory_iterator()), 1);
  EXPECT_FALSE(replace_directory_with_archive("", (parent.path() / "missing").string()).ok());
}

}  // namespace
}  // namespace nucleus::cli
