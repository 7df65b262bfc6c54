// Workspace: lexical resolution of agent paths, opening beneath the root,
// and atomic replacement.
#include "proxy/workspace.h"

#include <limits.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "workspace_fixture.h"

namespace nucleus::proxy {
namespace {

using policy::Operation;
using workspace_testing::as_result;
using workspace_testing::expect_error;
using workspace_testing::expect_ok;
using Kind = ToolError::Kind;

class WorkspaceTest : public workspace_testing::WorkspaceFixture {};

TEST(WorkspaceOpen, RejectsRelativeWorkDir) {
  workspace_testing::TempDir root;
  auto opened = Workspace::open(root.path().string(), "workspace");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("absolute, normalized"), std::string::npos) << opened.error();
}

TEST(WorkspaceOpen, RejectsUnnormalizedWorkDir) {
  workspace_testing::TempDir root;
  for (const char* work_dir : {"/workspace/", "/a/../workspace", "/a//b", "/a/./b"}) {
    SCOPED_TRACE(work_dir);
    EXPECT_FALSE(Workspace::open(root.path().string(), work_dir).ok());
  }
}

TEST(WorkspaceOpen, MissingRootNamesTheCall) {
  auto opened = Workspace::open("/nonexistent/nucleus-root", "/workspace");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), "open(\"/nonexistent/nucleus-root\") failed: No such file or directory");
}

struct ResolveCase {
  const char* name;
  std::string path;
  std::optional<Kind> error;  // nullopt: resolves
  std::string absolute;
  std::string relative;
};

TEST_F(WorkspaceTest, ResolveTable) {
  const std::vector<ResolveCase> cases = {
      {"relative file", "src/a.c", std::nullopt, "/workspace/src/a.c", "src/a.c"},
      {"absolute file", "/workspace/src/a.c", std::nullopt, "/workspace/src/a.c", "src/a.c"},
      {"work dir itself", "/workspace", std::nullopt, "/workspace", "."},
      {"dot", ".", std::nullopt, "/workspace", "."},
      {"redundant slashes and dots", ".//src/./a.c/", std::nullopt, "/workspace/src/a.c", "src/a.c"},
      {"dotdot inside", "src/../b.txt", std::nullopt, "/workspace/b.txt", "b.txt"},
      {"dotdot out", "../etc/passwd", Kind::denied, "", ""},
      {"dotdot chain out", "a/b/../../../../etc/passwd", Kind::denied, "", ""},
      {"absolute outside", "/etc/passwd", Kind::denied, "", ""},
      {"absolute dotdot out", "/workspace/../etc/passwd", Kind::denied, "", ""},
      {"sibling with shared prefix", "/workspaces/x", Kind::denied, "", ""},
      {"proc self root", "/proc/self/root/etc/passwd", Kind::denied, "", ""},
      {"proc self fd", "/proc/self/fd/3", Kind::denied, "", ""},
      {"root", "/", Kind::denied, "", ""},
      {"empty", "", Kind::invalid_argument, "", ""},
      {"NUL byte", std::string("a\0b", 3), Kind::invalid_argument, "", ""},
      {"PATH_MAX bytes", std::string(PATH_MAX, 'a'), Kind::invalid_argument, "", ""},
      {"long once absolute", std::string(PATH_MAX - 5, 'a'), Kind::invalid_argument, "", ""},
      {"segment over NAME_MAX", "src/" + std::string(NAME_MAX + 1, 'b') + "/a.c",
       Kind::invalid_argument, "", ""},
      {"segment at NAME_MAX", std::string(NAME_MAX, 'b'), std::nullopt,
       "/workspace/" + std::string(NAME_MAX, 'b'), std::string(NAME_MAX, 'b')},
      {"too many segments", [] {
         std::string many;
         for (int i = 0; i < 1100; ++i) many += "a/";
         return many;
       }(), Kind::invalid_argument, "", ""},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    auto resolved = workspace().resolve(test_case.path);
    if (test_case.error) {
      ASSERT_TRUE(std::holds_alternative<ToolError>(resolved));
      EXPECT_EQ(std::get<ToolError>(resolved).kind, *test_case.error)
          << std::get<ToolError>(resolved).message;
      continue;
    }
    ASSERT_TRUE(std::holds_alternative<AgentPath>(resolved)) << std::get<ToolError>(resolved).message;
    EXPECT_EQ(std::get<AgentPath>(resolved).absolute, test_case.absolute);
    EXPECT_EQ(std::get<AgentPath>(resolved).relative, test_case.relative);
  }
}

