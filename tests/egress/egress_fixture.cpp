#include "egress_fixture.h"

#include <cstdlib>
#include <stdexcept>

namespace nucleus::egress::testing {

std::vector<policy::EgressRule> parse_rules(const std::vector<std::string>& entries) {
  std::vector<policy::EgressRule> rules;
  for (const std::string& entry : entries) {
    auto rule = policy::EgressRule::parse(entry);
    if (!rule) throw std::runtime_error(rule.error());
    rules.push_back(*rule);
  }
  return rules;
}

RunningBridge::RunningBridge(const std::string& socket_path) {
  auto bridge = LoopbackBridge::create(0, socket_path);
  if (!bridge) throw std::runtime_error(bridge.error());
  bridge_ = std::move(*bridge);
  thread_ = std::thread([this] {
    auto result = bridge_->run();
    if (!result) ADD_FAILURE() << result.error();
  });
}

RunningBridge::~RunningBridge() {
  bridge_->stop();
  thread_.join();
}

void EgressFixture::SetUp() {
  std::string pattern = (std::filesystem::temp_directory_path() / "egress-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  directory_ = pattern;
  origin_ = std::make_unique<OriginServer>(directory_ / "www");
  echo_ = std::make_unique<EchoServer>();

  EgressProxyOptions options;
  ASSERT_TRUE(add_static_host(options.static_hosts, "mapped.test=127.0.0.1").ok());
  options.head_timeout = std::chrono::milliseconds(500);
  proxy_ = std::make_unique<EgressProxy>(options);

  const std::string origin_port = std::to_string(origin_->port());
  const auto web_rules = parse_rules({web_authority(origin_->port()), web_authority(echo_->port()),
                                      "mapped.test:" + origin_port, "localhost:" + origin_port});
  auto added = proxy_->add_pod("web", socket_path("web"), web_rules, ::getuid(), ::getgid());
  ASSERT_TRUE(added.ok()) << added.error();
  added = proxy_->add_pod("names", socket_path("names"), parse_rules({"origin.test:" + origin_port}), ::getuid(),
                          ::getgid());
  ASSERT_TRUE(added.ok()) << added.error();
  web_bridge_ = std::make_unique<RunningBridge>(socket_path("web"));
  names_bridge_ = std::make_unique<RunningBridge>(socket_path("names"));
}

void EgressFixture::TearDown() {
  web_bridge_.reset();
  names_bridge_.reset();
  proxy_.reset();
  echo_.reset();
  origin_.reset();
  if (!directory_.empty()) std::filesystem::remove_all(directory_);
}

std::string EgressFixture::exchange(const RunningBridge& bridge, const std::string& request) const {
  const UniqueFd client = connect_loopback(bridge.port());
  send_all(client.get(), request);
  return read_all(client.get());
}

}  // namespace nucleus::egress::testing
