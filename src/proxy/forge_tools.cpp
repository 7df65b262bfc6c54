#include "proxy/forge_tools.h"

#include <arpa/inet.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <tuple>
#include <vector>

#include "policy/url.h"
#include "proxy/tool_arguments.h"

namespace nucleus::proxy {

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.cleanse(); }

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    cleanse();
    value_ = std::move(other.value_);
    other.cleanse();
  }
  return *this;
}

Secret::~Secret() { cleanse(); }

// Overwrites the whole buffer, not just size() bytes: a moved-from string
// keeps the old characters in its small-string buffer.
void Secret::cleanse() {
  value_.resize(value_.capacity());
  OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

namespace {

using nlohmann::json;

constexpr std::size_t kMaxRepoPartBytes = 100;
constexpr std::size_t kMaxTitleBytes = 1024;
constexpr std::size_t kMaxBodyBytes = 65536;
constexpr std::size_t kMaxBranchBytes = 255;
constexpr std::size_t kMaxForgeResponseBytes = 1024 * 1024;
constexpr std::string_view kRedacted = "[redacted]";

bool has_control_character(std::string_view text, bool allow_newlines) {
  return std::any_of(text.begin(), text.end(), [&](unsigned char c) {
    if (allow_newlines && (c == '\n' || c == '\r' || c == '\t')) return false;
    return c < 0x20 || c == 0x7f;
  });
}

Result<RepoName> repo_error(std::string_view text, std::string_view why) {
  // Quoted as JSON so that control characters from the agent stay escaped.
  const std::string quoted = json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
  return make_error("repo " + quoted + " is invalid: " + std::string(why) +
                    "; expected owner/name with letters, digits, '-', '_' and '.'");
}

std::optional<std::string> repo_part_problem(std::string_view part) {
  if (part.empty()) return "empty owner or name";
  if (part.size() > kMaxRepoPartBytes) return "owner or name is longer than 100 bytes";
  if (part == "." || part.find("..") != std::string_view::npos) return "\".\" and \"..\" are not allowed";
  const bool allowed = std::all_of(part.begin(), part.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
  });
  if (!allowed) return "it contains a character other than letters, digits, '-', '_' and '.'";
  return std::nullopt;
}

// A loopback host is the only place a token may go over plain http.
bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  if (inet_pton(AF_INET, host.c_str(), &address) != 1) return false;
  return (ntohl(address.s_addr) >> 24) == 127;
}

Result<std::string> pulls_url(const ForgeConfig& config, const RepoName& repo) {
  if (config.api_base.empty()) return make_error("create_pr has no forge endpoint configured");
  std::string base = config.api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  Result<policy::UrlTarget> target = policy::parse_url(base);
  if (!target) return make_error("forge endpoint is invalid: " + target.error());
  if (target->scheme != "https" && !is_loopback_host(target->host)) {
    return make_error("forge endpoint " + base + " must use https; plain http is accepted only for loopback hosts");
  }
  return base + "/repos/" + repo.owner + "/" + repo.name + "/pulls";
}

// Length and character checks on a string argument that is already known
// to be a string.
std::optional<std::string> string_problem(std::string_view name, const std::string& text, std::size_t max_bytes,
                                          bool allow_newlines) {
  if (text.size() > max_bytes) {
    return std::string(name) + " is longer than " + std::to_string(max_bytes) + " bytes";
  }
  if (has_control_character(text, allow_newlines)) return std::string(name) + " contains a control character";
  return std::nullopt;
}

struct PullRequestArguments {
  RepoName repo;
  json payload;  // {title, body, head, base}
};

Result<PullRequestArguments> parse_arguments(const json& arguments, const ForgeConfig& config) {
  ToolArguments reader(arguments, {"title", "body", "head", "base", "repo"});
  const std::string title = reader.required_string("title");
  const std::string body = reader.optional_string("body").value_or("");
  const std::string head = reader.required_string("head");
  const std::string base = reader.required_string("base");
  std::string repo_text = reader.optional_string("repo").value_or("");
  if (reader.error()) return make_error(reader.error()->message);

  for (const auto& [name, text, max_bytes, multiline] :
       {std::tuple{"title", &title, kMaxTitleBytes, false}, std::tuple{"body", &body, kMaxBodyBytes, true},
        std::tuple{"head", &head, kMaxBranchBytes, false}, std::tuple{"base", &base, kMaxBranchBytes, false}}) {
    if (name != std::string_view("body") && text->empty()) return make_error(std::string(name) + " must not be empty");
    if (auto problem = string_problem(name, *text, max_bytes, multiline)) return make_error(*problem);
  }

  if (repo_text.empty()) {
    if (config.default_repo.empty()) return make_error("repo is required: no default repository is configured");
    repo_text = config.default_repo;
  }
  Result<RepoName> repo = parse_repo(repo_text);
  if (!repo) return make_error(repo.error());
  return PullRequestArguments{std::move(*repo), json{{"title", title}, {"body", body}, {"head", head}, {"base", base}}};
}

