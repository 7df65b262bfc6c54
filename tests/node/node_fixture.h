// Runs the real nucleus-node binary on a free 127.0.0.1 port with a private
// state directory and talks to it with the curl binary. Needs root (the
// namespace driver); without it the tests skip and say why.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nucleus::node::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  nlohmann::json json() const;
};

class NodeFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts nucleus-node with `extra` flags; waits until /v1/health returns 200.
  void start_node(const std::vector<std::string>& extra = {});
  // SIGKILL (crash) or SIGTERM (clean stop), then reaps the process.
  void stop_node(int signal_number);

  // One request through curl. `body_file` is sent with --data-binary.
  HttpResult request(const std::string& method, const std::string& path, const std::string& token,
                     const std::string& body_file = "", const std::string& content_type = "");
  HttpResult request_text(const std::string& method, const std::string& path, const std::string& token,
                          const std::string& body, const std::string& content_type = "application/json");
  // A request with extra "Name: value" headers and a text body; the
  // response head goes to `response_head` when it is not null.
  HttpResult request_with_headers(const std::string& method, const std::string& path, const std::string& token,
                                  const std::string& body, const std::vector<std::string>& headers,
                                  std::string* response_head = nullptr);
  // POST /v1/pods with the YAML text, expecting 201; returns the pod id.
  std::string create_pod(const std::string& yaml);
  // Polls GET /v1/pods/{id} until `phase`; returns the last PodStatus.
  nlohmann::json wait_for_phase(const std::string& id, const std::string& phase,
                                std::chrono::seconds timeout = std::chrono::seconds(30));
  HttpResult call(const std::string& id, const std::string& tool, const nlohmann::json& args,
                  const std::string& query = "");
  // Writes `files` (relative path -> content) into a directory and tars it.
  std::string make_tar(const std::vector<std::pair<std::string, std::string>>& files);

  std::string agent_token() const;
  std::string approver_token() const;
  std::string url(const std::string& path) const;

  std::filesystem::path state_dir_;
  std::filesystem::path scratch_;
  std::string cgroup_parent_;
  std::string scheme_ = "http";  // "https" once the node runs with --tls-cert
  int port_ = 0;
  pid_t node_pid_ = -1;
  std::atomic<int> counter_{0};  // numbers scratch files, atomic because request() runs on several threads
};

// A pod spec allowing the local file operations, with `extra` appended
// under spec (indented two spaces).
std::string local_pod_yaml(const std::string& name, const std::string& extra = "");

// `text` in single quotes for sh, with embedded quotes escaped.
std::string shell_quote(const std::string& text);

}  // namespace nucleus::node::testing
