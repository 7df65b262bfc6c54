// The egress proxy and bridge over real loopback sockets, with raw
// requests, so every byte the client sends is under the test's control.
#include <sys/socket.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>

#include <string>

#include "egress_fixture.h"

namespace nucleus::egress::testing {
namespace {

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

std::string get(std::string_view host_port, std::string_view path = "/hello") {
  return fmt::format("GET http://{0}{1} HTTP/1.1\r\nHost: {0}\r\nUser-Agent: test\r\n\r\n", host_port, path);
}

class EgressProxyTest : public EgressFixture {};

TEST_F(EgressProxyTest, ForwardsAllowedRequestInOriginForm) {
  const std::string authority = web_authority(origin_->port());
  const std::string response = exchange(
      *web_bridge_, fmt::format("GET http://{0}/hello?x=1 HTTP/1.1\r\nHost: {0}\r\nProxy-Authorization: Basic eDp5\r\n"
                                "Proxy-Connection: keep-alive\r\n\r\n",
                                authority));
  EXPECT_EQ(status_line(response), "HTTP/1.1 200 OK");
  EXPECT_TRUE(response.ends_with("hello from origin")) << response;

  const auto requests = origin_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].head.starts_with("GET /hello?x=1 HTTP/1.1\r\n")) << requests[0].head;
  EXPECT_EQ(requests[0].head.find("Proxy-"), std::string::npos) << requests[0].head;
  EXPECT_NE(requests[0].head.find("\r\nConnection: close\r\n"), std::string::npos) << requests[0].head;
}

TEST_F(EgressProxyTest, ForwardsContentLengthBodyOnly) {
  const std::string authority = web_authority(origin_->port());
  const std::string request = fmt::format(
      "POST http://{0}/upload HTTP/1.1\r\nHost: {0}\r\nContent-Length: 5\r\n\r\nhello"
      "GET http://{0}/second HTTP/1.1\r\nHost: {0}\r\n\r\n",
      authority);
  const std::string response = exchange(*web_bridge_, request);
  EXPECT_TRUE(response.ends_with("received 5 bytes: hello")) << response;
  ASSERT_EQ(origin_->requests().size(), 1u) << "the pipelined second request must be dropped";
}

TEST_F(EgressProxyTest, ForwardsChunkedBody) {
  const std::string authority = web_authority(origin_->port());
  const std::string response = exchange(
      *web_bridge_, fmt::format("POST http://{0}/upload HTTP/1.1\r\nHost: {0}\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
                                authority));
  EXPECT_TRUE(response.ends_with("received 7 bytes: abcdefg")) << response;
}

