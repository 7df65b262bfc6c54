#include "proxy/web_tools.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <vector>

#include "policy/url.h"
#include "proxy/text_encoding.h"
#include "proxy/tool_arguments.h"

namespace nucleus::proxy {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHeaderValueBytes = 1024;
constexpr std::size_t kMaxSearchResponseBytes = 5 * 1024 * 1024;

// Request headers the agent may set, in the spelling they are sent with.
constexpr std::array<std::string_view, 3> kAllowedRequestHeaders = {"Accept", "Accept-Language", "User-Agent"};

// Response headers copied into the result. Set-Cookie is deliberately absent.
constexpr std::array<std::string_view, 5> kReturnedResponseHeaders = {"content-type", "content-length",
                                                                      "last-modified", "etag", "location"};

ToolResult invalid(std::string message) { return tool_error(ToolError::Kind::invalid_argument, std::move(message)); }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// ---- web_fetch ----

struct FetchArguments {
  std::string url;
  std::vector<HttpHeader> headers;
  std::size_t max_bytes = kDefaultFetchBytes;
};

Result<std::vector<HttpHeader>> parse_request_headers(const json& headers) {
  if (!headers.is_object()) return make_error("headers must be an object of name: value strings");
  std::vector<HttpHeader> out;
  for (const auto& [name, value] : headers.items()) {
    // clang 14 cannot capture a structured binding in a lambda, so name it.
    const std::string& header_name = name;
    const auto allowed = std::find_if(kAllowedRequestHeaders.begin(), kAllowedRequestHeaders.end(),
                                      [&](std::string_view candidate) {
                                        return equals_ignoring_case(candidate, header_name);
                                      });
    if (allowed == kAllowedRequestHeaders.end()) {
      return make_error("header \"" + name + "\" may not be set; allowed: Accept, Accept-Language, User-Agent");
    }
    if (!value.is_string()) return make_error("header " + std::string(*allowed) + " must be a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > kMaxHeaderValueBytes) {
      return make_error("header " + std::string(*allowed) + " is longer than " +
                        std::to_string(kMaxHeaderValueBytes) + " bytes");
    }
    const bool has_control = std::any_of(text.begin(), text.end(), [](unsigned char c) {
      return (c < 0x20 && c != '\t') || c == 0x7f;
    });
    if (has_control) return make_error("header " + std::string(*allowed) + " contains a control character");
    out.emplace_back(std::string(*allowed), text);
  }
  return out;
}

Result<FetchArguments> parse_fetch_arguments(const json& arguments) {
  ToolArguments reader(arguments, {"url", "headers", "max_bytes"});
  FetchArguments out;
  out.url = reader.required_string("url");
  out.max_bytes = reader.optional_integer("max_bytes", 1, kMaxFetchBytes).value_or(kDefaultFetchBytes);
  if (reader.error()) return make_error(reader.error()->message);
  if (auto target = policy::parse_url(out.url); !target) return make_error(target.error());

  if (const auto headers = arguments.find("headers"); headers != arguments.end() && !headers->is_null()) {
    Result<std::vector<HttpHeader>> parsed = parse_request_headers(*headers);
    if (!parsed) return make_error(parsed.error());
    out.headers = std::move(*parsed);
  }
  return out;
}

json fetch_result(const std::string& url, const HttpResponse& response, json redirects) {
  json headers = json::object();
  for (std::string_view name : kReturnedResponseHeaders) {
    if (auto value = response.header(name)) headers[std::string(name)] = *value;
  }

  // A cut at the byte cap can split the last character. Dropping that
  // fragment keeps a text body valid UTF-8.
  std::string_view text = response.body;
  if (response.truncated) text = text.substr(0, text::complete_utf8_length(text));
  json result = {{"url", url}, {"status", response.status}, {"headers", std::move(headers)},
                 {"truncated", response.truncated}, {"redirects", std::move(redirects)}};
  if (text::is_valid_utf8(text)) {
    result["body"] = std::string(text);
    result["encoding"] = "utf-8";
  } else {
    result["body"] = text::base64_encode(response.body);
    result["encoding"] = "base64";
  }
  return result;
}

ToolResult from_http_error(const HttpError& error) {
  switch (error.kind) {
    case HttpError::Kind::invalid_request: return tool_error(ToolError::Kind::invalid_argument, error.message);
    case HttpError::Kind::timed_out: return tool_error(ToolError::Kind::timed_out, error.message);
    case HttpError::Kind::failed: return tool_error(ToolError::Kind::failed, error.message);
  }
  return tool_error(ToolError::Kind::failed, error.message);
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Returns why the redirect target `url` may not be requested, or nullopt.
std::optional<std::string> redirect_refusal(const std::string& url, const UrlCheck& check_redirect) {
  if (auto target = policy::parse_url(url); !target) return target.error();
  if (!check_redirect) return std::string("no redirect check is configured");
  return check_redirect(url);
}

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
}

}  // namespace

