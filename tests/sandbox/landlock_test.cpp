// The Landlock ruleset, enforced in a child that runs as root with all
// capabilities, so that Landlock (not file permissions) is what denies.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "child_probe.h"
#include "sandbox/landlock.h"

namespace nucleus::sandbox::testing {
namespace {

TEST(LandlockRights, MaskedPerAbi) {
  EXPECT_EQ(landlock_fs_rights(0), 0u);
  EXPECT_EQ(landlock_fs_rights(1), 0x1fffu);
  EXPECT_EQ(landlock_fs_rights(2), 0x3fffu);
  EXPECT_EQ(landlock_fs_rights(3), 0x7fffu);
  EXPECT_EQ(landlock_fs_rights(4), 0x7fffu);
  for (int abi = 5; abi <= 7; ++abi) EXPECT_EQ(landlock_fs_rights(abi), 0xffffu) << "ABI " << abi;
}

class LandlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (landlock_abi_version() == 0) GTEST_SKIP() << "the kernel has no Landlock";
    ASSERT_FALSE(allowed_.path().empty());
    ASSERT_FALSE(outside_.path().empty());
    ::chmod(outside_.path().c_str(), 0777);
    write_file(outside_.path() + "/existing", "outside\n");
    auto ruleset = build_landlock_ruleset({allowed_.path()});
    ASSERT_TRUE(ruleset.ok()) << ruleset.error();
    ASSERT_TRUE(ruleset->supported());
    ruleset_ = std::move(ruleset).value();
  }

  static void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  // Runs `probe` after enforcing the ruleset.
  int confined(const std::function<int()>& probe) {
    const int fd = ruleset_.fd.get();
    const ProbeOutcome outcome = run_probe([fd, &probe] {
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
      if (enforce_landlock_ruleset(fd) != 0) return -2;
      return probe();
    });
    EXPECT_EQ(outcome.signal, 0);
    return outcome.value.value_or(-3);
  }

  ScratchDir allowed_;
  ScratchDir outside_;
  LandlockRuleset ruleset_;
};

int create_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  const bool written = ::write(fd, "x", 1) == 1;
  ::close(fd);
  return written ? 0 : errno;
}

TEST_F(LandlockTest, WriteInsideAllowedDirWorks) {
  const std::string dir = allowed_.path();
  EXPECT_EQ(confined([dir] { return create_file(dir + "/new"); }), 0);
  EXPECT_EQ(confined([dir] { return error_of(::mkdir((dir + "/sub").c_str(), 0755)); }), 0);
  EXPECT_EQ(confined([dir] {
              if (const int error = create_file(dir + "/a"); error != 0) return error;
              if (::rename((dir + "/a").c_str(), (dir + "/sub/b").c_str()) != 0) return errno;
              if (::truncate((dir + "/sub/b").c_str(), 0) != 0) return errno;
              return error_of(::unlink((dir + "/sub/b").c_str()));
            }),
            0);
}

TEST_F(LandlockTest, CreateOutsideDenied) {
  const std::string dir = outside_.path();
  EXPECT_EQ(confined([dir] { return create_file(dir + "/new"); }), EACCES);
  EXPECT_EQ(confined([dir] { return error_of(::mkdir((dir + "/sub").c_str(), 0755)); }), EACCES);
  EXPECT_EQ(confined([dir] { return error_of(::symlink("/etc", (dir + "/link").c_str())); }), EACCES);
}

TEST_F(LandlockTest, ChangeOutsideDenied) {
  const std::string existing = outside_.path() + "/existing";
  EXPECT_EQ(confined([existing] { return error_of(::open(existing.c_str(), O_WRONLY | O_CLOEXEC)); }), EACCES);
  EXPECT_EQ(confined([existing] { return error_of(::truncate(existing.c_str(), 0)); }), EACCES);
  EXPECT_EQ(confined([existing] { return error_of(::unlink(existing.c_str())); }), EACCES);
  EXPECT_EQ(confined([existing] { return error_of(::rename(existing.c_str(), (existing + "2").c_str())); }), EACCES);
}

TEST_F(LandlockTest, MoveOutOfAllowedDirDenied) {
  const std::string inside = allowed_.path() + "/file";
  write_file(inside, "inside\n");
  const std::string target = outside_.path() + "/moved";
  const int error = confined([inside, target] { return error_of(::rename(inside.c_str(), target.c_str())); });
  // Landlock reports EXDEV when REFER rules forbid the move and EACCES when
  // the target directory forbids creating the file.
  EXPECT_TRUE(error == EACCES || error == EXDEV) << std::strerror(error);
}

TEST_F(LandlockTest, ReadsWorkEverywhere) {
  const std::string existing = outside_.path() + "/existing";
  EXPECT_EQ(confined([existing] {
              std::ifstream file(existing);
              std::string line;
              return std::getline(file, line) && line == "outside" ? 0 : 1;
            }),
            0);
  EXPECT_EQ(confined([] { return error_of(::open("/etc/passwd", O_RDONLY | O_CLOEXEC)); }), 0);
  EXPECT_EQ(confined([] { return error_of(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }), 0);
  EXPECT_EQ(confined([] { return exec_and_capture({"/bin/sh", "-c", "exit 7"}).exit_code; }), 7);
}

TEST_F(LandlockTest, DevicesWritable) {
  EXPECT_EQ(confined([] { return error_of(::open("/dev/null", O_WRONLY | O_TRUNC | O_CLOEXEC)); }), 0);
  EXPECT_EQ(confined([] { return error_of(::open("/dev/zero", O_RDWR | O_CLOEXEC)); }), 0);
  EXPECT_EQ(confined([] { return error_of(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)); }), 0);
}

TEST(LandlockBuild, MissingWritableDirFails) {
  auto ruleset = build_landlock_ruleset({"/nonexistent-nucleus-confine"});
  ASSERT_FALSE(ruleset.ok());
  EXPECT_NE(ruleset.error().find("/nonexistent-nucleus-confine"), std::string::npos) << ruleset.error();
}

TEST(LandlockBuild, RelativeWritableDirFails) {
  auto ruleset = build_landlock_ruleset({"relative/dir"});
  ASSERT_FALSE(ruleset.ok());
  EXPECT_NE(ruleset.error().find("not an absolute path"), std::string::npos) << ruleset.error();
}

}  // namespace
}  // namespace nucleus::sandbox::testing
