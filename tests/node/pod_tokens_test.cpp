// Pod tokens: issuing, lookup, revocation, reloading after a restart, and
// the routes a pod token opens.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "node/mcp_route.h"
#include "node/pod_tokens.h"

namespace nucleus::node {
namespace {

namespace fs = std::filesystem;

class PodTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nucleus-pod-tokens-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "pod-a");
    fs::create_directories(dir_ / "pod-b");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PodTokensTest, IssuedTokensMapToTheirPod) {
  PodTokens tokens(dir_.string());
  auto a = tokens.issue("pod-a");
  auto b = tokens.issue("pod-b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(tokens.pod_of(*a), "pod-a");
  EXPECT_EQ(tokens.pod_of(*b), "pod-b");
  EXPECT_FALSE(tokens.pod_of(""));
  EXPECT_FALSE(tokens.pod_of(a->substr(1)));
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "pod-a" / "pod-token.sha256").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(PodTokensTest, ReissueRevokeAndReload) {
  PodTokens tokens(dir_.string());
  auto first = tokens.issue("pod-a");
  auto second = tokens.issue("pod-a");
  EXPECT_FALSE(tokens.pod_of(*first)) << "a new token replaces the old one";
  EXPECT_EQ(tokens.pod_of(*second), "pod-a");

  PodTokens restarted(dir_.string());
  EXPECT_FALSE(restarted.pod_of(*second));
  restarted.load("pod-a");
  restarted.load("pod-b");  // no digest file: no token, no error
  EXPECT_EQ(restarted.pod_of(*second), "pod-a");
  restarted.revoke("pod-a");
  EXPECT_FALSE(restarted.pod_of(*second));
}

TEST_F(PodTokensTest, IssueFailsForAMissingPodDirectory) {
  PodTokens tokens(dir_.string());
  EXPECT_FALSE(tokens.issue("pod-missing").ok());
}

TEST(PodTokenScope, OpensOnlyItsOwnPodsAgentRoutes) {
  const std::string p = "/v1/pods/pod-a";
  EXPECT_TRUE(pod_token_allows("pod-a", "GET", p));
  EXPECT_TRUE(pod_token_allows("pod-a", "GET", p + "/approvals"));
  EXPECT_TRUE(pod_token_allows("pod-a", "POST", p + "/tools/read"));
  EXPECT_TRUE(pod_token_allows("pod-a", "POST", p + "/mcp"));
  EXPECT_TRUE(pod_token_allows("pod-a", "DELETE", p + "/mcp"));
  EXPECT_TRUE(pod_token_allows("pod-a", "POST", p + "/approvals/abc/withdraw"));
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"DELETE", p},
           {"POST", p + "/cancel"},
           {"POST", p + "/approvals/x"},
           {"POST", p + "/approvals//withdraw"},
           {"POST", p + "/approvals/a/b/withdraw"},
           {"GET", p + "/approvals/x/withdraw"},
           {"POST", "/v1/pods/pod-b/approvals/x/withdraw"},
           {"GET", p + "/audit"},
           {"GET", p + "/audit/verify"},
           {"GET", p + "/logs"},
           {"GET", p + "/workspace"},
           {"PUT", p + "/workspace"},
           {"POST", p + "/tools/"},
           {"POST", p + "/tools/read/x"},
           {"GET", p + "/tools/read"},
           {"GET", "/v1/pods"},
           {"POST", "/v1/pods"},
           {"GET", "/v1/pods/pod-ab"},
           {"GET", "/v1/pods/pod-b"},
           {"POST", "/v1/pods/pod-b/tools/read"},
           {"GET", "/metrics"}}) {
    EXPECT_FALSE(pod_token_allows("pod-a", method, path)) << method << " " << path;
  }
}

TEST(McpOrigin, OnlyLoopbackOriginsOrNone) {
  EXPECT_TRUE(is_allowed_origin(""));
  EXPECT_TRUE(is_allowed_origin("http://localhost"));
  EXPECT_TRUE(is_allowed_origin("http://127.0.0.1:8080"));
  EXPECT_TRUE(is_allowed_origin("https://[::1]:443"));
  EXPECT_FALSE(is_allowed_origin("http://localhost.example.com"));
  EXPECT_FALSE(is_allowed_origin("http://127.0.0.1.example.com"));
  EXPECT_FALSE(is_allowed_origin("null"));
  EXPECT_FALSE(is_allowed_origin("http://10.0.0.1"));
  EXPECT_FALSE(is_allowed_origin("file://"));
}

}  // namespace
}  // namespace nucleus::node
