// The web_fetch and web_search tools. Both send their requests through the
// configured egress proxy with HttpClient's limits.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proxy/http_client.h"
#include "proxy/tool.h"

namespace nucleus::proxy {

// Returns the reason why `url` may not be fetched, or nullopt when it may.
// The proxy binds this to the policy's web_fetch decision (dns_allow).
using UrlCheck = std::function<std::optional<std::string>(const std::string& url)>;

struct WebConfig {
  // Proxy, CA bundle and timeouts. total_timeout bounds a whole web_fetch,
  // redirects included.
  HttpSettings http;
  // Base URL of a SearXNG-compatible service (web_search requests
  // {base}/search?q=...&format=json). Empty: web_search is not available.
  std::string search_endpoint;
};

inline constexpr std::size_t kDefaultFetchBytes = 5 * 1024 * 1024;
inline constexpr std::size_t kMaxFetchBytes = 20 * 1024 * 1024;
inline constexpr int kMaxRedirects = 5;
inline constexpr std::size_t kDefaultSearchResults = 10;
inline constexpr std::size_t kMaxSearchResults = 50;
inline constexpr std::size_t kMaxQueryBytes = 2048;

// web_fetch {url, headers?, max_bytes?}: GET `url` and follow up to
// kMaxRedirects redirects (301, 302, 303, 307, 308).
//
// The caller has already decided that `url` may be fetched. Every redirect
// target is checked here with `check_redirect` before it is requested. A
// rejection stops the fetch with a denied error that names the target and
// the reason. An empty check rejects every redirect.
//
// `headers` may set only Accept, Accept-Language and User-Agent. `max_bytes`
// caps the body (1 to kMaxFetchBytes, default kDefaultFetchBytes); a longer
// body is cut there and the result says truncated.
//
// Result: {url (the final URL), status, headers: the content-type,
// content-length, last-modified, etag and location headers that are present,
// body, encoding ("utf-8", or "base64" when the body is not valid UTF-8),
// truncated, redirects: [each redirect target in order]}. Any status,
// 4xx and 5xx included, is a result, not an error.
//
// Errors: invalid_argument for bad arguments or a non-http(s) URL; denied for
// a refused redirect; timed_out; failed for transport errors (with libcurl's
// message), an unresolvable Location and too many redirects.
ToolResult web_fetch(const nlohmann::json& arguments, const WebConfig& config, const UrlCheck& check_redirect);

// web_search {query, max_results?}: query the configured search endpoint.
// `query` is 1 to kMaxQueryBytes bytes; `max_results` is 1 to
// kMaxSearchResults (default kDefaultSearchResults).
//
// Result: {results: [{title, url, snippet}], engine_url: the URL requested}.
// Entries without a string url are skipped.
//
// Errors: invalid_argument for bad arguments; failed when no endpoint is
// configured, the endpoint returns a status other than 200, or the
// response is not JSON with a "results" array; timed_out.
ToolResult web_search(const nlohmann::json& arguments, const WebConfig& config);

}  // namespace nucleus::proxy
