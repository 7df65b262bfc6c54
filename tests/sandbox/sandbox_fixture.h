// A namespace driver on a private state directory, plus a line-protocol
// client for the tool proxy inside a sandbox. Tests need root; without it
// they skip and say why.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "sandbox/namespace_driver.h"

namespace nucleus::sandbox::testing {

// A pod spec granting every local operation, for driver tests that are
// about isolation rather than policy.
inline std::string permissive_policy(const std::string& work_dir = "/workspace") {
  return "apiVersion: nucleus.io/v1\nkind: PodSpec\nmetadata:\n  name: sandbox-test\nspec:\n  work_dir: " + work_dir +
         "\n  capabilities:\n    read_files: always\n    write_files: always\n    edit_files: always\n"
         "    run_bash: always\n    glob_search: always\n    grep_search: always\n";
}

// Sends one request line on `fd` and reads one reply line.
nlohmann::json proxy_request(int fd, const nlohmann::json& request, std::chrono::seconds timeout = std::chrono::seconds(60));

class SandboxFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // create + start + wait_ready; fails the test on error.
  std::string launch(SandboxConfig config);
  SandboxConfig config(const std::string& id) const;
  // A tool call through a fresh connection to the sandbox's proxy.
  nlohmann::json call(const std::string& id, const std::string& tool, nlohmann::json args);
  // Runs a shell command via the run tool; returns the result object.
  nlohmann::json sh(const std::string& id, const std::string& command, int timeout_seconds = 60);

  std::filesystem::path state_dir_;
  std::unique_ptr<NamespaceDriver> driver_;
  std::vector<std::string> launched_;
};

}  // namespace nucleus::sandbox::testing
