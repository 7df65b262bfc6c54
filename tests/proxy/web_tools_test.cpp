// web_fetch and web_search against in-process loopback servers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "proxy/web_tools.h"
#include "test_http_server.h"

namespace nucleus::proxy {
namespace {

using nlohmann::json;
using testing::ScriptedResponse;
using testing::TestHttpServer;

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

ScriptedResponse redirect_to(int status, const std::string& location) {
  return ScriptedResponse{status, {{"Location", location}}, "moved", {}};
}

class WebFetch : public ::testing::Test {
 protected:
  WebFetch() {
    config.http.connect_timeout = std::chrono::seconds(5);
    config.http.total_timeout = std::chrono::seconds(20);
  }

  ToolResult fetch(json arguments) { return web_fetch(arguments, config, allow_all); }

  TestHttpServer origin;
  WebConfig config;
  UrlCheck allow_all = [](const std::string&) { return std::optional<std::string>(); };
};

TEST_F(WebFetch, ReturnsTextBody) {
  origin.respond("/hello", {200,
                            {{"Content-Type", "text/plain; charset=utf-8"},
                             {"ETag", "\"v1\""},
                             {"Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT"},
                             {"X-Other", "not returned"}},
                            "hello, world",
                            {}});

  const json result = result_of(fetch({{"url", origin.url("/hello")}}));

  EXPECT_EQ(result["url"], origin.url("/hello"));
  EXPECT_EQ(result["status"], 200);
  EXPECT_EQ(result["body"], "hello, world");
  EXPECT_EQ(result["encoding"], "utf-8");
  EXPECT_EQ(result["truncated"], false);
  EXPECT_EQ(result["redirects"], json::array());
  EXPECT_EQ(result["headers"]["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(result["headers"]["etag"], "\"v1\"");
  EXPECT_EQ(result["headers"]["last-modified"], "Tue, 01 Jan 2030 00:00:00 GMT");
  EXPECT_EQ(result["headers"]["content-length"], "12");
  EXPECT_FALSE(result["headers"].contains("x-other"));
  ASSERT_EQ(origin.requests().size(), 1u);
  EXPECT_EQ(origin.requests()[0].method, "GET");
}

TEST_F(WebFetch, OmitsSetCookie) {
  origin.respond("/login", {200, {{"Set-Cookie", "session=s3cr3t; HttpOnly"}, {"set-cookie", "b=2"}}, "ok", {}});

  const json result = result_of(fetch({{"url", origin.url("/login")}}));

  EXPECT_FALSE(result["headers"].contains("set-cookie"));
  EXPECT_EQ(result.dump().find("s3cr3t"), std::string::npos) << result.dump();
}

TEST_F(WebFetch, EncodesBinaryBodyAsBase64) {
  origin.respond("/blob", {200, {{"Content-Type", "application/octet-stream"}}, std::string("\x00\xff\xfe\x01", 4), {}});

  const json result = result_of(fetch({{"url", origin.url("/blob")}}));

  EXPECT_EQ(result["encoding"], "base64");
  EXPECT_EQ(result["body"], "AP/+AQ==");
}

TEST_F(WebFetch, TruncatesAtMaxBytes) {
  origin.respond("/big", {200, {}, std::string(200'000, 'a'), {}});

  const json result = result_of(fetch({{"url", origin.url("/big")}, {"max_bytes", 1000}}));

  EXPECT_EQ(result["status"], 200);
  EXPECT_EQ(result["truncated"], true);
  EXPECT_EQ(result["body"], std::string(1000, 'a'));
}

TEST_F(WebFetch, BodyExactlyAtCapIsNotTruncated) {
  origin.respond("/exact", {200, {}, std::string(1000, 'b'), {}});

  const json result = result_of(fetch({{"url", origin.url("/exact")}, {"max_bytes", 1000}}));

  EXPECT_EQ(result["truncated"], false);
  EXPECT_EQ(result["body"], std::string(1000, 'b'));
}

TEST_F(WebFetch, TruncationInsideCharacterKeepsText) {
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xc3\xa9";  // U+00E9, two bytes each
  origin.respond("/accents", {200, {}, accents, {}});

  const json result = result_of(fetch({{"url", origin.url("/accents")}, {"max_bytes", 101}}));

  EXPECT_EQ(result["truncated"], true);
  EXPECT_EQ(result["encoding"], "utf-8");
  EXPECT_EQ(result["body"], accents.substr(0, 100));
}

TEST_F(WebFetch, FollowsRedirectChain) {
  origin.respond("/a", redirect_to(301, "/b"));
  origin.respond("/b", redirect_to(302, origin.url("/c?x=1")));
  origin.respond("/c", {200, {}, "arrived", {}});
  std::vector<std::string> checked;
  const UrlCheck record = [&](const std::string& url) {
    checked.push_back(url);
    return std::optional<std::string>();
  };

  const json result = result_of(web_fetch({{"url", origin.url("/a")}}, config, record));

  EXPECT_EQ(result["body"], "arrived");
  EXPECT_EQ(result["url"], origin.url("/c?x=1"));
  EXPECT_EQ(result["redirects"], json::array({origin.url("/b"), origin.url("/c?x=1")}));
  EXPECT_EQ(checked, (std::vector<std::string>{origin.url("/b"), origin.url("/c?x=1")}));
}

TEST_F(WebFetch, FollowsEveryRedirectStatus) {
  origin.respond("/done", {200, {}, "done", {}});
  for (int status : {301, 302, 303, 307, 308}) {
    SCOPED_TRACE("status " + std::to_string(status));
    const std::string path = "/from-" + std::to_string(status);
    origin.respond(path, redirect_to(status, "/done"));

    const json result = result_of(fetch({{"url", origin.url(path)}}));

    EXPECT_EQ(result["status"], 200);
    EXPECT_EQ(result["body"], "done");
  }
}

TEST_F(WebFetch, ReturnsRedirectWithoutLocation) {
  origin.respond("/nowhere", {302, {}, "no location", {}});

  const json result = result_of(fetch({{"url", origin.url("/nowhere")}}));

  EXPECT_EQ(result["status"], 302);
  EXPECT_EQ(result["redirects"], json::array());
}

TEST_F(WebFetch, StopsAtDeniedRedirect) {
  TestHttpServer forbidden;
  forbidden.respond("/secret", {200, {}, "must not be fetched", {}});
  origin.respond("/a", redirect_to(307, forbidden.url("/secret")));
  const std::string forbidden_port = ":" + std::to_string(forbidden.port());
  const UrlCheck deny_forbidden = [&](const std::string& url) -> std::optional<std::string> {
    if (url.find(forbidden_port) != std::string::npos) return "port not in dns_allow";
    return std::nullopt;
  };

  const ToolError error = error_of(web_fetch({{"url", origin.url("/a")}}, config, deny_forbidden));

  EXPECT_EQ(error.kind, ToolError::Kind::denied);
  EXPECT_NE(error.message.find(forbidden.url("/secret")), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("port not in dns_allow"), std::string::npos) << error.message;
  EXPECT_TRUE(forbidden.requests().empty());
}

TEST_F(WebFetch, DeniesRedirectWhenNoCheckIsGiven) {
  origin.respond("/a", redirect_to(302, "/b"));
  origin.respond("/b", {200, {}, "b", {}});

  const ToolError error = error_of(web_fetch({{"url", origin.url("/a")}}, config, UrlCheck()));

  EXPECT_EQ(error.kind, ToolError::Kind::denied);
  EXPECT_EQ(origin.requests().size(), 1u);
}

TEST_F(WebFetch, DeniesRedirectToOtherScheme) {
  for (const std::string location : {"file:///etc/passwd", "ftp://127.0.0.1/x", "http://user@127.0.0.1/"}) {
    SCOPED_TRACE(location);
    origin.respond("/hop", redirect_to(302, location));
    bool check_called = false;
    const UrlCheck record = [&](const std::string&) {
      check_called = true;
      return std::optional<std::string>();
    };

    const ToolError error = error_of(web_fetch({{"url", origin.url("/hop")}}, config, record));

    EXPECT_EQ(error.kind, ToolError::Kind::denied) << error.message;
    EXPECT_FALSE(check_called);
  }
}

TEST_F(WebFetch, StopsAfterTooManyRedirects) {
  origin.respond("/loop", redirect_to(302, "/loop"));

  const ToolError error = error_of(fetch({{"url", origin.url("/loop")}}));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find("5 redirects"), std::string::npos) << error.message;
  EXPECT_EQ(origin.requests().size(), 6u);  // the first request and five redirects
}

TEST_F(WebFetch, PassesNotFoundThrough) {
  const json result = result_of(fetch({{"url", origin.url("/missing")}}));

  EXPECT_EQ(result["status"], 404);
  EXPECT_EQ(result["truncated"], false);
}

TEST_F(WebFetch, RejectsNonHttpUrls) {
  for (const std::string url : {"file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/", "127.0.0.1/x",
                                "http://user@127.0.0.1/", "", "http://", "javascript:alert(1)"}) {
    SCOPED_TRACE(url);
    const ToolError error = error_of(fetch({{"url", url}}));
    EXPECT_EQ(error.kind, ToolError::Kind::invalid_argument) << error.message;
  }
  EXPECT_TRUE(origin.requests().empty());
}

TEST_F(WebFetch, RejectsBadArguments) {
  const std::string url = origin.url("/x");
  const std::vector<std::pair<std::string, json>> cases = {
      {"not an object", json::array({url})},
      {"missing url", json::object()},
      {"url not a string", {{"url", 5}}},
      {"unknown argument", {{"url", url}, {"method", "POST"}}},
      {"Cookie header", {{"url", url}, {"headers", {{"Cookie", "a=b"}}}}},
      {"Authorization header", {{"url", url}, {"headers", {{"Authorization", "Bearer x"}}}}},
      {"Host header", {{"url", url}, {"headers", {{"Host", "evil"}}}}},
      {"header value with CRLF", {{"url", url}, {"headers", {{"Accept", "a\r\nX-Injected: 1"}}}}},
      {"header value not a string", {{"url", url}, {"headers", {{"Accept", 1}}}}},
      {"header value too long", {{"url", url}, {"headers", {{"Accept", std::string(1025, 'a')}}}}},
      {"headers not an object", {{"url", url}, {"headers", json::array({"Accept: a"})}}},
      {"max_bytes zero", {{"url", url}, {"max_bytes", 0}}},
      {"max_bytes negative", {{"url", url}, {"max_bytes", -1}}},
      {"max_bytes above 20 MiB", {{"url", url}, {"max_bytes", 20 * 1024 * 1024 + 1}}},
      {"max_bytes fractional", {{"url", url}, {"max_bytes", 1.5}}},
      {"max_bytes string", {{"url", url}, {"max_bytes", "100"}}},
  };
  for (const auto& [name, arguments] : cases) {
    SCOPED_TRACE(name);
    const ToolError error = error_of(fetch(arguments));
    EXPECT_EQ(error.kind, ToolError::Kind::invalid_argument) << error.message;
  }
  EXPECT_TRUE(origin.requests().empty());
}

TEST_F(WebFetch, SendsAllowedHeaders) {
  origin.respond("/h", {200, {}, "", {}});

  result_of(fetch({{"url", origin.url("/h")},
                   {"headers", {{"accept", "text/html"}, {"User-Agent", "agent/1"}, {"Accept-Language", "en"}}}}));

  const std::vector<testing::RecordedRequest> requests = origin.requests();
  ASSERT_EQ(requests.size(), 1u);
  const testing::RecordedRequest& request = requests[0];
  EXPECT_EQ(request.header("accept"), "text/html");
  EXPECT_EQ(request.header("user-agent"), "agent/1");
  EXPECT_EQ(request.header("accept-language"), "en");
}

TEST_F(WebFetch, TimesOutQuickly) {
  origin.respond("/slow", {200, {}, "late", std::chrono::seconds(30)});
  config.http.total_timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();

  const ToolError error = error_of(fetch({{"url", origin.url("/slow")}}));

  EXPECT_EQ(error.kind, ToolError::Kind::timed_out) << error.message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(WebFetch, ConnectionRefusedFails) {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::unused_loopback_port()) + "/";

  const ToolError error = error_of(fetch({{"url", url}}));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find(url), std::string::npos) << error.message;
}

TEST_F(WebFetch, GoesThroughConfiguredProxy) {
  TestHttpServer proxy;
  proxy.act_as_forward_proxy();
  origin.respond("/via", {200, {{"Content-Type", "text/plain"}}, "proxied", {}});
  config.http.proxy_url = proxy.url("");

  const json result = result_of(fetch({{"url", origin.url("/via")}}));

  EXPECT_EQ(result["body"], "proxied");
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0].method, "GET");
  EXPECT_EQ(proxy.requests()[0].target, origin.url("/via"));
  ASSERT_EQ(origin.requests().size(), 1u);
  EXPECT_EQ(origin.requests()[0].target, "/via");
}

TEST_F(WebFetch, RedirectsAlsoGoThroughProxy) {
  TestHttpServer proxy;
  proxy.act_as_forward_proxy();
  origin.respond("/a", redirect_to(301, "/b"));
  origin.respond("/b", {200, {}, "b", {}});
  config.http.proxy_url = proxy.url("");

  const json result = result_of(fetch({{"url", origin.url("/a")}}));

  EXPECT_EQ(result["body"], "b");
  ASSERT_EQ(proxy.requests().size(), 2u);
  EXPECT_EQ(proxy.requests()[1].target, origin.url("/b"));
}

TEST_F(WebFetch, WithoutProxyIgnoresProxyEnvironment) {
  TestHttpServer proxy;
  proxy.act_as_forward_proxy();
  origin.respond("/direct", {200, {}, "direct", {}});
  ::setenv("http_proxy", proxy.url("").c_str(), 1);

  const json result = result_of(fetch({{"url", origin.url("/direct")}}));
  ::unsetenv("http_proxy");

  EXPECT_EQ(result["body"], "direct");
  EXPECT_TRUE(proxy.requests().empty());
  EXPECT_EQ(origin.requests().size(), 1u);
}

// ---- web_search ----

std::string searx_results(int count) {
  json results = json::array();
  for (int i = 0; i < count; ++i) {
    results.push_back({{"title", "Title " + std::to_string(i)},
                       {"url", "https://example.org/" + std::to_string(i)},
                       {"content", "Snippet " + std::to_string(i)},
                       {"engine", "ignored"}});
  }
  return json{{"query", "q"}, {"results", results}}.dump();
}

class WebSearch : public ::testing::Test {
 protected:
  WebSearch() { config.search_endpoint = engine.url("/"); }

