// The egress stack used by real clients: the curl binary (plain forwarding
// and CONNECT with -p) and git over dumb HTTP, with http.proxy set.
#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "egress_fixture.h"

namespace nucleus::egress::testing {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` with sh. NO_PROXY is cleared so that no client bypasses
// the proxy for loopback addresses.
CommandResult run_shell(const std::string& command) {
  CommandResult result;
  const std::string full = "env -u NO_PROXY -u no_proxy " + command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool have_program(const std::string& name) { return run_shell("sh -c 'command -v " + name + "' >/dev/null").exit_code == 0; }

class CurlThroughEgress : public EgressFixture {
 protected:
  void SetUp() override {
    if (!have_program("curl")) GTEST_SKIP() << "the curl binary is not installed";
    EgressFixture::SetUp();
  }

  // curl through `bridge`, printing the body and then the HTTP status code
  // (the CONNECT status for -p) on the last line.
  CommandResult curl(const RunningBridge& bridge, const std::string& arguments) const {
    return run_shell(fmt::format("curl -sS --max-time 10 --noproxy '' -x http://127.0.0.1:{} {}", bridge.port(),
                                 arguments));
  }

  std::string origin_url(const std::string& host, std::string_view path = "/hello") const {
    return fmt::format("http://{}:{}{}", host, origin_->port(), path);
  }
};

TEST_F(CurlThroughEgress, ForwardsAllowedRequest) {
  const CommandResult result = curl(*web_bridge_, origin_url("127.0.0.1"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "hello from origin");
  const auto requests = origin_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].head.find("\r\nConnection: close\r\n"), std::string::npos)
      << "the request went through the proxy's rewrite: " << requests[0].head;
}

TEST_F(CurlThroughEgress, TunnelsWithConnect) {
  const CommandResult result = curl(*web_bridge_, "-p " + origin_url("127.0.0.1"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "hello from origin");
  const auto requests = origin_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].head.starts_with("GET /hello HTTP/1.1\r\n")) << requests[0].head;
}

TEST_F(CurlThroughEgress, PostsBody) {
  const CommandResult result = curl(*web_bridge_, "--data-binary payload " + origin_url("127.0.0.1", "/upload"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "received 7 bytes: payload");
}

TEST_F(CurlThroughEgress, RejectsOtherPortWith403) {
  const std::string url = fmt::format("http://127.0.0.1:{}/hello", unused_loopback_port());
  const CommandResult plain = curl(*web_bridge_, "-w '\\n%{http_code}' " + url);
  EXPECT_TRUE(plain.output.ends_with("\n403")) << plain.output;
  EXPECT_NE(plain.output.find("is not named by any dns_allow entry"), std::string::npos) << plain.output;

  const CommandResult tunnel = curl(*web_bridge_, "-p -w '%{http_connect}' " + url);
  EXPECT_EQ(tunnel.exit_code, 56) << tunnel.output;  // CURLE_RECV_ERROR: the CONNECT was refused
  EXPECT_NE(tunnel.output.find("403"), std::string::npos) << tunnel.output;
}

TEST_F(CurlThroughEgress, RejectsIpForNameOnlyPod) {
  for (const std::string flags : {"", "-p "}) {
    const CommandResult result = curl(*names_bridge_, flags + "-w '\\n%{http_code}%{http_connect}' " + origin_url("127.0.0.1"));
    EXPECT_NE(result.output.find("403"), std::string::npos) << flags << result.output;
  }
  EXPECT_TRUE(origin_->requests().empty());
}

TEST_F(CurlThroughEgress, RejectsNameMappedToLoopback) {
  const CommandResult plain = curl(*web_bridge_, "-w '\\n%{http_code}' " + origin_url("mapped.test"));
  EXPECT_TRUE(plain.output.ends_with("\n403")) << plain.output;
  EXPECT_NE(plain.output.find("special-range address (loopback)"), std::string::npos) << plain.output;
  const CommandResult tunnel = curl(*web_bridge_, "-p " + origin_url("mapped.test"));
  EXPECT_NE(tunnel.exit_code, 0);
  EXPECT_NE(tunnel.output.find("403"), std::string::npos) << tunnel.output;
  EXPECT_TRUE(origin_->requests().empty());
}

class GitThroughEgress : public CurlThroughEgress {
 protected:
  void SetUp() override {
    if (!have_program("git")) GTEST_SKIP() << "the git binary is not installed";
    CurlThroughEgress::SetUp();
    if (IsSkipped()) return;
    // A bare repository served as static files ("dumb" HTTP): git reads
    // info/refs and the objects directly.
    const std::string git = fmt::format("HOME={0} GIT_CONFIG_NOSYSTEM=1 git -c user.name=t -c user.email=t@t", directory_.string());
    const std::string script = fmt::format(
        "set -e; cd {0}; mkdir -p www work; git init -q --bare -b main www/repo.git; {1} init -q -b main work;"
        "echo content > work/file.txt; {1} -C work add file.txt; {1} -C work commit -q -m first;"
        "{1} -C work push -q ../www/repo.git main; {1} -C www/repo.git update-server-info",
        directory_.string(), git);
    const CommandResult setup = run_shell("sh -c \"" + script + "\"");
    ASSERT_EQ(setup.exit_code, 0) << setup.output;
  }

  CommandResult git(const RunningBridge& bridge, const std::string& arguments) const {
    return run_shell(fmt::format("HOME={} GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 git -c http.proxy=http://127.0.0.1:{} {}",
                                 directory_.string(), bridge.port(), arguments));
  }
};

TEST_F(GitThroughEgress, LsRemoteAndClone) {
  const std::string url = origin_url("127.0.0.1", "/repo.git");
  const CommandResult refs = git(*web_bridge_, "ls-remote " + url);
  EXPECT_EQ(refs.exit_code, 0) << refs.output;
  EXPECT_NE(refs.output.find("refs/heads/main"), std::string::npos) << refs.output;

  const std::string target = (directory_ / "clone").string();
  const CommandResult clone = git(*web_bridge_, "clone -q " + url + " " + target);
  EXPECT_EQ(clone.exit_code, 0) << clone.output;
  std::ifstream file(directory_ / "clone" / "file.txt");
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, "content");
  for (const OriginRequest& request : origin_->requests()) {
    EXPECT_NE(request.head.find("\r\nConnection: close\r\n"), std::string::npos) << request.head;
  }
}

TEST_F(GitThroughEgress, RejectedRemoteFails) {
  const CommandResult refs = git(*web_bridge_, "ls-remote " + origin_url("mapped.test", "/repo.git"));
  EXPECT_NE(refs.exit_code, 0) << refs.output;
  EXPECT_NE(refs.output.find("403"), std::string::npos) << refs.output;
  EXPECT_TRUE(origin_->requests().empty());
}

}  // namespace
}  // namespace nucleus::egress::testing