TEST_F(WorkspaceTest, OutsideMessageNamesWorkDir) {
  auto resolved = workspace().resolve("/etc/passwd");
  ASSERT_TRUE(std::holds_alternative<ToolError>(resolved));
  EXPECT_EQ(std::get<ToolError>(resolved).message,
            "/etc/passwd is outside the workspace /workspace; paths must lie under it");
}

TEST(WorkspaceRoot, SlashWorkDirMapsEverything) {
  workspace_testing::TempDir root;
  workspace_testing::write_host_file(root.path() / "etc" / "a.txt", "x");
  auto opened = Workspace::open(root.path().string(), "/");
  ASSERT_TRUE(opened.ok()) << opened.error();
  auto resolved = opened->resolve("/etc/a.txt");
  ASSERT_TRUE(std::holds_alternative<AgentPath>(resolved));
  EXPECT_EQ(std::get<AgentPath>(resolved).relative, "etc/a.txt");

  const PathCheck allow_all = [](Operation, const std::string&) { return std::nullopt; };
  auto file = opened->open_file("/etc/a.txt", Operation::read_files, allow_all, Access::read,
                                Symlinks::follow_inside);
  ASSERT_TRUE(std::holds_alternative<OpenedEntry>(file)) << std::get<ToolError>(file).message;
  EXPECT_EQ(std::get<OpenedEntry>(file).path, "/etc/a.txt");
}

TEST_F(WorkspaceTest, OpenFileReportsPathBehindSymlink) {
  put("docs/notes.md", "hello");
  link("docs/notes.md", "notes.txt");
  auto file = workspace().open_file("notes.txt", Operation::read_files, check_, Access::read,
                                    Symlinks::follow_inside);
  ASSERT_TRUE(std::holds_alternative<OpenedEntry>(file)) << std::get<ToolError>(file).message;
  EXPECT_EQ(std::get<OpenedEntry>(file).path, "/workspace/docs/notes.md");
}

TEST_F(WorkspaceTest, RejectSymlinksRefusesInsideLink) {
  put("docs/notes.md", "hello");
  link("docs/notes.md", "notes.txt");
  auto file = workspace().open_file("notes.txt", Operation::read_files, check_, Access::read,
                                    Symlinks::reject);
  EXPECT_EQ(expect_error(as_result(file)).kind, Kind::denied);
}

TEST_F(WorkspaceTest, CheckSeesRequestedThenRealPath) {
  put("docs/notes.md", "hello");
  link("docs/notes.md", "notes.txt");
  std::vector<std::string> seen;
  const PathCheck recording = [&](Operation operation, const std::string& path) {
    EXPECT_EQ(operation, Operation::read_files);
    seen.push_back(path);
    return std::optional<std::string>();
  };
  auto file = workspace().open_file("notes.txt", Operation::read_files, recording, Access::read,
                                    Symlinks::follow_inside);
  expect_ok(as_result(file));
  EXPECT_EQ(seen, (std::vector<std::string>{"/workspace/notes.txt", "/workspace/docs/notes.md"}));
}

TEST_F(WorkspaceTest, BlockedNameDeniedBeforeFileSystem) {
  // The file does not exist: a not_found here would mean the file system
  // was consulted before the rules.
  auto file = workspace().open_file("config/.env", Operation::read_files, check_, Access::read,
                                    Symlinks::follow_inside);
  const ToolError error = expect_error(as_result(file));
  EXPECT_EQ(error.kind, Kind::denied);
  EXPECT_EQ(error.message,
            "read_files on /workspace/config/.env is denied: blocked by path rule **/.env");
}

TEST_F(WorkspaceTest, MissingCheckDeniesEverything) {
  put("a.txt", "x");
  auto file = workspace().open_file("a.txt", Operation::read_files, PathCheck(), Access::read,
                                    Symlinks::follow_inside);
  EXPECT_EQ(expect_error(as_result(file)).kind, Kind::denied);
}

TEST_F(WorkspaceTest, MissingFileIsNotFound) {
  auto file = workspace().open_file("nope.txt", Operation::read_files, check_, Access::read,
                                    Symlinks::follow_inside);
  const ToolError error = expect_error(as_result(file));
  EXPECT_EQ(error.kind, Kind::not_found);
  EXPECT_EQ(error.message,
            "/workspace/nope.txt does not exist (openat2(\"nope.txt\") failed: No such file or "
            "directory)");
}