ToolResult web_fetch(const json& arguments, const WebConfig& config, const UrlCheck& check_redirect) {
  Result<FetchArguments> parsed = parse_fetch_arguments(arguments);
  if (!parsed) return invalid(parsed.error());

  const HttpClient client(config.http);
  const Clock::time_point deadline = Clock::now() + config.http.total_timeout;
  std::string url = parsed->url;
  json redirects = json::array();
  for (int hop = 0;; ++hop) {
    const HttpRequest request{HttpMethod::get, url, parsed->headers, "", parsed->max_bytes, remaining(deadline)};
    HttpOutcome outcome = client.perform(request);
    if (auto* error = std::get_if<HttpError>(&outcome)) return from_http_error(*error);
    auto& response = std::get<HttpResponse>(outcome);

    const std::optional<std::string> location = response.header("location");
    if (!is_redirect(response.status) || !location) return fetch_result(url, response, std::move(redirects));
    if (hop == kMaxRedirects) {
      return tool_error(ToolError::Kind::failed, "stopped after " + std::to_string(kMaxRedirects) +
                                                     " redirects; the last one pointed to \"" + *location + "\"");
    }

    Result<std::string> next = resolve_url(url, *location);
    if (!next) return tool_error(ToolError::Kind::failed, "redirect from " + url + " is invalid: " + next.error());
    if (auto reason = redirect_refusal(*next, check_redirect)) {
      spdlog::info("web_fetch redirect denied from={} to={} reason={}", url, *next, *reason);
      return tool_error(ToolError::Kind::denied, "redirect to " + *next + " denied: " + *reason);
    }
    redirects.push_back(*next);
    url = std::move(*next);
  }
}

// ---- web_search ----

namespace {

Result<json> parse_search_results(const std::string& body, std::size_t max_results) {
  json document;
  try {
    document = json::parse(body);
  } catch (const json::parse_error& error) {
    return make_error(std::string("search endpoint returned malformed JSON: ") + error.what());
  }
  if (!document.is_object() || !document.contains("results") || !document.at("results").is_array()) {
    return make_error("search endpoint returned JSON without a \"results\" array");
  }

  const auto string_field = [](const json& entry, const char* name) {
    const auto field = entry.find(name);
    return field != entry.end() && field->is_string() ? field->get<std::string>() : std::string();
  };
  json results = json::array();
  for (const json& entry : document.at("results")) {
    if (results.size() == max_results) break;
    if (!entry.is_object() || !entry.contains("url") || !entry.at("url").is_string()) continue;
    results.push_back({{"title", string_field(entry, "title")},
                       {"url", string_field(entry, "url")},
                       {"snippet", string_field(entry, "content")}});
  }
  return results;
}

Result<std::string> check_query(const std::string& query) {
  const bool blank = std::all_of(query.begin(), query.end(), [](unsigned char c) { return std::isspace(c) != 0; });
  if (blank) return make_error("query is empty");
  if (query.size() > kMaxQueryBytes) {
    return make_error("query is " + std::to_string(query.size()) + " bytes; the limit is " +
                      std::to_string(kMaxQueryBytes));
  }
  return query;
}

}  // namespace

ToolResult web_search(const json& arguments, const WebConfig& config) {
  ToolArguments reader(arguments, {"query", "max_results"});
  const std::string query_argument = reader.required_string("query");
  const std::size_t max_results =
      reader.optional_integer("max_results", 1, kMaxSearchResults).value_or(kDefaultSearchResults);
  if (reader.error()) return *reader.error();
  Result<std::string> query = check_query(query_argument);
  if (!query) return invalid(query.error());
  if (config.search_endpoint.empty()) {
    return tool_error(ToolError::Kind::failed, "web_search has no search endpoint configured");
  }

  std::string base = config.search_endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (auto target = policy::parse_url(base); !target) {
    return tool_error(ToolError::Kind::failed, "search endpoint is invalid: " + target.error());
  }
  const std::string engine_url = base + "/search?q=" + url_encode(*query) + "&format=json";

  const HttpClient client(config.http);
  HttpRequest request{HttpMethod::get, engine_url, {{"Accept", "application/json"}}, "", kMaxSearchResponseBytes, {}};
  HttpOutcome outcome = client.perform(request);
  if (auto* error = std::get_if<HttpError>(&outcome)) return from_http_error(*error);
  const auto& response = std::get<HttpResponse>(outcome);
  if (response.status != 200) {
    return tool_error(ToolError::Kind::failed,
                      "search endpoint returned HTTP " + std::to_string(response.status) + " for " + engine_url);
  }
  if (response.truncated) {
    return tool_error(ToolError::Kind::failed, "search response is larger than " +
                                                   std::to_string(kMaxSearchResponseBytes) + " bytes");
  }

  Result<json> results = parse_search_results(response.body, max_results);
  if (!results) return tool_error(ToolError::Kind::failed, results.error());
  return json{{"results", std::move(*results)}, {"engine_url", engine_url}};
}

}  // namespace nucleus::proxy
