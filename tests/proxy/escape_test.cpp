// Attempts to reach files outside the workspace, or blocked files inside it,
// through the file and search tools: symlinks, races, "..", /proc, hard
// links, special files, extreme paths.
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/unique_fd.h"
#include "proxy/file_tools.h"
#include "proxy/search_tools.h"
#include "workspace_fixture.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;
using workspace_testing::describe;
using workspace_testing::expect_error;
using workspace_testing::expect_ok;
using Kind = ToolError::Kind;

constexpr const char* kSentinel = "OUTSIDE-SENTINEL-7f3a";

class EscapeTest : public workspace_testing::WorkspaceFixture {
 protected:
  void SetUp() override {
    WorkspaceFixture::SetUp();
    workspace_testing::write_host_file(outside_.path() / "secret.txt", kSentinel);
    workspace_testing::write_host_file(outside_.path() / "dir" / "f.txt", kSentinel);
  }

  ToolResult read(const json& arguments) { return read_tool(workspace(), check_, arguments); }
  ToolResult write(const json& arguments) { return write_tool(workspace(), check_, arguments); }
  ToolResult edit(const json& arguments) { return edit_tool(workspace(), check_, arguments); }
  ToolResult glob(const json& arguments) { return glob_tool(workspace(), check_, arguments); }
  ToolResult grep(const json& arguments) { return grep_tool(workspace(), check_, arguments); }

  // The outside temp dir as a path relative to `relative`'s directory in
  // the workspace, written with "..".
  std::string relative_to_outside(const std::string& relative) const {
    return std::filesystem::relative(outside_.path(), host(relative).parent_path()).string();
  }

