// HttpClient: one HTTP GET or POST per call over a libcurl easy handle, with
// the limits every outbound request of the proxy needs (body cap, timeouts,
// egress proxy, TLS verification, http and https only, no redirects).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"

namespace nucleus::proxy {

struct HttpSettings {
  // Egress proxy URL, e.g. "http://127.0.0.1:3128". Every request goes
  // through it (no host bypasses it). Empty: connect directly, ignoring the
  // http_proxy and no_proxy environment variables.
  std::string proxy_url;
  // CA bundle file for TLS peer verification. Empty: libcurl's default.
  std::string ca_bundle;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  // Sent unless the request sets its own User-Agent header.
  std::string user_agent = "nucleus-tool-proxy";
};

enum class HttpMethod { get, post };

// Header names are compared case-insensitively.
using HttpHeader = std::pair<std::string, std::string>;

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;  // absolute http or https URL
  std::vector<HttpHeader> headers;
  std::string body;  // sent only with HttpMethod::post
  std::size_t max_body_bytes = 5 * 1024 * 1024;
  // Overrides HttpSettings::total_timeout for this request.
  std::optional<std::chrono::milliseconds> timeout;
};

struct HttpResponse {
  long status = 0;
  // Headers of the final response only (not of a proxy's CONNECT reply or a
  // 1xx interim response), in arrival order, names lowercased, values trimmed.
  std::vector<HttpHeader> headers;
  std::string body;
  // The body reached max_body_bytes and the transfer was stopped there.
  bool truncated = false;

  // Returns the value of the last header named `name` (lowercase).
  std::optional<std::string> header(std::string_view name) const;
};

struct HttpError {
  enum class Kind {
    invalid_request,  // the request itself was malformed (e.g. CR/LF in a header)
    timed_out,        // connect or total timeout expired
    failed,           // DNS, connect, TLS, protocol or other transport failure
  };
  Kind kind = Kind::failed;
  std::string message;  // names the method and URL and includes libcurl's error text
};

using HttpOutcome = std::variant<HttpResponse, HttpError>;

// Performs requests with a fresh easy handle each, so nothing (cookies,
// connections, credentials) carries over from one request to the next.
// Safe to use from several threads at once.
class HttpClient {
 public:
  explicit HttpClient(HttpSettings settings);

  // Sends the request and returns the response whatever its status.
  // Redirects are not followed: a 3xx response is returned as it is.
  HttpOutcome perform(const HttpRequest& request) const;

  const HttpSettings& settings() const { return settings_; }

 private:
  HttpSettings settings_;
};

// Resolves `reference` (e.g. a Location header value, absolute or relative)
// against the absolute URL `base` with libcurl's URL API.
Result<std::string> resolve_url(const std::string& base, const std::string& reference);

// Percent-encodes every byte except unreserved characters (RFC 3986).
std::string url_encode(std::string_view text);

}  // namespace nucleus::proxy
