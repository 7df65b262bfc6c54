// create_pr against a scripted loopback forge, and the Secret type that
// stores its token.
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "proxy/forge_tools.h"
#include "test_http_server.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;
using testing::ScriptedResponse;
using testing::TestHttpServer;

constexpr const char* kToken = "ghp_TESTTOKEN0123456789abcdef";

template <typename T, typename = void>
struct is_streamable : std::false_type {};
template <typename T>
struct is_streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};

static_assert(!is_streamable<Secret>::value, "a Secret must not be printable");
static_assert(!std::is_constructible_v<json, const Secret&>, "a Secret must not convert to JSON");
static_assert(!std::is_copy_constructible_v<Secret>, "a Secret must not be copied");
static_assert(!std::is_convertible_v<std::string, Secret>, "a Secret is built explicitly");

json result_of(const ToolResult& result) {
  if (const auto* error = std::get_if<ToolError>(&result)) {
    ADD_FAILURE() << "expected a result, got " << to_string(error->kind) << ": " << error->message;
    return json::object();
  }
  return std::get<json>(result);
}

ToolError error_of(const ToolResult& result) {
  if (const auto* error = std::get_if<ToolError>(&result)) return *error;
  ADD_FAILURE() << "expected an error, got " << std::get<json>(result).dump();
  return {};
}

json pr_arguments() {
  return {{"title", "Add widgets"}, {"body", "Line one\nLine two"}, {"head", "feature/widgets"}, {"base", "main"},
          {"repo", "acme/widgets"}};
}

class CreatePr : public ::testing::Test {
 protected:
  CreatePr() {
    config.api_base = forge.url("/api/v3/");
    config.http.total_timeout = std::chrono::seconds(20);
  }

  ToolResult create(const json& arguments) { return create_pr(arguments, config, token); }

  TestHttpServer forge;
  ForgeConfig config;
  Secret token{kToken};
};

TEST_F(CreatePr, ReturnsUrlAndNumberOn201) {
  forge.respond("/api/v3/repos/acme/widgets/pulls",
                {201, {{"Content-Type", "application/json"}},
                 json{{"html_url", "https://forge.example/acme/widgets/pull/42"}, {"number", 42}, {"id", 1}}.dump(),
                 {}});

  const json result = result_of(create(pr_arguments()));

  EXPECT_EQ(result, (json{{"url", "https://forge.example/acme/widgets/pull/42"}, {"number", 42}}));
  const std::vector<testing::RecordedRequest> requests = forge.requests();
  ASSERT_EQ(requests.size(), 1u);
  const testing::RecordedRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/api/v3/repos/acme/widgets/pulls");
  EXPECT_EQ(request.header("authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(request.header("accept"), "application/vnd.github+json");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(request.body), (json{{"title", "Add widgets"},
                                             {"body", "Line one\nLine two"},
                                             {"head", "feature/widgets"},
                                             {"base", "main"}}));
}

TEST_F(CreatePr, UsesDefaultRepo) {
  config.default_repo = "acme/gadgets";
  forge.respond("/api/v3/repos/acme/gadgets/pulls",
                {201, {}, json{{"html_url", "https://forge.example/acme/gadgets/pull/7"}, {"number", 7}}.dump(), {}});
  json arguments = pr_arguments();
  arguments.erase("repo");
  arguments.erase("body");

  const json result = result_of(create(arguments));

  EXPECT_EQ(result["number"], 7);
  ASSERT_EQ(forge.requests().size(), 1u);
  EXPECT_EQ(json::parse(forge.requests()[0].body)["body"], "");
}

TEST_F(CreatePr, ReportsForgeMessageOn422) {
  const json rejection = {{"message", "Validation Failed"},
                          {"errors", json::array({{{"resource", "PullRequest"},
                                                   {"code", "custom"},
                                                   {"message", "A pull request already exists for acme:feature."}}})}};
  forge.respond("/api/v3/repos/acme/widgets/pulls", {422, {}, rejection.dump(), {}});

  const ToolError error = error_of(create(pr_arguments()));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find("HTTP 422"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("Validation Failed"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("A pull request already exists for acme:feature."), std::string::npos) << error.message;
}

TEST_F(CreatePr, ReportsStatusWithoutJsonBody) {
  forge.respond("/api/v3/repos/acme/widgets/pulls", {500, {}, "<html>oops</html>", {}});

  const ToolError error = error_of(create(pr_arguments()));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find("HTTP 500"), std::string::npos) << error.message;
}

TEST_F(CreatePr, IncompleteCreatedResponseFails) {
  forge.respond("/api/v3/repos/acme/widgets/pulls", {201, {}, json{{"number", "42"}}.dump(), {}});

  const ToolError error = error_of(create(pr_arguments()));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find("html_url"), std::string::npos) << error.message;
}

