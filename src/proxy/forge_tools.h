// The create_pr tool: opens a pull request through a GitHub-compatible REST
// API (POST /repos/{owner}/{repo}/pulls) with the proxy's forge token.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "proxy/http_client.h"
#include "proxy/tool.h"

namespace nucleus::proxy {

// A credential. It has no stream operator, formatter or to_json, so it cannot
// reach a log line or a JSON document by accident. reveal() is the one way
// to read it. It is move-only, so fewer copies exist, and its bytes are
// cleansed on destruction. NOTE: copies of the value made before it was
// moved into a Secret are not cleansed.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  bool empty() const { return value_.empty(); }
  // Use only to build the request that needs the credential.
  const std::string& reveal() const { return value_; }

  friend std::ostream& operator<<(std::ostream&, const Secret&) = delete;

 private:
  void cleanse();
  std::string value_;
};

struct ForgeConfig {
  HttpSettings http;
  // API root, e.g. "https://api.github.com". Must be https, except for a
  // loopback host (127.0.0.1, ::1, localhost), so the token never crosses a
  // network in clear text.
  std::string api_base;
  // "owner/name" used when the call has no repo argument; may be empty.
  std::string default_repo;
};

struct RepoName {
  std::string owner;
  std::string name;
};

// Parses "owner/name". Each part is 1 to 100 of letters, digits, '-', '_'
// and '.', and is neither "." nor contains "..".
Result<RepoName> parse_repo(std::string_view text);

// create_pr {title, body?, head, base, repo?}: open a pull request from
// `head` into `base` in `repo` (or ForgeConfig::default_repo).
//
// Result on HTTP 201: {url: the pull request's html_url, number}.
//
// Errors: invalid_argument for bad arguments, timed_out, and failed when the
// forge endpoint or token is not configured or on a transport error. Any
// status other than 201 is failed too, with the status and the forge's
// "message" and errors[].message texts. Every occurrence of the token in an
// error message or the result URL is replaced by "[redacted]".
ToolResult create_pr(const nlohmann::json& arguments, const ForgeConfig& config, const Secret& token);

}  // namespace nucleus::proxy
