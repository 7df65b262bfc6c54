// A running egress stack on loopback for integration tests: an origin HTTP
// server and an echo server, an EgressProxy with two pods, and a
// LoopbackBridge per pod in front of the pod's Unix socket.
//
// Pod "web" allows 127.0.0.1 on the origin and echo ports plus the names
// mapped.test (mapped to 127.0.0.1 in the static table) and localhost on
// the origin port. Pod "names" allows only the name origin.test on the
// origin port, so every IP literal is rejected there.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "egress/bridge.h"
#include "egress/egress_proxy.h"
#include "loopback_servers.h"

namespace nucleus::egress::testing {

std::vector<policy::EgressRule> parse_rules(const std::vector<std::string>& entries);

// A bridge whose run() loop runs in a thread until destruction.
class RunningBridge {
 public:
  explicit RunningBridge(const std::string& socket_path);
  ~RunningBridge();
  std::uint16_t port() const { return bridge_->port(); }

 private:
  std::unique_ptr<LoopbackBridge> bridge_;
  std::thread thread_;
};

class EgressFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string socket_path(const std::string& pod) const { return (directory_ / (pod + ".sock")).string(); }
  std::string web_authority(std::uint16_t port) const { return "127.0.0.1:" + std::to_string(port); }
  // Sends `request` through the bridge of the pod and returns everything
  // the proxy sent back until it closed.
  std::string exchange(const RunningBridge& bridge, const std::string& request) const;

  std::filesystem::path directory_;
  std::unique_ptr<OriginServer> origin_;
  std::unique_ptr<EchoServer> echo_;
  std::unique_ptr<EgressProxy> proxy_;
  std::unique_ptr<RunningBridge> web_bridge_;
  std::unique_ptr<RunningBridge> names_bridge_;
};

}  // namespace nucleus::egress::testing
