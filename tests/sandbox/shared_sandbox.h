// One running sandbox shared by every test of a suite, for suites that run
// many short commands and would otherwise pay a launch per test. It has its
// own namespace driver, state directory and cgroup parent, and destroys
// the sandbox when it is deleted. Needs root, like SandboxFixture.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "sandbox/namespace_driver.h"

namespace nucleus::sandbox::testing {

class SharedSandbox {
 public:
  // Creates, starts and waits for the sandbox `config.id`. The state
  // directory is /tmp/nucleus-shared-<pid>-<id>.
  static Result<std::unique_ptr<SharedSandbox>> launch(SandboxConfig config);
  ~SharedSandbox();
  SharedSandbox(const SharedSandbox&) = delete;
  SharedSandbox& operator=(const SharedSandbox&) = delete;

  // A tool call through a fresh connection to the proxy; on a transport
  // failure the reply has a "transport_error" field.
  nlohmann::json call(const std::string& tool, nlohmann::json args);
  // The run tool's reply for a shell command run as the agent.
  nlohmann::json sh(const std::string& command, int timeout_seconds = 20);

  // Stops and removes the sandbox. The error names the step that failed.
  Result<bool> destroy();

  NamespaceDriver& driver() { return *driver_; }
  const std::string& id() const { return id_; }
  const Paths& paths() const { return paths_; }
  const std::string& cgroup_parent() const { return cgroup_parent_; }
  const std::string& state_dir() const { return state_dir_; }

 private:
  SharedSandbox() = default;

  std::unique_ptr<NamespaceDriver> driver_;
  std::string id_;
  Paths paths_;
  std::string cgroup_parent_;
  std::string state_dir_;
  bool destroyed_ = false;
};

}  // namespace nucleus::sandbox::testing
