// Egress from inside a real sandbox: only through the loopback bridge and
// the node's egress proxy, only to what the pod's dns_allow names. The
// origin server runs on the host's loopback, which the sandbox's own
// loopback cannot reach directly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "../egress/loopback_servers.h"
#include "egress/egress_proxy.h"
#include "sandbox_fixture.h"

namespace nucleus::sandbox::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class SandboxEgressTest : public SandboxFixture {
 protected:
  void SetUp() override {
    SandboxFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    web_root_ = state_dir_.string() + "-web";
    fs::create_directories(web_root_);
    std::ofstream(web_root_ / "hello.txt") << "hello through the egress proxy\n";
    // A bare repository served as static files (git's "dumb" HTTP).
    const std::string script = fmt::format(
        "set -e; cd {0}; export HOME={0} GIT_CONFIG_NOSYSTEM=1; git init -q -b main work; "
        "git -C work -c user.name=t -c user.email=t@t commit -q --allow-empty -m first; "
        "git clone -q --bare work repo.git; git -C repo.git update-server-info",
        web_root_.string());
    ASSERT_EQ(std::system(script.c_str()), 0);
    origin_ = std::make_unique<egress::testing::OriginServer>(web_root_);
  }

  void TearDown() override {
    if (proxy_) {
      for (const auto& id : launched_) (void)proxy_->remove_pod(id);
    }
    SandboxFixture::TearDown();
    origin_.reset();
    std::error_code ignored;
    fs::remove_all(web_root_, ignored);
  }

  // A sandbox with egress whose pod allows exactly `rules`.
  std::string launch_with_egress(const std::string& id, const std::vector<std::string>& rules) {
    if (!proxy_) proxy_ = std::make_unique<egress::EgressProxy>();
    auto c = config(id);
    c.egress = true;
    auto created = driver_->create(c);
    EXPECT_TRUE(created) << created.error();
    launched_.push_back(id);
    std::vector<policy::EgressRule> parsed;
    for (const auto& rule : rules) parsed.push_back(policy::EgressRule::parse(rule).value());
    auto added = proxy_->add_pod(id, created->egress_socket, parsed, created->host_uid, created->host_uid);
    EXPECT_TRUE(added) << added.error();
    EXPECT_TRUE(driver_->start(id));
    auto ready = driver_->wait_ready(id, std::chrono::seconds(20));
    EXPECT_TRUE(ready) << ready.error();
    return id;
  }

  std::string origin() const { return fmt::format("127.0.0.1:{}", origin_->port()); }

  // Inside, NO_PROXY names loopback so that servers the agent starts in
  // its own sandbox stay direct. These tests stand in for a remote origin
  // with one on the host's loopback, so they clear NO_PROXY.
  json remote(const std::string& id, const std::string& command) {
    return sh(id, "export NO_PROXY= no_proxy=; " + command);
  }

  fs::path web_root_;
  std::unique_ptr<egress::testing::OriginServer> origin_;
  std::unique_ptr<egress::EgressProxy> proxy_;
};

TEST_F(SandboxEgressTest, AllowedOriginWorksWithCurlAndGit) {
  const auto id = launch_with_egress("egress-ok", {origin()});
  json reply = remote(id, fmt::format("curl -sS -m 10 http://{}/hello.txt", origin()));
  EXPECT_EQ(reply["result"].value("stdout", ""), "hello through the egress proxy\n") << reply.dump();

  reply = remote(id, fmt::format("git clone -q http://{}/repo.git /workspace/clone && git -C /workspace/clone log --format=%s",
                             origin()));
  EXPECT_EQ(reply["result"].value("exit_code", -1), 0) << reply.dump();
  EXPECT_EQ(reply["result"].value("stdout", ""), "first\n") << reply.dump();
}

TEST_F(SandboxEgressTest, EverythingElseFails) {
  const auto id = launch_with_egress("egress-deny", {origin()});
  const std::uint16_t other_port = egress::testing::unused_loopback_port();
  struct Attempt {
    std::string what;
    std::string command;
  };
  const std::vector<Attempt> attempts = {
      {"another port", fmt::format("curl -sS -m 5 -o /dev/null -w '%{{http_code}}' http://127.0.0.1:{}/", other_port)},
      {"a name", fmt::format("curl -sS -m 5 -o /dev/null -w '%{{http_code}}' http://localhost:{}/hello.txt",
                             origin_->port())},
      {"a tunnel to another port", fmt::format("curl -sS -m 5 -p http://127.0.0.1:{}/", other_port)},
      {"direct TCP without the proxy",
       fmt::format("curl -sS -m 5 --noproxy '*' http://{}/hello.txt", origin())},
      {"a DNS lookup", "getent hosts example.com"},
      {"a DNS query over UDP to the configured resolver",
       "python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2); "
       "s.sendto(bytes(12), (\"127.0.0.1\", 53)); print(s.recv(512))'"},
  };
  for (const auto& attempt : attempts) {
    const json reply = remote(id, attempt.command);
    const json result = reply.value("result", json::object());
    const std::string out = result.value("stdout", "");
    EXPECT_TRUE(result.value("exit_code", 0) != 0 || out == "403") << attempt.what << ": " << reply.dump();
    EXPECT_EQ(out.find("hello through"), std::string::npos) << attempt.what;
  }
  // Only loopback exists inside.
  const json devices = sh(id, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
  EXPECT_EQ(devices["result"].value("stdout", ""), "lo\n") << devices.dump();
}

TEST_F(SandboxEgressTest, NoEgressMeansNoProxyAtAll) {
  const auto id = launch(config("egress-none"));
  const json env = sh(id, "env | grep -ci proxy || true");
  EXPECT_EQ(env["result"].value("stdout", ""), "0\n") << env.dump();
  const json reply = remote(id, fmt::format("curl -sS -m 5 -x http://127.0.0.1:3128 http://{}/hello.txt", origin()));
  EXPECT_NE(reply["result"].value("exit_code", 0), 0) << reply.dump();
}

TEST_F(SandboxEgressTest, EmptyAllowListRefusesEverything) {
  const auto id = launch_with_egress("egress-empty", {});
  const json reply =
      remote(id, fmt::format("curl -sS -m 5 -o /dev/null -w '%{{http_code}}' http://{}/hello.txt", origin()));
  EXPECT_EQ(reply["result"].value("stdout", ""), "403") << reply.dump();
}

}  // namespace
}  // namespace nucleus::sandbox::testing
