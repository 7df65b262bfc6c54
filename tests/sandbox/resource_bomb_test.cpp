// Resource bombs inside a namespace sandbox with small limits: a fork bomb,
// a memory bomb, disk fills, an output flood and endless loops. Each test
// also runs a second, ordinary sandbox that must keep running commands
// while the bomb runs, checks that the bombed sandbox's proxy survives (or
// that its end was recorded with a reason), and after teardown that
// nothing of either sandbox is left on the host.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <map>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "sandbox/cgroup.h"
#include "sandbox/launch_config.h"
#include "sandbox/supervisor.h"
#include "sandbox_fixture.h"
#include "sandbox_leftovers.h"
#include "staged_script.h"

namespace nucleus::sandbox::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value after `key` in a "key value" per line file such as cpu.stat.
long read_keyed(const std::string& path, const std::string& key) {
  std::istringstream lines(read_text(path));
  std::string name;
  long value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return -1;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class ResourceBombTest : public SandboxFixture {
 protected:
  void TearDown() override {
    std::vector<std::pair<std::string, std::string>> launched;
    if (driver_) {
      for (const auto& id : launched_) {
        if (auto paths = driver_->paths(id)) launched.emplace_back(id, paths->dir);
      }
    }
    SandboxFixture::TearDown();
    if (driver_) remove_state_dir(state_dir_);
    for (const auto& [id, dir] : launched) {
      for (const auto& leftover : sandbox_leftovers(cgroup_parent(), id, dir)) {
        ADD_FAILURE() << "sandbox " << id << " left behind: " << leftover;
      }
    }
  }

  // The fixture's limits, which each test narrows.
  Limits base_limits() const { return config("base").limits; }

  static std::string cgroup_parent() { return "nucleus-test-" + std::to_string(::getpid()); }

  // The bombed sandbox with `limits`, and an ordinary bystander next to it.
  void launch_pair(const std::string& bomb_id, const Limits& limits) {
    SandboxConfig bomb = config(bomb_id);
    bomb.limits = limits;
    launch(bomb);
    SandboxConfig bystander = config(bomb_id + "-bystander");
    bystander.limits.workspace_bytes = 0;
    launch(bystander);
    bomb_ = bomb_id;
    bystander_ = bystander.id;
  }

  // The command that runs `script` in sandbox `id` (staged_script.h).
  std::string staged(const std::string& id, const std::string& script) {
    auto paths = driver_->paths(id);
    if (!paths) return "";
    return stage_script(paths->workspace, "/workspace", script);
  }

  // Runs `script` as the agent in the bombed sandbox.
  json script(const std::string& text, int timeout_seconds) {
    const std::string command = staged(bomb_, text);
    if (command.empty()) return json{{"transport_error", "cannot write the probe script"}};
    return sh(bomb_, command, timeout_seconds);
  }

  // Starts `text` in the bombed sandbox; the reply arrives in the future.
  std::future<json> start_bomb(const std::string& text, int timeout_seconds) {
    return std::async(std::launch::async, [this, text, timeout_seconds] { return script(text, timeout_seconds); });
  }

  // Expects the bystander to run a command in time while a bomb runs in
  // the other sandbox.
  void expect_bystander_responsive() {
    const auto start = Clock::now();
    const json reply = sh(bystander_, "echo bystander; head -c 100000 /dev/urandom | wc -c", 30);
    ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
    EXPECT_EQ(reply["result"]["stdout"], "bystander\n100000\n") << reply.dump();
    EXPECT_LT(seconds_since(start), 15.0) << "the bystander sandbox took over 15 s to run a command: " << reply.dump();
  }

  // Expects the bombed sandbox's proxy to run a command again within a few
  // seconds, or the sandbox to have ended with a reason in its status.
  void expect_bomb_survived_or_reported() {
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    json reply;
    while (Clock::now() < deadline) {
      reply = sh(bomb_, "echo alive", 10);
      if (reply.value("status", "") == "ok" && reply["result"]["stdout"] == "alive\n") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    auto status = driver_->status(bomb_);
    ASSERT_TRUE(status) << status.error();
    ASSERT_EQ(status->phase, Phase::exited) << "the proxy runs no more commands but the sandbox still runs: "
                                            << reply.dump();
    EXPECT_FALSE(status->reason.empty()) << "the sandbox ended without a reason";
    std::cout << "[ note ] sandbox " << bomb_ << " ended: " << status->reason << "\n";
  }

  // Expects the bombed sandbox's cgroup to contain only the init and the
  // proxy within a few seconds.
  void expect_only_init_and_proxy_left() {
    auto group = Cgroup::open(kCgroupRoot, cgroup_parent(), bomb_);
    ASSERT_TRUE(group) << group.error();
    // v1 lists each process once per controller.
    const std::size_t expected = cgroup_v1() ? 6 : 2;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while ((*group)->processes().size() > expected && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_LE((*group)->processes().size(), expected) << "bomb processes outlived their command";
  }

  std::string cgroup_file(const std::string& controller, const std::string& file) const {
    return fmt::format("{}/{}/{}/{}/{}", kCgroupRoot, controller, cgroup_parent(), bomb_, file);
  }

  bool cgroup_v1() const {
    auto version = Cgroup::detect(kCgroupRoot);
    return version && *version == CgroupVersion::v1;
  }

  std::string bomb_;
  std::string bystander_;
};

TEST_F(ResourceBombTest, ForkLoopHitsPidsLimit) {
  Limits limits = base_limits();
  limits.pids = 64;
  launch_pair("fork-loop", limits);

  // dash gives up at the first failed fork.
  auto bomb = start_bomb("n=0; while [ $n -lt 300 ]; do sleep 30 & n=$((n + 1)); done; echo started=$n", 8);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  expect_bystander_responsive();
  const json reply = bomb.get();
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
  const std::string output = reply["result"].value("stdout", "") + reply["result"].value("stderr", "");
  EXPECT_NE(reply["result"]["exit_code"], 0) << reply.dump();
  EXPECT_TRUE(output.find("Cannot fork") != std::string::npos ||
              output.find("Resource temporarily unavailable") != std::string::npos)
      << reply.dump();
  EXPECT_EQ(output.find("started=300"), std::string::npos) << reply.dump();

  if (cgroup_v1()) {
    EXPECT_GT(read_keyed(cgroup_file("pids", "pids.events"), "max"), 0) << "the pids limit was never hit";
    EXPECT_EQ(read_text(cgroup_file("pids", "pids.max")), "64\n");
  }
  expect_bomb_survived_or_reported();
  expect_bystander_responsive();
}

TEST_F(ResourceBombTest, ForkBombCleanedUp) {
  Limits limits = base_limits();
  limits.pids = 64;
  launch_pair("fork-bomb", limits);

  // The shell returns at once and leaves the bomb running in its process
  // group, which the run tool kills when the command ends.
  auto bomb = start_bomb("bomb() { bomb | bomb & }; bomb; sleep 3", 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  expect_bystander_responsive();
  const json reply = bomb.get();
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
  expect_bomb_survived_or_reported();

  expect_only_init_and_proxy_left();
  expect_bystander_responsive();
}

TEST_F(ResourceBombTest, DetachedForkLoopCleanedUp) {
  Limits limits = base_limits();
  limits.pids = 64;
  launch_pair("detached-loop", limits);

  // The loop runs in a session of its own, out of reach of a kill of the
  // command's process group, and its sleeps hold every pid the limit allows.
  auto bomb = start_bomb(
      "setsid sh -c 'while :; do sleep 120 & done' >/dev/null 2>&1 </dev/null & sleep 1; echo started", 5);
  expect_bystander_responsive();
  const json reply = bomb.get();
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
  if (cgroup_v1()) {
    EXPECT_GT(read_keyed(cgroup_file("pids", "pids.events"), "max"), 0) << "the pids limit was never hit";
  }
  expect_bomb_survived_or_reported();
  expect_only_init_and_proxy_left();
  expect_bystander_responsive();
}

TEST_F(ResourceBombTest, MemoryBombKilled) {
  Limits limits = base_limits();
  limits.memory_bytes = 128ULL << 20;
  launch_pair("memory-bomb", limits);

  const std::string python_bomb =
      "python3 -c 'chunks = []\nwhile True: chunks.append(b\"x\" * (8 << 20))'";
  const std::string shell_bomb = "head -c 2G /dev/zero | tail";
  auto bomb = start_bomb(fmt::format("if command -v python3 >/dev/null; then {}; else {}; fi", python_bomb, shell_bomb),
                         30);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  expect_bystander_responsive();
  const json reply = bomb.get();
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
  const json& result = reply["result"];
  EXPECT_FALSE(result["timed_out"].get<bool>()) << "the bomb outlived the limit: " << reply.dump();
  EXPECT_NE(result["exit_code"], 0) << reply.dump();

  auto group = Cgroup::open(kCgroupRoot, cgroup_parent(), bomb_);
  ASSERT_TRUE(group) << group.error();
  EXPECT_GT((*group)->oom_kills(), 0) << "no OOM kill recorded: " << reply.dump();
  if (cgroup_v1()) {
    const std::string peak = read_text(cgroup_file("memory", "memory.max_usage_in_bytes"));
    EXPECT_LE(std::stoull(peak), limits.memory_bytes) << peak;
  }
  expect_bomb_survived_or_reported();
  expect_bystander_responsive();
}

TEST_F(ResourceBombTest, DiskFillStopsAtCap) {
  Limits limits = base_limits();
  limits.workspace_bytes = 32ULL << 20;
  limits.tmp_bytes = 16ULL << 20;
  launch_pair("disk-fill", limits);

  // Staged before the workspace is full.
  std::map<std::string, std::string> fill_tmp;
  for (const char* dir : {"/tmp", "/dev/shm"}) {
    fill_tmp[dir] = staged(bomb_, fmt::format("dd if=/dev/zero of={}/fill bs=1M count=100", dir));
  }
  const std::string show_sizes = staged(bomb_, "stat -c %s /workspace/fill /tmp/fill /dev/shm/fill");
  const std::string free_space = staged(bomb_, "rm /workspace/fill /tmp/fill /dev/shm/fill && echo after > "
                                               "/workspace/after && cat /workspace/after");
  auto bomb = start_bomb("dd if=/dev/zero of=/workspace/fill bs=1M count=200", 60);
  expect_bystander_responsive();
  const json reply = bomb.get();
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
  EXPECT_NE(reply["result"]["exit_code"], 0) << reply.dump();
  EXPECT_NE(reply["result"].value("stderr", "").find("No space left on device"), std::string::npos) << reply.dump();

  // What the image holds on the host disk, once the page cache is written.
  ::sync();
  auto paths = driver_->paths(bomb_);
  ASSERT_TRUE(paths) << paths.error();
  const std::string image = Layout(paths->dir).workspace_image;
  struct stat st {};
  ASSERT_EQ(::stat(image.c_str(), &st), 0) << image << ": " << std::strerror(errno);
  EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), limits.workspace_bytes);
  EXPECT_LE(static_cast<std::uint64_t>(st.st_blocks) * 512, limits.workspace_bytes + (1ULL << 20))
      << image << " takes more host disk than the cap";

  for (const char* dir : {"/tmp", "/dev/shm"}) {
    SCOPED_TRACE(dir);
    const json fill = sh(bomb_, fill_tmp[dir], 30);
    ASSERT_EQ(fill.value("status", ""), "ok") << fill.dump();
    EXPECT_NE(fill["result"]["exit_code"], 0) << fill.dump();
    EXPECT_NE(fill["result"].value("stderr", "").find("No space left on device"), std::string::npos) << fill.dump();
  }
  const json sizes = sh(bomb_, show_sizes);
  ASSERT_EQ(sizes.value("status", ""), "ok") << sizes.dump();
  std::istringstream numbers(sizes["result"].value("stdout", ""));
  std::uint64_t workspace_fill = 0, tmp_fill = 0, shm_fill = 0;
  numbers >> workspace_fill >> tmp_fill >> shm_fill;
  EXPECT_LE(workspace_fill, limits.workspace_bytes) << sizes.dump();
  EXPECT_LE(tmp_fill, limits.tmp_bytes) << sizes.dump();
  EXPECT_LE(shm_fill, limits.tmp_bytes) << sizes.dump();

  // Freeing the space makes the workspace usable again.
  const json freed = sh(bomb_, free_space);
  EXPECT_EQ(freed["result"]["stdout"], "after\n") << freed.dump();
  expect_bomb_survived_or_reported();
  expect_bystander_responsive();
}

TEST_F(ResourceBombTest, OutputFloodTruncated) {
  launch_pair("output-flood", base_limits());

  auto start = Clock::now();
  auto bomb = start_bomb("yes | head -c 200M", 60);
  expect_bystander_responsive();
  json reply = bomb.get();
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump().substr(0, 2000);
  EXPECT_TRUE(reply["result"]["stdout_truncated"].get<bool>()) << reply["result"]["duration_ms"];
  EXPECT_LT(seconds_since(start), 30.0);
  EXPECT_LT(reply["result"].value("stdout", "").size(), std::size_t{200} << 20);

  // A flood that never ends stops at the timeout, on stdout and on stderr.
  for (const char* command : {"cat /dev/zero", "yes >&2"}) {
    SCOPED_TRACE(command);
    start = Clock::now();
    reply = script(command, 2);
    ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump().substr(0, 2000);
    const json& result = reply["result"];
    EXPECT_TRUE(result["timed_out"].get<bool>()) << result["duration_ms"];
    EXPECT_TRUE(result["stdout_truncated"].get<bool>() || result["stderr_truncated"].get<bool>());
    EXPECT_LT(seconds_since(start), 20.0);
  }
  expect_bomb_survived_or_reported();
  expect_bystander_responsive();
}

TEST_F(ResourceBombTest, EndlessLoopStopsAtTimeout) {
  Limits limits = base_limits();
  limits.cpu_millis = 200;
  launch_pair("endless-loop", limits);

  const auto start = Clock::now();
  auto bomb = start_bomb("while :; do :; done", 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  expect_bystander_responsive();
  const json reply = bomb.get();
  ASSERT_EQ(reply.value("status", ""), "ok") << reply.dump();
  EXPECT_TRUE(reply["result"]["timed_out"].get<bool>()) << reply.dump();
  EXPECT_GE(seconds_since(start), 2.0);
  EXPECT_LT(seconds_since(start), 15.0) << reply.dump();

  // A busy loop for 3 s of wall time, its CPU time read from /proc before
  // it is killed. With a cap of 0.2 CPU it gets about 0.6 s; the bound
  // leaves room for a loaded machine.
  const json measured = script(
                           "sh -c 'while :; do :; done' & p=$!; sleep 3; "
                           "set -- $(cut -d' ' -f14,15 /proc/$p/stat); kill -9 $p; "
                           "echo $(( $1 + $2 )) $(getconf CLK_TCK)",
                           20);
  ASSERT_EQ(measured.value("status", ""), "ok") << measured.dump();
  std::istringstream numbers(measured["result"].value("stdout", ""));
  long ticks = -1, ticks_per_second = 0;
  numbers >> ticks >> ticks_per_second;
  ASSERT_GT(ticks_per_second, 0) << measured.dump();
  const double cpu_seconds = static_cast<double>(ticks) / static_cast<double>(ticks_per_second);
  EXPECT_GT(cpu_seconds, 0.0) << measured.dump();
  EXPECT_LT(cpu_seconds, 1.5) << "the loop used more than half a core under a cap of 0.2: " << measured.dump();
  if (cgroup_v1()) {
    EXPECT_GT(read_keyed(cgroup_file("cpu", "cpu.stat"), "nr_throttled"), 0) << "the CPU quota never throttled";
  }
  expect_bomb_survived_or_reported();
  expect_bystander_responsive();
}

}  // namespace
}  // namespace nucleus::sandbox::testing