  std::vector<std::string> outside_names() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(outside_.path())) {
      names.push_back(std::filesystem::relative(entry.path(), outside_.path()).string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  void expect_outside_untouched() const {
    EXPECT_EQ(outside_names(), (std::vector<std::string>{"dir", "dir/f.txt", "secret.txt"}));
    EXPECT_EQ(workspace_testing::read_host_file(outside_.path() / "secret.txt"), kSentinel);
  }

  workspace_testing::TempDir outside_;
};

TEST_F(EscapeTest, AbsoluteSymlinkToEtc) {
  link("/etc", "etc_link");
  link("/etc/hostname", "hostname");
  EXPECT_EQ(expect_error(read({{"path", "etc_link/hostname"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(read({{"path", "hostname"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"path", "etc_link"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(grep({{"pattern", "."}, {"path", "etc_link"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(grep({{"pattern", "."}, {"path", "hostname"}})).kind, Kind::denied);
}

TEST_F(EscapeTest, EscapeMessageExplainsSymlink) {
  link("/etc/hostname", "hostname");
  const ToolError error = expect_error(read({{"path", "hostname"}}));
  EXPECT_EQ(error.message,
            "/workspace/hostname leads outside the workspace /workspace through a symbolic link; "
            "only links that stay inside it are followed (openat2(\"hostname\") failed: Invalid "
            "cross-device link)");
}

TEST_F(EscapeTest, RelativeDotDotSymlinks) {
  link("../../../../../../../../../../etc", "up");
  link(relative_to_outside("out") + "/dir", "out");
  link(relative_to_outside("sub/secret") + "/secret.txt", "sub/secret");
  EXPECT_EQ(expect_error(read({{"path", "up/hostname"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(read({{"path", "out/f.txt"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(read({{"path", "sub/secret"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(write({{"path", "out/new.txt"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(write({{"path", "out/f.txt"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(write({{"path", "sub/secret"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(edit({{"path", "sub/secret"}, {"old_string", "O"}, {"new_string", "X"}}))
                .kind,
            Kind::denied);
  expect_outside_untouched();
}

TEST_F(EscapeTest, DotDotChainsInAgentPaths) {
  put("a/b/c.txt", "inside");
  put("c.txt", "top");
  for (const char* path : {"../etc/passwd", "a/../../etc/passwd", "a/b/../../../../../etc/passwd",
                           "/workspace/../etc/passwd", "/workspace/./a/../../etc/passwd"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(expect_error(read({{"path", path}})).kind, Kind::denied);
    EXPECT_EQ(expect_error(write({{"path", path}, {"content", "x"}})).kind, Kind::denied);
  }
  EXPECT_EQ(expect_ok(read({{"path", "a/b/../../c.txt"}}))["content"], "top");
  EXPECT_EQ(expect_ok(read({{"path", "a/./b/../b/c.txt"}}))["content"], "inside");
}

TEST_F(EscapeTest, ProcPathsAsAgentPaths) {
  UniqueFd outside(::open((outside_.path() / "secret.txt").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(outside.valid());
  const std::string fd_path = "/proc/self/fd/" + std::to_string(outside.get());
  for (const std::string& path : {std::string("/proc/self/root/etc/hostname"), fd_path,
                                  std::string("/proc/self/cwd"), std::string("/proc/1/root")}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(expect_error(read({{"path", path}})).kind, Kind::denied);
    EXPECT_EQ(expect_error(write({{"path", path}, {"content", "x"}})).kind, Kind::denied);
  }
  expect_outside_untouched();
}

TEST_F(EscapeTest, ProcPathsAsSymlinkTargets) {
  UniqueFd outside(::open((outside_.path() / "secret.txt").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(outside.valid());
  link("/proc/self/root/etc/hostname", "root_link");
  link("/proc/self/fd/" + std::to_string(outside.get()), "fd_link");
  link("../../../../../../../../../../proc/self/root/etc/hostname", "relative_root_link");
  for (const char* path : {"root_link", "fd_link", "relative_root_link"}) {
    SCOPED_TRACE(path);
    const ToolResult result = read({{"path", path}});
    EXPECT_EQ(expect_error(result).kind, Kind::denied);
    EXPECT_EQ(describe(result).find(kSentinel), std::string::npos);
    EXPECT_EQ(expect_error(write({{"path", path}, {"content", "x"}})).kind, Kind::denied);
  }
  expect_outside_untouched();
}

// With /proc/self itself as the root, "root", "cwd" and "fd/N" are magic
// links beneath the root: only RESOLVE_NO_MAGICLINKS stops them.
TEST(EscapeMagicLinks, RefusedEvenBeneathRoot) {
  workspace_testing::TempDir outside;
  workspace_testing::write_host_file(outside.path() / "secret.txt", kSentinel);
  UniqueFd secret(::open((outside.path() / "secret.txt").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(secret.valid());
  auto opened = Workspace::open("/proc/self", "/workspace");
  ASSERT_TRUE(opened.ok()) << opened.error();
  const PathCheck allow_all = [](policy::Operation, const std::string&) { return std::nullopt; };

  for (const std::string& path : {std::string("root/etc/hostname"), std::string("cwd"),
                                  "fd/" + std::to_string(secret.get())}) {
    SCOPED_TRACE(path);
    const ToolResult result = read_tool(*opened, allow_all, {{"path", path}});
    const ToolError error = expect_error(result);
    EXPECT_EQ(error.kind, Kind::denied);
    EXPECT_NE(error.message.find("magic link"), std::string::npos) << error.message;
  }
}

TEST_F(EscapeTest, SymlinkSwappedDuringReads) {
  put("inside.txt", "inside");
  // "swap" and "spare" trade places atomically, so "swap" always exists and
  // alternates between the inside file and the outside one.
  link("inside.txt", "swap");
  link((outside_.path() / "secret.txt").string(), "spare");
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    const std::string swap = host("swap").string();
    const std::string spare = host("spare").string();
    while (!stop.load()) ::renameat2(AT_FDCWD, swap.c_str(), AT_FDCWD, spare.c_str(), RENAME_EXCHANGE);
  });

  int succeeded = 0;
  for (int i = 0; i < 1000; ++i) {
    const ToolResult result = read({{"path", "swap"}});
    ASSERT_EQ(describe(result).find(kSentinel), std::string::npos) << "call " << i;
    if (!is_error(result)) {
      ++succeeded;
      ASSERT_EQ(std::get<json>(result)["content"], "inside") << "call " << i;
    } else {
      ASSERT_EQ(std::get<ToolError>(result).kind, Kind::denied) << describe(result);
    }
  }
  stop.store(true);
  swapper.join();
  // Both outcomes are expected over 1000 calls; the assertions above are
  // what matter, this only records that the race was exercised.
  RecordProperty("successful_reads", succeeded);
}

TEST_F(EscapeTest, DirectorySwappedDuringReadsAndWrites) {
  put("d/f.txt", "inside");
  link((outside_.path() / "dir").string(), "spare");
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    const std::string directory = host("d").string();
    const std::string spare = host("spare").string();
    while (!stop.load()) {
      ::renameat2(AT_FDCWD, directory.c_str(), AT_FDCWD, spare.c_str(), RENAME_EXCHANGE);
    }
  });

  for (int i = 0; i < 1000; ++i) {
    const ToolResult read_result = read({{"path", "d/f.txt"}});
    ASSERT_EQ(describe(read_result).find(kSentinel), std::string::npos) << "call " << i;
    const ToolResult write_result = write({{"path", "d/w.txt"}, {"content", "x"}});
    if (is_error(write_result)) {
      const Kind kind = std::get<ToolError>(write_result).kind;
      ASSERT_TRUE(kind == Kind::denied || kind == Kind::not_found || kind == Kind::failed ||
                  kind == Kind::conflict)
          << describe(write_result);
    }
  }
  stop.store(true);
  swapper.join();
  expect_outside_untouched();
}

TEST_F(EscapeTest, HardLinkToOutsideFile) {
  std::filesystem::create_hard_link(outside_.path() / "secret.txt", host("linked.txt"));
  const ToolError write_error = expect_error(write({{"path", "linked.txt"}, {"content", "x"}}));
  EXPECT_EQ(write_error.kind, Kind::denied);
  EXPECT_NE(write_error.message.find("hard links"), std::string::npos) << write_error.message;
  EXPECT_EQ(expect_error(edit({{"path", "linked.txt"}, {"old_string", "OUTSIDE"},
                               {"new_string", "x"}}))
                .kind,
            Kind::denied);
  expect_outside_untouched();
  EXPECT_EQ(get("linked.txt"), kSentinel);
}

// Runs `call` on another thread and fails instead of hanging when it does
// not return within five seconds; `unblock` then releases the thread.
void expect_returns_promptly(const std::function<ToolResult()>& call, Kind expected,
                             const std::function<void()>& unblock) {
  std::packaged_task<ToolResult()> task(call);
  std::future<ToolResult> future = task.get_future();
  std::thread runner(std::move(task));
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "tool call blocked";
    unblock();
  }
  runner.join();
  const ToolResult result = future.get();
  EXPECT_EQ(expect_error(result).kind, expected) << describe(result);
}

TEST_F(EscapeTest, FifoRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(host("pipe").c_str(), 0666), 0);
  const auto unblock = [&] {
    // An O_RDWR open of a FIFO succeeds at once and releases blocked opens.
    UniqueFd release(::open(host("pipe").c_str(), O_RDWR | O_CLOEXEC));
  };
  expect_returns_promptly([&] { return read({{"path", "pipe"}}); }, Kind::denied, unblock);
  expect_returns_promptly([&] { return write({{"path", "pipe"}, {"content", "x"}}); }, Kind::denied,
                          unblock);
  expect_returns_promptly(
      [&] { return edit({{"path", "pipe"}, {"old_string", "a"}, {"new_string", "b"}}); },
      Kind::denied, unblock);
  expect_returns_promptly([&] { return grep({{"pattern", "x"}, {"path", "pipe"}}); }, Kind::denied,
                          unblock);
  EXPECT_TRUE(std::filesystem::is_fifo(host("pipe")));

  put("a.txt", "x\n");
  std::packaged_task<ToolResult()> task([&] { return grep({{"pattern", "x"}}); });
  auto future = task.get_future();
  std::thread runner(std::move(task));
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "grep over a tree with a FIFO blocked";
    unblock();
  }
  runner.join();
  EXPECT_EQ(expect_ok(future.get())["matches"].size(), 1u);
}

TEST_F(EscapeTest, DeviceNodeRefused) {
  ASSERT_EQ(::mknod(host("null").c_str(), S_IFCHR | 0666, ::makedev(1, 3)), 0)
      << "mknod needs CAP_MKNOD";
  EXPECT_EQ(expect_error(read({{"path", "null"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(write({{"path", "null"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(edit({{"path", "null"}, {"old_string", "a"}, {"new_string", "b"}})).kind,
            Kind::denied);
  EXPECT_EQ(expect_error(grep({{"pattern", "x"}, {"path", "null"}})).kind, Kind::denied);
  EXPECT_TRUE(std::filesystem::is_character_file(host("null")));
}

TEST_F(EscapeTest, VeryLongPaths) {
  const std::string over_path_max(PATH_MAX + 100, 'a');
  const std::string long_segment(300, 'b');  // over NAME_MAX (255)
  EXPECT_EQ(expect_error(read({{"path", over_path_max}})).kind, Kind::invalid_argument);
  EXPECT_EQ(expect_error(write({{"path", over_path_max}, {"content", "x"}})).kind,
            Kind::invalid_argument);
  EXPECT_EQ(expect_error(read({{"path", long_segment}})).kind, Kind::invalid_argument);
  EXPECT_EQ(expect_error(write({{"path", "dir/" + long_segment + "/x"}, {"content", "x"}})).kind,
            Kind::invalid_argument);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"path", over_path_max}})).kind,
            Kind::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(host("dir")));
}

// Removes a chain of `depth` nested directories named `name` under `root`,
// working through fds because the full path may exceed PATH_MAX.
void remove_chain(const std::filesystem::path& root, const std::string& name, int depth) {
  std::vector<UniqueFd> fds;
  fds.emplace_back(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (int i = 0; i < depth - 1 && fds.back().valid(); ++i) {
    fds.emplace_back(::openat(fds.back().get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  for (auto it = fds.rbegin(); it != fds.rend(); ++it) {
    if (!it->valid()) continue;
    ::unlinkat(it->get(), "f.txt", 0);
    ::unlinkat(it->get(), name.c_str(), AT_REMOVEDIR);
  }
}

TEST_F(EscapeTest, FiveHundredNestedDirectories) {
  std::string path;
  for (int i = 0; i < 500; ++i) path += "d/";
  path += "f.txt";
  const json written = expect_ok(write({{"path", path}, {"content", "deep needle\n"}}));
  EXPECT_EQ(written["path"], "/workspace/" + path);
  EXPECT_EQ(expect_ok(read({{"path", path}}))["content"], "deep needle\n");
  const json globbed = expect_ok(glob({{"pattern", "**/f.txt"}}));
  EXPECT_EQ(globbed["matches"], json::array({"/workspace/" + path}));
  const json grepped = expect_ok(grep({{"pattern", "needle"}}));
  ASSERT_EQ(grepped["matches"].size(), 1u);
  EXPECT_EQ(grepped["matches"][0]["path"], "/workspace/" + path);
  remove_chain(root_.path(), "d", 500);
}

TEST_F(EscapeTest, TreeDeeperThanPathMax) {
  // 500 levels of 10-byte names: about 5,500 bytes, past PATH_MAX.
  const std::string name = "dddddddddd";
  {
    UniqueFd fd(::open(root_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (int i = 0; i < 500; ++i) {
      ASSERT_EQ(::mkdirat(fd.get(), name.c_str(), 0755), 0);
      fd.reset(::openat(fd.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      ASSERT_TRUE(fd.valid());
      UniqueFd file(::openat(fd.get(), "f.txt", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
      ASSERT_TRUE(file.valid());
      ASSERT_EQ(::write(file.get(), "needle\n", 7), 7);
    }
  }
  const json globbed = expect_ok(glob({{"pattern", "**/f.txt"}}));
  const std::size_t reachable = globbed["matches"].size();
  EXPECT_GT(reachable, 300u);
  EXPECT_LT(reachable, 500u);
  for (const auto& match : globbed["matches"]) {
    EXPECT_LT(match.get<std::string>().size(), static_cast<std::size_t>(PATH_MAX));
  }
  // grep opens each file and checks the path the kernel reports. That host
  // path is longer than the agent path here (the temp root is longer than
  // /workspace), so the deepest files that glob lists can be past PATH_MAX
  // for grep, which then skips them.
  const json grepped = expect_ok(grep({{"pattern", "needle"}}));
  EXPECT_LE(grepped["matches"].size(), reachable);
  EXPECT_GT(grepped["matches"].size(), 300u);
  remove_chain(root_.path(), name, 500);
}

TEST_F(EscapeTest, BlockedNamesThroughSymlinks) {
  put(".env", "TOKEN=secret\n");
  put("secrets/key.pem", "KEY\n");
  link(".env", "notes.txt");
  link("../.env", "docs/readme.txt");
  link("secrets", "config");

  for (const char* path : {"notes.txt", "docs/readme.txt", "config/key.pem"}) {
    SCOPED_TRACE(path);
    const ToolResult result = read({{"path", path}});
    EXPECT_EQ(expect_error(result).kind, Kind::denied);
    EXPECT_EQ(describe(result).find("secret\n"), std::string::npos);
    EXPECT_EQ(expect_error(write({{"path", path}, {"content", "x"}})).kind, Kind::denied);
    EXPECT_EQ(expect_error(edit({{"path", path}, {"old_string", "T"}, {"new_string", "X"}})).kind,
              Kind::denied);
    EXPECT_EQ(expect_error(grep({{"pattern", "."}, {"path", path}})).kind, Kind::denied);
  }
  EXPECT_EQ(expect_error(write({{"path", "config/new.pem"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(glob({{"pattern", "*"}, {"path", "config"}})).kind, Kind::denied);

  const ToolError error = expect_error(read({{"path", "notes.txt"}}));
  EXPECT_EQ(error.message,
            "read_files on /workspace/.env is denied: blocked by path rule **/.env "
            "(/workspace/notes.txt is a symbolic link to it)");
  EXPECT_EQ(expect_ok(grep({{"pattern", "TOKEN|KEY"}}))["matches"], json::array());
  EXPECT_EQ(get(".env"), "TOKEN=secret\n");
  EXPECT_EQ(get("secrets/key.pem"), "KEY\n");
  EXPECT_FALSE(std::filesystem::exists(host("secrets/new.pem")));
}

TEST_F(EscapeTest, SymlinkLoopIsRefused) {
  link("b", "a");
  link("a", "b");
  EXPECT_EQ(expect_error(read({{"path", "a"}})).kind, Kind::denied);
  EXPECT_EQ(expect_error(write({{"path", "a"}, {"content", "x"}})).kind, Kind::denied);
  EXPECT_EQ(expect_ok(glob({{"pattern", "*"}}))["matches"], json::array({"/workspace/a", "/workspace/b"}));
}

}  // namespace
}  // namespace nucleus::proxy