  TestHttpServer engine;
  WebConfig config;
};

TEST_F(WebSearch, ReturnsParsedResults) {
  engine.respond("/search", {200, {{"Content-Type", "application/json"}}, searx_results(2), {}});

  const json result = result_of(web_search({{"query", "c++ raii & more"}}, config));

  ASSERT_EQ(result["results"].size(), 2u);
  EXPECT_EQ(result["results"][0],
            (json{{"title", "Title 0"}, {"url", "https://example.org/0"}, {"snippet", "Snippet 0"}}));
  const std::string expected_target = "/search?q=c%2B%2B%20raii%20%26%20more&format=json";
  EXPECT_EQ(result["engine_url"], engine.url(expected_target));
  ASSERT_EQ(engine.requests().size(), 1u);
  EXPECT_EQ(engine.requests()[0].target, expected_target);
  EXPECT_EQ(engine.requests()[0].header("accept"), "application/json");
}

TEST_F(WebSearch, CapsResults) {
  engine.respond("/search", {200, {}, searx_results(60), {}});
  const std::vector<std::pair<json, std::size_t>> cases = {
      {json{{"query", "x"}}, 10}, {json{{"query", "x"}, {"max_results", 3}}, 3},
      {json{{"query", "x"}, {"max_results", 50}}, 50}, {json{{"query", "x"}, {"max_results", 1}}, 1}};
  for (const auto& [arguments, expected] : cases) {
    SCOPED_TRACE(arguments.dump());
    const json result = result_of(web_search(arguments, config));
    EXPECT_EQ(result["results"].size(), expected);
  }
}

TEST_F(WebSearch, SkipsEntriesWithoutUrl) {
  const json body = {{"results",
                      json::array({{{"title", "no url"}},
                                   {{"title", 5}, {"url", "https://a.example/"}},
                                   "not an object",
                                   {{"url", 7}}})}};
  engine.respond("/search", {200, {}, body.dump(), {}});

  const json result = result_of(web_search({{"query", "x"}}, config));

  ASSERT_EQ(result["results"].size(), 1u);
  EXPECT_EQ(result["results"][0], (json{{"title", ""}, {"url", "https://a.example/"}, {"snippet", ""}}));
}

TEST_F(WebSearch, MalformedJsonFails) {
  engine.respond("/search", {200, {}, "{\"results\": [", {}});

  const ToolError error = error_of(web_search({{"query", "x"}}, config));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find("malformed JSON"), std::string::npos) << error.message;
}

TEST_F(WebSearch, MissingResultsArrayFails) {
  for (const std::string body : {"{}", "[]", "{\"results\": {}}", "null"}) {
    SCOPED_TRACE(body);
    engine.respond("/search", {200, {}, body, {}});
    const ToolError error = error_of(web_search({{"query", "x"}}, config));
    EXPECT_EQ(error.kind, ToolError::Kind::failed);
    EXPECT_NE(error.message.find("\"results\" array"), std::string::npos) << error.message;
  }
}

TEST_F(WebSearch, NonOkStatusFails) {
  engine.respond("/search", {503, {}, searx_results(1), {}});

  const ToolError error = error_of(web_search({{"query", "x"}}, config));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_NE(error.message.find("HTTP 503"), std::string::npos) << error.message;
}

TEST_F(WebSearch, WithoutEndpointFails) {
  config.search_endpoint.clear();

  const ToolError error = error_of(web_search({{"query", "x"}}, config));

  EXPECT_EQ(error.kind, ToolError::Kind::failed);
  EXPECT_EQ(error.message, "web_search has no search endpoint configured");
}

TEST_F(WebSearch, RejectsBadArguments) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"not an object", json("x")},
      {"missing query", json::object()},
      {"query not a string", {{"query", 1}}},
      {"empty query", {{"query", ""}}},
      {"blank query", {{"query", " \t\n"}}},
      {"query over 2 KiB", {{"query", std::string(2049, 'q')}}},
      {"unknown argument", {{"query", "x"}, {"engine", "google"}}},
      {"max_results zero", {{"query", "x"}, {"max_results", 0}}},
      {"max_results above 50", {{"query", "x"}, {"max_results", 51}}},
      {"max_results string", {{"query", "x"}, {"max_results", "5"}}},
  };
  for (const auto& [name, arguments] : cases) {
    SCOPED_TRACE(name);
    const ToolError error = error_of(web_search(arguments, config));
    EXPECT_EQ(error.kind, ToolError::Kind::invalid_argument) << error.message;
  }
  EXPECT_TRUE(engine.requests().empty());
}

TEST_F(WebSearch, AcceptsQueryAtLimit) {
  engine.respond("/search", {200, {}, searx_results(1), {}});

  const json result = result_of(web_search({{"query", std::string(2048, 'q')}}, config));

  EXPECT_EQ(result["results"].size(), 1u);
}

}  // namespace
}  // namespace nucleus::proxy
