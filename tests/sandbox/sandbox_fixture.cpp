#include "sandbox_fixture.h"

#include <sys/socket.h>

#include <cerrno>

namespace nucleus::sandbox::testing {

using nlohmann::json;
namespace fs = std::filesystem;

json proxy_request(int fd, const json& request, std::chrono::seconds timeout) {
  const std::string line = request.dump() + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    return json{{"transport_error", "send failed"}};
  }
  std::string reply;
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (reply.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return json{{"transport_error", "timed out"}};
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) return json{{"transport_error", "connection closed"}};
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  return json::parse(reply.substr(0, reply.find('\n')));
}

void SandboxFixture::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "the namespace driver needs root (loop devices, cgroups, id maps)";
  static int counter = 0;
  state_dir_ = fs::path("/tmp") / ("nucleus-sandbox-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(state_dir_);
  NamespaceDriverOptions options;
  options.state_dir = state_dir_;
  options.supervisor_binary = NUCLEUS_SANDBOX_BINARY;
  options.proxy_binary = NUCLEUS_TOOL_PROXY_BINARY;
  options.cgroup_parent = "nucleus-test-" + std::to_string(::getpid());
  auto made = NamespaceDriver::make(options);
  ASSERT_TRUE(made) << made.error();
  driver_ = std::move(*made);
}

void SandboxFixture::TearDown() {
  if (!driver_) return;
  for (const auto& id : launched_) {
    auto destroyed = driver_->destroy(id);
    EXPECT_TRUE(destroyed) << destroyed.error();
  }
  std::error_code ignored;
  fs::remove_all(state_dir_, ignored);
  ::rmdir(("/sys/fs/cgroup/memory/nucleus-test-" + std::to_string(::getpid())).c_str());
  ::rmdir(("/sys/fs/cgroup/pids/nucleus-test-" + std::to_string(::getpid())).c_str());
  ::rmdir(("/sys/fs/cgroup/cpu/nucleus-test-" + std::to_string(::getpid())).c_str());
  ::rmdir(("/sys/fs/cgroup/nucleus-test-" + std::to_string(::getpid())).c_str());
}

SandboxConfig SandboxFixture::config(const std::string& id) const {
  SandboxConfig c;
  c.id = id;
  c.policy_text = permissive_policy();
  c.limits.workspace_bytes = 64ULL << 20;
  return c;
}

std::string SandboxFixture::launch(SandboxConfig c) {
  auto created = driver_->create(c);
  EXPECT_TRUE(created) << created.error();
  if (!created) return c.id;
  launched_.push_back(c.id);
  auto started = driver_->start(c.id);
  EXPECT_TRUE(started) << started.error();
  auto ready = driver_->wait_ready(c.id, std::chrono::seconds(20));
  EXPECT_TRUE(ready) << ready.error();
  return c.id;
}

json SandboxFixture::call(const std::string& id, const std::string& tool, json args) {
  auto fd = driver_->connect(id);
  if (!fd) return json{{"transport_error", fd.error()}};
  return proxy_request(fd->get(), json{{"id", 1}, {"method", "call"}, {"params", {{"tool", tool}, {"args", args}}}});
}

json SandboxFixture::sh(const std::string& id, const std::string& command, int timeout_seconds) {
  return call(id, "run", json{{"command", command}, {"timeout_seconds", timeout_seconds}});
}

}  // namespace nucleus::sandbox::testing
