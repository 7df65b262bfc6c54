#include "shared_sandbox.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "sandbox/supervisor.h"
#include "sandbox_fixture.h"

namespace nucleus::sandbox::testing {

using nlohmann::json;

Result<std::unique_ptr<SharedSandbox>> SharedSandbox::launch(SandboxConfig config) {
  std::unique_ptr<SharedSandbox> sandbox(new SharedSandbox());
  sandbox->id_ = config.id;
  sandbox->state_dir_ = fmt::format("/tmp/nucleus-shared-{}-{}", ::getpid(), config.id);
  sandbox->cgroup_parent_ = fmt::format("nucleus-shared-{}", ::getpid());
  std::error_code ignored;
  std::filesystem::remove_all(sandbox->state_dir_, ignored);

  NamespaceDriverOptions options;
  options.state_dir = sandbox->state_dir_;
  options.supervisor_binary = NUCLEUS_SANDBOX_BINARY;
  options.proxy_binary = NUCLEUS_TOOL_PROXY_BINARY;
  options.cgroup_parent = sandbox->cgroup_parent_;
  auto driver = NamespaceDriver::make(options);
  if (!driver) return make_error(driver.error());
  sandbox->driver_ = std::move(*driver);

  auto created = sandbox->driver_->create(config);
  if (!created) return make_error("create: " + created.error());
  sandbox->paths_ = *created;
  if (auto started = sandbox->driver_->start(config.id); !started) return make_error("start: " + started.error());
  if (auto ready = sandbox->driver_->wait_ready(config.id, std::chrono::seconds(20)); !ready) {
    return make_error("wait_ready: " + ready.error());
  }
  return sandbox;
}

SharedSandbox::~SharedSandbox() { (void)destroy(); }

Result<bool> SharedSandbox::destroy() {
  if (destroyed_ || !driver_) return true;
  destroyed_ = true;
  auto destroyed = driver_->destroy(id_);
  // The driver keeps formatted workspace images in <state_dir>/.templates.
  std::error_code ignored;
  if (destroyed) std::filesystem::remove_all(state_dir_, ignored);
  for (const char* controller : {"memory/", "pids/", "cpu/", ""}) {
    ::rmdir(fmt::format("{}/{}{}", kCgroupRoot, controller, cgroup_parent_).c_str());
  }
  return destroyed;
}

json SharedSandbox::call(const std::string& tool, json args) {
  auto fd = driver_->connect(id_);
  if (!fd) return json{{"transport_error", fd.error()}};
  return proxy_request(fd->get(), json{{"id", 1}, {"method", "call"}, {"params", {{"tool", tool}, {"args", args}}}});
}

json SharedSandbox::sh(const std::string& command, int timeout_seconds) {
  return call("run", json{{"command", command}, {"timeout_seconds", timeout_seconds}});
}

}  // namespace nucleus::sandbox::testing