TEST_F(EgressProxyTest, ConnectTunnelsBothWaysWithHalfClose) {
  const std::string authority = web_authority(echo_->port());
  const UniqueFd client = connect_loopback(web_bridge_->port());
  send_all(client.get(), fmt::format("CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n\r\n", authority));
  EXPECT_EQ(read_until(client.get(), "\r\n\r\n"), "HTTP/1.1 200 Connection established\r\n\r\n");

  send_all(client.get(), "ping");
  EXPECT_EQ(read_until(client.get(), "ping"), "ping");
  const std::string large(300'000, 'x');
  send_all(client.get(), large);
  ::shutdown(client.get(), SHUT_WR);
  EXPECT_EQ(read_all(client.get()).size(), large.size()) << "the echo after half-close arrives in full";
}

TEST_F(EgressProxyTest, ConnectSendsEarlyTunnelData) {
  const std::string authority = web_authority(echo_->port());
  const UniqueFd client = connect_loopback(web_bridge_->port());
  send_all(client.get(), fmt::format("CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n\r\nearly", authority));
  ::shutdown(client.get(), SHUT_WR);
  EXPECT_EQ(read_all(client.get()), "HTTP/1.1 200 Connection established\r\n\r\nearly");
}

TEST_F(EgressProxyTest, RejectsOtherPort) {
  const std::uint16_t other = unused_loopback_port();
  const std::string response = exchange(*web_bridge_, get(web_authority(other)));
  EXPECT_EQ(status_line(response), "HTTP/1.1 403 Forbidden");
  EXPECT_NE(response.find("is not named by any dns_allow entry"), std::string::npos) << response;
}

TEST_F(EgressProxyTest, RejectsOtherName) {
  const std::string response = exchange(*web_bridge_, get("other.test:" + std::to_string(origin_->port())));
  EXPECT_EQ(status_line(response), "HTTP/1.1 403 Forbidden");
  EXPECT_NE(response.find("no dns_allow entry allows other.test"), std::string::npos) << response;
}

TEST_F(EgressProxyTest, RejectsEveryNotationOfLoopbackForNameEntries) {
  const std::string port = std::to_string(origin_->port());
  for (const std::string host : {"127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1",
                                 "0177.0.0.1", "017700000001", "0x7f.1", "127.0.0.1.", "[::ffff:127.0.0.1]",
                                 "[::ffff:7f00:1]", "[::127.0.0.1]", "[::1]"}) {
    const std::string connect = fmt::format("CONNECT {0}:{1} HTTP/1.1\r\nHost: {0}:{1}\r\n\r\n", host, port);
    for (const std::string& request : {get(host + ":" + port), connect}) {
      const std::string response = exchange(*names_bridge_, request);
      EXPECT_EQ(status_line(response), "HTTP/1.1 403 Forbidden") << request;
      EXPECT_NE(response.find("entries naming host names never allow IP addresses"), std::string::npos)
          << response;
    }
  }
  EXPECT_TRUE(origin_->requests().empty());
}

TEST_F(EgressProxyTest, AllowsOtherNotationsOfNamedAddress) {
  const std::string port = std::to_string(origin_->port());
  for (const std::string host : {"127.1", "0x7f.0.0.1", "2130706433", "[::ffff:127.0.0.1]"}) {
    const std::string response = exchange(*web_bridge_, get(host + ":" + port));
    EXPECT_EQ(status_line(response), "HTTP/1.1 200 OK") << host << "\n" << response;
  }
}

TEST_F(EgressProxyTest, RejectsNameMappedToLoopback) {
  const std::string response = exchange(*web_bridge_, get("mapped.test:" + std::to_string(origin_->port())));
  EXPECT_EQ(status_line(response), "HTTP/1.1 403 Forbidden");
  EXPECT_NE(response.find("mapped.test resolved to 127.0.0.1, a special-range address (loopback)"),
            std::string::npos)
      << response;
  EXPECT_TRUE(origin_->requests().empty());
}

TEST_F(EgressProxyTest, RejectsLocalhostFromSystemResolver) {
  const std::string port = std::to_string(origin_->port());
  const std::string response =
      exchange(*web_bridge_, fmt::format("CONNECT localhost:{0} HTTP/1.1\r\nHost: localhost:{0}\r\n\r\n", port));
  EXPECT_EQ(status_line(response), "HTTP/1.1 403 Forbidden");
  EXPECT_NE(response.find("special-range address (loopback)"), std::string::npos) << response;
}

TEST_F(EgressProxyTest, RejectsUserinfoAndHostMismatch) {
  const std::string allowed = web_authority(origin_->port());
  const std::string tricks[] = {
      fmt::format("GET http://{0}@other.test/ HTTP/1.1\r\nHost: other.test\r\n\r\n", allowed),
      fmt::format("GET http://user:pass@{0}/ HTTP/1.1\r\nHost: {0}\r\n\r\n", allowed),
      fmt::format("CONNECT user@{0} HTTP/1.1\r\nHost: {0}\r\n\r\n", allowed),
  };
  for (const std::string& request : tricks) {
    const std::string response = exchange(*web_bridge_, request);
    EXPECT_EQ(status_line(response), "HTTP/1.1 400 Bad Request") << request;
    EXPECT_NE(response.find("userinfo"), std::string::npos) << response;
  }
  const std::string mismatch =
      exchange(*web_bridge_, fmt::format("GET http://{0}/ HTTP/1.1\r\nHost: other.test\r\n\r\n", allowed));
  EXPECT_EQ(status_line(mismatch), "HTTP/1.1 400 Bad Request");
  EXPECT_NE(mismatch.find("does not match the request target"), std::string::npos) << mismatch;
  EXPECT_TRUE(origin_->requests().empty());
}

TEST_F(EgressProxyTest, RejectsOriginFormAndOversizedHead) {
  const std::string origin_form = exchange(*web_bridge_, "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(status_line(origin_form), "HTTP/1.1 400 Bad Request");
  EXPECT_NE(origin_form.find("origin form"), std::string::npos) << origin_form;

  const std::string oversized =
      exchange(*web_bridge_, "GET http://a/ HTTP/1.1\r\nX: " + std::string(20'000, 'a') + "\r\n\r\n");
  EXPECT_EQ(status_line(oversized), "HTTP/1.1 400 Bad Request");
  EXPECT_NE(oversized.find("longer than 16384 bytes"), std::string::npos) << oversized;
}

TEST_F(EgressProxyTest, SlowHeadTimesOut) {
  const UniqueFd client = connect_loopback(web_bridge_->port());
  send_all(client.get(), "GET http://a/ HTTP/1.1\r\n");
  const std::string response = read_all(client.get());
  EXPECT_EQ(status_line(response), "HTTP/1.1 408 Request Timeout");
}

TEST_F(EgressProxyTest, UpstreamRefusalIs502) {
  const std::uint16_t closed_port = unused_loopback_port();
  auto added = proxy_->add_pod("closed", socket_path("closed"), parse_rules({web_authority(closed_port)}),
                               ::getuid(), ::getgid());
  ASSERT_TRUE(added.ok()) << added.error();
  const RunningBridge bridge(socket_path("closed"));
  const std::string response = exchange(bridge, get(web_authority(closed_port)));
  EXPECT_EQ(status_line(response), "HTTP/1.1 502 Bad Gateway");
  EXPECT_NE(response.find("Connection refused"), std::string::npos) << response;
}

TEST_F(EgressProxyTest, PodWithoutRulesHasNoEgress) {
  auto added = proxy_->add_pod("none", socket_path("none"), {}, ::getuid(), ::getgid());
  ASSERT_TRUE(added.ok()) << added.error();
  const RunningBridge bridge(socket_path("none"));
  const std::string response = exchange(bridge, get(web_authority(origin_->port())));
  EXPECT_EQ(status_line(response), "HTTP/1.1 403 Forbidden");
  EXPECT_NE(response.find("no dns_allow entries"), std::string::npos) << response;
}

TEST_F(EgressProxyTest, SocketIsMode0660) {
  struct stat info {};
  ASSERT_EQ(::stat(socket_path("web").c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 07777, 0660u);
  EXPECT_EQ(info.st_uid, ::getuid());
  EXPECT_EQ(info.st_gid, ::getgid());
}

TEST_F(EgressProxyTest, AddPodRejectsLiveSocketAndDuplicateId) {
  const auto duplicate = proxy_->add_pod("web", socket_path("other"), {}, ::getuid(), ::getgid());
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.error().find("already has an egress socket"), std::string::npos) << duplicate.error();

  EgressProxy second;
  const auto live = second.add_pod("web", socket_path("web"), {}, ::getuid(), ::getgid());
  ASSERT_FALSE(live.ok());
  EXPECT_NE(live.error().find("live socket already exists"), std::string::npos) << live.error();
  EXPECT_TRUE(connect_unix_socket(socket_path("web")).valid()) << "the failed add must not remove the live socket";
}

TEST_F(EgressProxyTest, AddPodReplacesStaleSocket) {
  {
    EgressProxy first;
    ASSERT_TRUE(first.add_pod("p", socket_path("stale"), {}, ::getuid(), ::getgid()).ok());
  }
  // Leave a socket file behind that nothing listens on, as a crash would.
  const UniqueFd leftover(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket_path("stale");
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(leftover.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const auto added = proxy_->add_pod("stale", path, {}, ::getuid(), ::getgid());
  EXPECT_TRUE(added.ok()) << added.error();
}

TEST_F(EgressProxyTest, RemovePodClosesListenerAndConnections) {
  const std::string authority = web_authority(echo_->port());
  const UniqueFd tunnel = connect_loopback(web_bridge_->port());
  send_all(tunnel.get(), fmt::format("CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n\r\n", authority));
  ASSERT_EQ(read_until(tunnel.get(), "\r\n\r\n"), "HTTP/1.1 200 Connection established\r\n\r\n");

  const auto removed = proxy_->remove_pod("web");
  ASSERT_TRUE(removed.ok()) << removed.error();
  EXPECT_FALSE(std::filesystem::exists(socket_path("web")));
  EXPECT_FALSE(connect_unix_socket(socket_path("web")).valid());
  EXPECT_EQ(read_all(tunnel.get()), "") << "the open tunnel is closed";

  const std::string after = exchange(*web_bridge_, get(web_authority(origin_->port())));
  EXPECT_EQ(after, "") << "the bridge closes connections it cannot relay";
  const auto again = proxy_->remove_pod("web");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("has no egress socket"), std::string::npos) << again.error();
}

TEST(EgressProxyLimits, ConnectionsBeyondCapGet503) {
  std::string pattern = (std::filesystem::temp_directory_path() / "egress-cap-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/pod.sock";
  EgressProxyOptions options;
  options.max_connections_per_pod = 2;
  options.head_timeout = std::chrono::milliseconds(5'000);
  EgressProxy proxy(options);
  ASSERT_TRUE(proxy.add_pod("capped", path, parse_rules({"a.test:80"}), ::getuid(), ::getgid()).ok());

  const UniqueFd first = connect_unix_socket(path);
  const UniqueFd second = connect_unix_socket(path);
  ASSERT_TRUE(first.valid());
  ASSERT_TRUE(second.valid());
  send_all(first.get(), "GET");  // keeps a connection thread busy while the head is incomplete
  send_all(second.get(), "GET");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const UniqueFd third = connect_unix_socket(path);
  ASSERT_TRUE(third.valid());
  const std::string response = read_all(third.get());
  EXPECT_EQ(status_line(response), "HTTP/1.1 503 Service Unavailable");
  EXPECT_NE(response.find("too many open connections"), std::string::npos) << response;
  std::filesystem::remove_all(pattern);
}

TEST_F(EgressProxyTest, BridgeRelaysConcurrentTunnels) {
  const std::string authority = web_authority(echo_->port());
  // The echo server serves one connection at a time, in the order the
  // proxy connected, so every client half-closes before any is read.
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(connect_loopback(web_bridge_->port()));
    send_all(clients.back().get(), fmt::format("CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n\r\nmsg{1}", authority, i));
  }
  for (const UniqueFd& client : clients) ::shutdown(client.get(), SHUT_WR);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(read_all(clients[i].get()), "HTTP/1.1 200 Connection established\r\n\r\nmsg" + std::to_string(i));
  }
}

}  // namespace
}  // namespace nucleus::egress::testing
