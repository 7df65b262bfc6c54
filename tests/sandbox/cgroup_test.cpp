// Cgroup layout and limits against fake cgroup trees in a temporary
// directory: the v2 layout cannot be mounted on this project's v1 CI host,
// so both layouts are checked file by file here, and against the real
// hierarchy in the driver tests.
#include "sandbox/cgroup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nucleus::sandbox {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class FakeCgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("fake-cgroup-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void make_v2() { std::ofstream(root_ / "cgroup.controllers") << "cpuset cpu io memory hugetlb pids rdma misc\n"; }
  void make_v1() {
    for (const char* controller : {"memory", "pids", "cpu"}) {
      fs::create_directories(root_ / controller);
      std::ofstream(root_ / controller / "cgroup.procs") << "";
    }
  }

  fs::path root_;
};

Limits sample_limits() {
  Limits limits;
  limits.memory_bytes = 256ULL << 20;
  limits.pids = 99;
  limits.cpu_millis = 250;
  return limits;
}

TEST_F(FakeCgroupTree, DetectsV2ByItsControllers) {
  make_v2();
  auto version = Cgroup::detect(root_);
  ASSERT_TRUE(version) << version.error();
  EXPECT_EQ(*version, CgroupVersion::v2);
}

TEST_F(FakeCgroupTree, DetectsV1ByItsHierarchies) {
  make_v1();
  auto version = Cgroup::detect(root_);
  ASSERT_TRUE(version) << version.error();
  EXPECT_EQ(*version, CgroupVersion::v1);
}

TEST_F(FakeCgroupTree, RefusesAHostWithNeither) {
  auto version = Cgroup::detect(root_);
  ASSERT_FALSE(version);
  EXPECT_NE(version.error().find("no usable cgroup hierarchy"), std::string::npos) << version.error();
  // A v2 mount without the memory controller is not enough either.
  std::ofstream(root_ / "cgroup.controllers") << "hugetlb\n";
  EXPECT_FALSE(Cgroup::detect(root_));
}

TEST_F(FakeCgroupTree, WritesV2Limits) {
  make_v2();
  auto group = Cgroup::create(root_, "nucleus", "pod-a", sample_limits());
  ASSERT_TRUE(group) << group.error();
  const fs::path dir = root_ / "nucleus" / "pod-a";
  EXPECT_EQ(read(dir / "memory.max"), std::to_string(256ULL << 20));
  EXPECT_EQ(read(dir / "pids.max"), "99");
  EXPECT_EQ(read(dir / "cpu.max"), "25000 100000");
  EXPECT_EQ(read(root_ / "cgroup.subtree_control"), "+memory +pids +cpu");
  EXPECT_EQ(read(root_ / "nucleus" / "cgroup.subtree_control"), "+memory +pids +cpu");
}

TEST_F(FakeCgroupTree, WritesV1Limits) {
  make_v1();
  auto group = Cgroup::create(root_, "nucleus", "pod-b", sample_limits());
  ASSERT_TRUE(group) << group.error();
  EXPECT_EQ(read(root_ / "memory/nucleus/pod-b/memory.limit_in_bytes"), std::to_string(256ULL << 20));
  EXPECT_EQ(read(root_ / "pids/nucleus/pod-b/pids.max"), "99");
  EXPECT_EQ(read(root_ / "cpu/nucleus/pod-b/cpu.cfs_quota_us"), "25000");
  EXPECT_EQ(read(root_ / "cpu/nucleus/pod-b/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(read(root_ / "cpu/nucleus/pod-b/cpu.shares"), "256");
}

TEST_F(FakeCgroupTree, RefusesAnExistingGroup) {
  make_v1();
  ASSERT_TRUE(Cgroup::create(root_, "nucleus", "pod-c", sample_limits()));
  auto again = Cgroup::create(root_, "nucleus", "pod-c", sample_limits());
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("pod-c"), std::string::npos) << again.error();
}

TEST_F(FakeCgroupTree, CountsOomKills) {
  make_v2();
  auto group = Cgroup::create(root_, "nucleus", "pod-d", sample_limits());
  ASSERT_TRUE(group);
  EXPECT_EQ((*group)->oom_kills(), 0);
  std::ofstream(root_ / "nucleus/pod-d/memory.events") << "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n";
  EXPECT_EQ((*group)->oom_kills(), 2);
}

TEST(RealCgroupHierarchy, IsUsableOnThisHost) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto version = Cgroup::detect("/sys/fs/cgroup");
  ASSERT_TRUE(version) << version.error();
}

}  // namespace
}  // namespace nucleus::sandbox
