// A real tool proxy running in-process on a temp Unix socket, with a temp
// git workspace, key files and a JSON-lines client. The pipeline
// integration tests and the approval flows share it.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "proxy/approval_token.h"
#include "proxy/hmac.h"
#include "proxy/proxy_setup.h"
#include "proxy/transport.h"

namespace nucleus::proxy::testing {

namespace fs = std::filesystem;

inline void write_text(const fs::path& path, const std::string& text, unsigned int mode = 0644) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

inline int run_shell(const std::string& line) { return std::system(line.c_str()); }

class ProxyClient {
 public:
  explicit ProxyClient(const std::string& socket) : connection_(std::move(connect_unix(socket).value())) {}

  nlohmann::json send_line(const std::string& line) {
    EXPECT_TRUE(connection_.write_all(line + "\n", std::chrono::seconds(5)));
    std::string reply;
    const auto status = connection_.read_line(reply, 64 << 20, std::chrono::seconds(60));
    EXPECT_EQ(status, Connection::ReadStatus::line);
    return nlohmann::json::parse(reply);
  }

  nlohmann::json request(const std::string& method, nlohmann::json params) {
    return send_line(nlohmann::json{{"id", ++next_id_}, {"method", method}, {"params", std::move(params)}}.dump());
  }

  nlohmann::json call(const std::string& tool, nlohmann::json args, nlohmann::json extra = nlohmann::json::object()) {
    extra["tool"] = tool;
    extra["args"] = std::move(args);
    return request("call", std::move(extra));
  }

 private:
  Connection connection_;
  int next_id_ = 0;
};

// Owns the directories, keys and the serving thread of one proxy.
class ProxyFixture : public ::testing::Test {
 protected:
  // Called by tests before start(): the policy document for the pod.
  void set_policy(const std::string& yaml) { write_text(root_ / "pod.yaml", yaml); }

  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("nucleus-proxy-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(counter_++));
    fs::remove_all(root_);
    fs::create_directories(workspace());
    write_text(root_ / "audit.key", std::string(48, 'a'), 0600);
    write_text(root_ / "approver.key", std::string(48, 'b'), 0600);
    run_shell("git init -q -b main " + workspace().string() + " && git -C " + workspace().string() +
              " -c user.name=t -c user.email=t@t commit -q --allow-empty -m init");
    run_shell("git init -q --bare " + (root_ / "remote.git").string());
    write_text(workspace() / "README.md", "hello nucleus\n");
    write_text(workspace() / ".env", "API_KEY=do-not-leak-4f1c\n");
    // Commands run as uid 65534, which must be able to use the workspace.
    run_shell("chown -R 65534:65534 " + workspace().string());
  }

  void TearDown() override {
    if (proxy_) proxy_->server().stop();
    if (serving_.joinable()) serving_.join();
    proxy_.reset();
    fs::remove_all(root_);
  }

  // Flags for a proxy on this fixture's socket, policy, workspace and keys.
  ProxyFlags fixture_flags(ProxyFlags flags = {}) const {
    flags.socket_path = (root_ / "proxy.sock").string();
    flags.pod_id = "pod-test";
    flags.policy_source = (root_ / "pod.yaml").string();
    flags.workspace_root = workspace().string();
    flags.audit_log = audit_log();
    flags.audit_key_file = (root_ / "audit.key").string();
    flags.approver_key_file = (root_ / "approver.key").string();
    flags.private_dir = (root_ / "private").string();
    flags.allow_file_remotes = true;
    flags.approval_wait_seconds = 20;
    return flags;
  }

  void start(ProxyFlags extra = {}) {
    auto started = start_proxy(fixture_flags(std::move(extra)));
    ASSERT_TRUE(started.ok()) << started.error();
    proxy_ = std::move(started).value();
    serving_ = std::thread([this] { proxy_->server().run(); });
  }

  ProxyClient client() { return ProxyClient((root_ / "proxy.sock").string()); }

  std::string approve_token(const nlohmann::json& pending, bool approve = true,
                            const std::string& key = std::string(48, 'b')) {
    ApprovalClaims claims;
    claims.subject = {pending["approval_id"], "pod-test", pending["operation"], pending["args_digest"]};
    claims.decision = approve ? ApprovalDecision::approve : ApprovalDecision::deny;
    claims.expires_at = std::chrono::system_clock::now() + std::chrono::minutes(5);
    return sign_approval_token(claims, SecretKey::from_bytes(key).value());
  }

  fs::path workspace() const { return root_ / "workspace"; }
  fs::path remote() const { return root_ / "remote.git"; }
  std::string audit_log() const { return (root_ / "audit.log").string(); }

  fs::path root_;
  std::unique_ptr<RunningProxy> proxy_;
  std::thread serving_;
  static inline std::atomic<int> counter_{0};
};

}  // namespace nucleus::proxy::testing
