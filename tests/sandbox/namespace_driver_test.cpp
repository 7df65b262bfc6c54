// The namespace driver's lifecycle against real namespaces, cgroups and
// loop devices: start, serve, stop, destroy, and nothing left behind.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "sandbox/cgroup.h"
#include "sandbox/process_identity.h"
#include "sandbox/supervisor.h"
#include "sandbox_fixture.h"

namespace nucleus::sandbox::testing {
namespace {

using nlohmann::json;

class NamespaceDriverTest : public SandboxFixture {};

TEST_F(NamespaceDriverTest, StartsServesAndStops) {
  const auto id = launch(config("life-1"));
  const json reply = sh(id, "id -u; hostname; cat /etc/hostname; pwd");
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
  const std::string out = reply["result"].value("stdout", "");
  EXPECT_NE(out.find("1000\n"), std::string::npos) << out;
  EXPECT_NE(out.find("nucleus-life-1"), std::string::npos) << out;

  auto status = driver_->status(id);
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(status->phase, Phase::running);

  ASSERT_TRUE(driver_->stop(id, std::chrono::seconds(2)));
  status = driver_->status(id);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->phase, Phase::exited);
  EXPECT_TRUE(status->reason.starts_with("stopped")) << status->reason;
}

bool cgroup_exists(const std::string& parent, const std::string& id) {
  for (const char* base : {"/sys/fs/cgroup/memory/", "/sys/fs/cgroup/pids/", "/sys/fs/cgroup/cpu/", "/sys/fs/cgroup/"}) {
    if (std::filesystem::exists(std::string(base) + parent + "/" + id)) return true;
  }
  return false;
}

std::string parent_of_test() { return "nucleus-test-" + std::to_string(::getpid()); }

TEST_F(NamespaceDriverTest, DestroyLeavesNothingBehind) {
  const auto id = launch(config("leave-nothing"));
  auto paths = driver_->paths(id);
  ASSERT_TRUE(paths);
  const std::string dir = paths->dir;
  ASSERT_TRUE(cgroup_exists(parent_of_test(), id));
  ASSERT_TRUE(driver_->destroy(id));
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_FALSE(cgroup_exists(parent_of_test(), id));
  // Destroying again is fine.
  EXPECT_TRUE(driver_->destroy(id));
  launched_.clear();
}

TEST_F(NamespaceDriverTest, LostSupervisorTakesTheSandboxDown) {
  const auto id = launch(config("lost-supervisor"));
  auto paths = driver_->paths(id);
  ASSERT_TRUE(paths);
  std::ifstream in(paths->dir + "/supervisor.json");
  const json record = json::parse(in);
  const pid_t supervisor = record["supervisor"]["pid"].get<pid_t>();
  const pid_t init = record["init"]["pid"].get<pid_t>();
  ASSERT_EQ(::kill(supervisor, SIGKILL), 0);
  // PR_SET_PDEATHSIG kills the init, which takes the pid namespace along.
  for (int i = 0; i < 200 && identify(init); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(identify(init)) << "the sandbox's init outlived its supervisor";
  auto status = driver_->status(id);
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(status->phase, Phase::exited);
  EXPECT_NE(status->reason.find("supervisor lost"), std::string::npos) << status->reason;
  EXPECT_FALSE(cgroup_exists(parent_of_test(), id));
}

TEST_F(NamespaceDriverTest, NewDriverAdoptsRunningSandboxes) {
  const auto id = launch(config("adopt-me"));
  NamespaceDriverOptions options;
  options.state_dir = state_dir_;
  options.supervisor_binary = NUCLEUS_SANDBOX_BINARY;
  options.proxy_binary = NUCLEUS_TOOL_PROXY_BINARY;
  options.cgroup_parent = parent_of_test();
  auto restarted = NamespaceDriver::make(options);
  ASSERT_TRUE(restarted);
  const auto found = (*restarted)->adopt();
  ASSERT_EQ(found, std::vector<std::string>{id});
  ASSERT_TRUE((*restarted)->wait_ready(id, std::chrono::seconds(1)));
  auto connection = (*restarted)->connect(id);
  ASSERT_TRUE(connection) << connection.error();
  const json reply = proxy_request(connection->get(), json{{"id", 1}, {"method", "status"}, {"params", json::object()}});
  EXPECT_EQ(reply.value("status", ""), "ok") << reply.dump();
  ASSERT_TRUE((*restarted)->destroy(id));
  launched_.clear();
}

TEST_F(NamespaceDriverTest, ProxyThatCannotStartIsReported) {
  auto c = config("bad-policy");
  c.policy_text = "kind: PodSpec\nspec: [not, a, mapping]\n";
  ASSERT_TRUE(driver_->create(c));
  launched_.push_back(c.id);
  ASSERT_TRUE(driver_->start(c.id));
  auto ready = driver_->wait_ready(c.id, std::chrono::seconds(20));
  ASSERT_FALSE(ready);
  EXPECT_NE(ready.error().find("failed to start"), std::string::npos) << ready.error();
  EXPECT_NE(ready.error().find("policy"), std::string::npos) << ready.error();
  for (int i = 0; i < 200; ++i) {
    auto status = driver_->status(c.id);
    if (status && status->phase == Phase::exited) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto status = driver_->status(c.id);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->phase, Phase::exited);
  EXPECT_EQ(status->exit_code, std::optional<int>(1)) << status->reason;
}

TEST_F(NamespaceDriverTest, SubdirectoryLayoutKeepsCallerFiles) {
  NamespaceDriverOptions options;
  options.state_dir = state_dir_ / "nested";
  options.sandbox_subdir = "sandbox";
  options.supervisor_binary = NUCLEUS_SANDBOX_BINARY;
  options.proxy_binary = NUCLEUS_TOOL_PROXY_BINARY;
  options.cgroup_parent = parent_of_test();
  auto nested = NamespaceDriver::make(options);
  ASSERT_TRUE(nested) << nested.error();
  std::filesystem::create_directories(state_dir_ / "nested" / "sub-1");
  std::ofstream(state_dir_ / "nested" / "sub-1" / "record.json") << "{}";
  ASSERT_TRUE((*nested)->create(config("sub-1")));
  ASSERT_TRUE((*nested)->start("sub-1"));
  ASSERT_TRUE((*nested)->wait_ready("sub-1", std::chrono::seconds(20)));
  EXPECT_TRUE(std::filesystem::exists(state_dir_ / "nested" / "sub-1" / "sandbox" / "launch.json"));
  EXPECT_EQ((*nested)->adopt(), std::vector<std::string>{"sub-1"});
  ASSERT_TRUE((*nested)->destroy("sub-1"));
  EXPECT_FALSE(std::filesystem::exists(state_dir_ / "nested" / "sub-1" / "sandbox"));
  EXPECT_TRUE(std::filesystem::exists(state_dir_ / "nested" / "sub-1" / "record.json"));

  options.sandbox_subdir = "../escape";
  EXPECT_FALSE(NamespaceDriver::make(options));
}

TEST_F(NamespaceDriverTest, BadInputIsRefusedWithoutSideEffects) {
  struct Case {
    std::string name;
    std::string id;
    std::string work_dir;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"empty id", "", "/workspace", "empty"},
      {"upper case", "Bad", "/workspace", "outside [a-z0-9-]"},
      {"path in id", "../x", "/workspace", "outside [a-z0-9-]"},
      {"leading dash", "-x", "/workspace", "starts with '-'"},
      {"long id", std::string(65, 'a'), "/workspace", "longer than 64"},
      {"relative work_dir", "wd-1", "workspace", "must be an absolute directory"},
      {"root work_dir", "wd-2", "/", "must be an absolute directory"},
      {"dotdot work_dir", "wd-3", "/a/../b", "must be an absolute directory"},
      {"work_dir over the proxy's directory", "wd-4", "/run/nucleus/x", "must be an absolute directory"},
  };
  for (const auto& c : cases) {
    auto sandbox = config(c.id);
    sandbox.work_dir = c.work_dir;
    auto created = driver_->create(sandbox);
    ASSERT_FALSE(created) << c.name;
    EXPECT_NE(created.error().find(c.expected), std::string::npos) << c.name << ": " << created.error();
  }
  EXPECT_TRUE(std::filesystem::is_empty(state_dir_));

  ASSERT_TRUE(driver_->create(config("dup-1")));
  launched_.push_back("dup-1");
  auto again = driver_->create(config("dup-1"));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("already exists"), std::string::npos) << again.error();
  EXPECT_FALSE(driver_->start("no-such-sandbox"));
  EXPECT_FALSE(driver_->status("no-such-sandbox"));
  ASSERT_TRUE(driver_->start("dup-1"));
  auto twice = driver_->start("dup-1");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().find("already started"), std::string::npos) << twice.error();
  ASSERT_TRUE(driver_->wait_ready("dup-1", std::chrono::seconds(20)));
}

}  // namespace
}  // namespace nucleus::sandbox::testing