// "Validation Failed (A pull request already exists for o:b)" from a GitHub
// error document; empty when the body is not one.
std::string forge_message(const std::string& body) {
  const json document = json::parse(body, nullptr, false);
  if (!document.is_object()) return {};
  std::string message = document.value("message", "");
  std::vector<std::string> details;
  if (const auto errors = document.find("errors"); errors != document.end() && errors->is_array()) {
    for (const json& error : *errors) {
      if (error.is_object() && error.contains("message") && error.at("message").is_string()) {
        details.push_back(error.at("message").get<std::string>());
      }
    }
  }
  for (std::size_t i = 0; i < details.size(); ++i) {
    message += (i == 0 ? " (" : "; ") + details[i];
  }
  if (!details.empty()) message += ")";
  return message;
}

ToolResult interpret_response(const HttpResponse& response, const std::string& url) {
  if (response.status == 201) {
    const json document = json::parse(response.body, nullptr, false);
    const bool complete = document.is_object() && document.contains("html_url") &&
                          document.at("html_url").is_string() && document.contains("number") &&
                          document.at("number").is_number_integer();
    if (!complete) {
      return tool_error(ToolError::Kind::failed, "forge returned HTTP 201 for POST " + url +
                                                     " without a string html_url and an integer number");
    }
    return json{{"url", document.at("html_url")}, {"number", document.at("number")}};
  }
  std::string message = "forge returned HTTP " + std::to_string(response.status) + " for POST " + url;
  if (const std::string detail = forge_message(response.body); !detail.empty()) message += ": " + detail;
  return tool_error(ToolError::Kind::failed, std::move(message));
}

ToolResult open_pull_request(const json& arguments, const ForgeConfig& config, const Secret& token) {
  Result<PullRequestArguments> parsed = parse_arguments(arguments, config);
  if (!parsed) return tool_error(ToolError::Kind::invalid_argument, parsed.error());
  if (token.empty()) return tool_error(ToolError::Kind::failed, "create_pr has no forge token configured");
  Result<std::string> url = pulls_url(config, parsed->repo);
  if (!url) return tool_error(ToolError::Kind::failed, url.error());

  HttpRequest request;
  request.method = HttpMethod::post;
  request.url = *url;
  request.headers = {{"Authorization", "Bearer " + token.reveal()},
                     {"Accept", "application/vnd.github+json"},
                     {"Content-Type", "application/json"}};
  request.body = parsed->payload.dump();
  request.max_body_bytes = kMaxForgeResponseBytes;

  const HttpOutcome outcome = HttpClient(config.http).perform(request);
  if (const auto* error = std::get_if<HttpError>(&outcome)) {
    const auto kind = error->kind == HttpError::Kind::timed_out ? ToolError::Kind::timed_out : ToolError::Kind::failed;
    return tool_error(kind, error->message);
  }
  return interpret_response(std::get<HttpResponse>(outcome), *url);
}

void replace_all(std::string& text, const std::string& needle) {
  if (needle.empty()) return;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + kRedacted.size())) {
    text.replace(at, needle.size(), kRedacted);
  }
}

}  // namespace

Result<RepoName> parse_repo(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return repo_error(text, "no '/'");
  if (text.find('/', slash + 1) != std::string_view::npos) return repo_error(text, "more than one '/'");
  const std::string_view owner = text.substr(0, slash);
  const std::string_view name = text.substr(slash + 1);
  for (std::string_view part : {owner, name}) {
    if (auto problem = repo_part_problem(part)) return repo_error(text, *problem);
  }
  return RepoName{std::string(owner), std::string(name)};
}

ToolResult create_pr(const json& arguments, const ForgeConfig& config, const Secret& token) {
  ToolResult result = open_pull_request(arguments, config, token);
  // The forge or libcurl could echo the token back; nothing returned may carry it.
  if (auto* error = std::get_if<ToolError>(&result)) {
    replace_all(error->message, token.reveal());
    if (error->kind != ToolError::Kind::invalid_argument) {
      spdlog::warn("create_pr failed kind={} message={}", to_string(error->kind), error->message);
    }
  } else if (auto& document = std::get<json>(result); document.at("url").is_string()) {
    replace_all(document.at("url").get_ref<std::string&>(), token.reveal());
  }
  return result;
}

}  // namespace nucleus::proxy