TEST_F(CreatePr, TokenNeverLeavesInResultsOrErrors) {
  const std::string echoed = std::string("Bad credentials: Bearer ") + kToken;
  forge.respond("/api/v3/repos/acme/widgets/pulls", {401, {}, json{{"message", echoed}}.dump(), {}});
  forge.respond("/api/v3/repos/acme/echo/pulls",
                {201, {}, json{{"html_url", std::string("https://forge.example/") + kToken}, {"number", 1}}.dump(), {}});
  json echo_arguments = pr_arguments();
  echo_arguments["repo"] = "acme/echo";

  const ToolError rejected = error_of(create(pr_arguments()));
  const json created = result_of(create(echo_arguments));

  EXPECT_NE(rejected.message.find("Bad credentials"), std::string::npos) << rejected.message;
  EXPECT_EQ(rejected.message.find(kToken), std::string::npos) << rejected.message;
  EXPECT_NE(rejected.message.find("[redacted]"), std::string::npos) << rejected.message;
  EXPECT_EQ(created.dump().find(kToken), std::string::npos) << created.dump();
  ASSERT_EQ(forge.requests().size(), 2u);
  EXPECT_EQ(forge.requests()[0].header("authorization"), std::string("Bearer ") + kToken);
}

TEST_F(CreatePr, TokenScrubbedFromTransportErrors) {
  // An endpoint path that contains the token puts it into libcurl's error text.
  config.api_base = "http://127.0.0.1:" + std::to_string(testing::unused_loopback_port()) + "/" + kToken;

  const ToolError error = error_of(create(pr_arguments()));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_EQ(error.message.find(kToken), std::string::npos) << error.message;
}

TEST_F(CreatePr, RejectsBadArguments) {
  const auto with = [](const char* key, json value) {
    json arguments = pr_arguments();
    arguments[key] = std::move(value);
    return arguments;
  };
  const auto without = [](const char* key) {
    json arguments = pr_arguments();
    arguments.erase(key);
    return arguments;
  };
  const std::vector<std::pair<std::string, json>> cases = {
      {"not an object", json::array()},
      {"missing title", without("title")},
      {"missing head", without("head")},
      {"missing base", without("base")},
      {"empty title", with("title", "")},
      {"title with newline", with("title", "a\nb")},
      {"title too long", with("title", std::string(1025, 't'))},
      {"body too long", with("body", std::string(65537, 'b'))},
      {"body not a string", with("body", 3)},
      {"head with control character", with("head", "a\x01")},
      {"unknown argument", with("draft", true)},
      {"repo with dot-dot", with("repo", "acme/..")},
      {"repo with path", with("repo", "acme/widgets/pulls")},
      {"repo with query", with("repo", "acme/w?x=1")},
      {"repo not a string", with("repo", 1)},
      {"no repo and no default", without("repo")},
  };
  for (const auto& [name, arguments] : cases) {
    SCOPED_TRACE(name);
    const ToolError error = error_of(create(arguments));
    EXPECT_EQ(error.kind, ToolError::Kind::invalid_argument) << error.message;
  }
  EXPECT_TRUE(forge.requests().empty());
}

TEST_F(CreatePr, WithoutTokenFails) {
  const Secret empty;

  const ToolError error = error_of(create_pr(pr_arguments(), config, empty));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_EQ(error.message, "create_pr has no forge token configured");
  EXPECT_TRUE(forge.requests().empty());
}

TEST_F(CreatePr, WithoutEndpointFails) {
  config.api_base.clear();

  const ToolError error = error_of(create(pr_arguments()));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_EQ(error.message, "create_pr has no forge endpoint configured");
}

TEST_F(CreatePr, RequiresHttpsOffLoopback) {
  // Rejected before any connection is attempted, so no request leaves the host.
  for (const std::string base : {"http://forge.example", "http://10.0.0.1/api", "http://127.evil.example"}) {
    SCOPED_TRACE(base);
    config.api_base = base;
    const ToolError error = error_of(create(pr_arguments()));
    EXPECT_EQ(error.kind, ToolError::Kind::failed);
    EXPECT_NE(error.message.find("must use https"), std::string::npos) << error.message;
  }
}

TEST(ParseRepo, AcceptsOwnerAndName) {
  for (const auto& [text, owner, name] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"acme/widgets", "acme", "widgets"},
           {"a-b_c.d/x.y-z_1", "a-b_c.d", "x.y-z_1"},
           {"A/.github", "A", ".github"}}) {
    SCOPED_TRACE(text);
    Result<RepoName> repo = parse_repo(text);
    ASSERT_TRUE(repo.ok()) << repo.error();
    EXPECT_EQ(repo->owner, owner);
    EXPECT_EQ(repo->name, name);
  }
}

TEST(ParseRepo, RejectsMalformedNames) {
  for (const std::string& text : std::vector<std::string>{"", "/", "acme", "acme/", "/widgets", "a/b/c", "../x", "a/..", "a/.", "./b", "a/b..c", "a b/c", "a/b c",
        "a/b?x", "a/b#x", "a/b%2e", "a\\b/c", "\xc3\xa4/b", "a/b\n", std::string(101, 'o') + "/n"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(parse_repo(text).ok());
  }
}

TEST(Secret, MoveLeavesSourceEmpty) {
  Secret original("short");
  Secret moved(std::move(original));

  EXPECT_EQ(moved.reveal(), "short");
  EXPECT_TRUE(original.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
}

}  // namespace
}  // namespace nucleus::proxy