TEST_F(WorkspaceTest, OpenFileRejectsDirectory) {
  std::filesystem::create_directories(host("src"));
  auto file = workspace().open_file("src", Operation::read_files, check_, Access::read,
                                    Symlinks::follow_inside);
  EXPECT_EQ(expect_error(as_result(file)).kind, Kind::invalid_argument);
}

TEST_F(WorkspaceTest, OpenDirectoryRejectsFile) {
  put("a.txt", "x");
  auto directory = workspace().open_directory("a.txt", Operation::glob_search, check_,
                                              Symlinks::follow_inside);
  EXPECT_EQ(expect_error(as_result(directory)).kind, Kind::invalid_argument);
}

TEST_F(WorkspaceTest, ModifyRefusesHardLinkInside) {
  put("a.txt", "x");
  std::filesystem::create_hard_link(host("a.txt"), host("b.txt"));
  auto for_read = workspace().open_file("a.txt", Operation::read_files, check_, Access::read,
                                        Symlinks::follow_inside);
  expect_ok(as_result(for_read));
  auto for_edit = workspace().open_file("a.txt", Operation::edit_files, check_, Access::modify,
                                        Symlinks::follow_inside);
  const ToolError error = expect_error(as_result(for_edit));
  EXPECT_EQ(error.kind, Kind::denied);
  EXPECT_NE(error.message.find("has 2 hard links"), std::string::npos) << error.message;
}

TEST_F(WorkspaceTest, ReplaceCreatesParents) {
  auto written = workspace().replace_file("a/b/c/new.txt", Operation::write_files, check_, "data");
  ASSERT_TRUE(std::holds_alternative<std::string>(written)) << std::get<ToolError>(written).message;
  EXPECT_EQ(std::get<std::string>(written), "/workspace/a/b/c/new.txt");
  EXPECT_EQ(get("a/b/c/new.txt"), "data");
}

TEST_F(WorkspaceTest, ReplaceKeepsModeAndLeavesNoTemp) {
  put("run.sh", "old");
  std::filesystem::permissions(host("run.sh"), std::filesystem::perms(0750));
  auto written = workspace().replace_file("run.sh", Operation::write_files, check_, "new");
  expect_ok(as_result(written));
  struct stat status {};
  ASSERT_EQ(::stat(host("run.sh").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0750u);
  EXPECT_EQ(get("run.sh"), "new");
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(root_.path())) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"run.sh"});
}

TEST_F(WorkspaceTest, ReplaceRefusedLeavesNoDirectories) {
  std::filesystem::create_directories(host("secrets"));
  link("secrets", "config");
  auto written = workspace().replace_file("config/new/key.pem", Operation::write_files, check_, "k");
  const ToolError error = expect_error(as_result(written));
  EXPECT_EQ(error.kind, Kind::denied);
  EXPECT_NE(error.message.find("/workspace/secrets/new/key.pem"), std::string::npos) << error.message;
  EXPECT_FALSE(std::filesystem::exists(host("secrets/new")));
}

TEST_F(WorkspaceTest, ReplaceThroughFileInPathFails) {
  put("a.txt", "x");
  auto written = workspace().replace_file("a.txt/b.txt", Operation::write_files, check_, "y");
  EXPECT_EQ(expect_error(as_result(written)).kind, Kind::not_found);
  EXPECT_EQ(get("a.txt"), "x");
}

TEST_F(WorkspaceTest, ReplaceRefusesDanglingSymlink) {
  link("missing.txt", "dangling.txt");
  auto written = workspace().replace_file("dangling.txt", Operation::write_files, check_, "y");
  EXPECT_EQ(expect_error(as_result(written)).kind, Kind::conflict);
  EXPECT_TRUE(std::filesystem::is_symlink(host("dangling.txt")));
  EXPECT_FALSE(std::filesystem::exists(host("missing.txt")));
}

TEST_F(WorkspaceTest, ReplaceRefusesWorkDirItself) {
  auto written = workspace().replace_file("/workspace", Operation::write_files, check_, "y");
  EXPECT_EQ(expect_error(as_result(written)).kind, Kind::invalid_argument);
}

TEST_F(WorkspaceTest, ReplaceTooLargeTouchesNothing) {
  Limits limits;
  limits.max_write_bytes = 4;
  open_workspace(limits);
  auto written = workspace().replace_file("dir/big.txt", Operation::write_files, check_, "12345");
  EXPECT_EQ(expect_error(as_result(written)).kind, Kind::too_large);
  EXPECT_FALSE(std::filesystem::exists(host("dir")));
}

}  // namespace
}  // namespace nucleus::proxy
