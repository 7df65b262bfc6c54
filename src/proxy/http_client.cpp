#include "proxy/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <memory>
#include <new>

namespace nucleus::proxy {

namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlSlist = std::unique_ptr<curl_slist, SlistDeleter>;

struct UrlDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using CurlUrl = std::unique_ptr<CURLU, UrlDeleter>;

struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};
using CurlString = std::unique_ptr<char, CurlFree>;

// curl_global_init must run once before the first easy handle. A
// function-local static runs it exactly once, even with several threads.
CURLcode ensure_curl_initialized() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

std::string_view method_name(HttpMethod method) {
  return method == HttpMethod::post ? "POST" : "GET";
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// RFC 9110 token characters, the only ones allowed in a header name.
bool is_token(std::string_view name) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool has_line_break_or_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::optional<HttpError> validate(const HttpRequest& request) {
  if (request.url.empty() || has_line_break_or_nul(request.url)) {
    return HttpError{HttpError::Kind::invalid_request, "request URL is empty or contains CR, LF or NUL"};
  }
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) {
      return HttpError{HttpError::Kind::invalid_request, "invalid header name \"" + name + "\""};
    }
    if (has_line_break_or_nul(value)) {
      return HttpError{HttpError::Kind::invalid_request, "header " + name + " contains CR, LF or NUL"};
    }
  }
  return std::nullopt;
}

struct BodySink {
  std::string* body;
  std::size_t max_bytes;
  bool truncated = false;
};

// Returning fewer bytes than offered makes libcurl stop with
// CURLE_WRITE_ERROR, which perform() reports as truncation because
// sink.truncated is set.
std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const std::size_t offered = size * count;
  const std::size_t room = sink->max_bytes - sink->body->size();
  if (offered <= room) {
    sink->body->append(data, offered);
    return offered;
  }
  sink->body->append(data, room);
  sink->truncated = true;
  return room;
}

// Called once per header line, status lines included. A status line starts a
// new response (after a proxy's CONNECT reply or a 1xx), so headers gathered
// so far belong to an earlier response and are dropped.
std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* headers = static_cast<std::vector<HttpHeader>*>(user);
  const std::size_t length = size * count;
  const std::string_view line = trim(std::string_view(data, length));
  if (line.substr(0, 5) == "HTTP/") {
    headers->clear();
    return length;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return length;
  headers->emplace_back(to_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  return length;
}

// Appends "Name: value" lines, plus an empty "Expect:" for POST so that
// libcurl sends the body at once instead of waiting for "100 Continue".
Result<CurlSlist> build_header_list(const HttpRequest& request) {
  CurlSlist list;
  std::vector<std::string> lines;
  for (const auto& [name, value] : request.headers) lines.push_back(name + ": " + value);
  if (request.method == HttpMethod::post) lines.emplace_back("Expect:");
  for (const std::string& line : lines) {
    curl_slist* head = curl_slist_append(list.get(), line.c_str());
    if (head == nullptr) return make_error("out of memory building the request headers");
    (void)list.release();
    list.reset(head);
  }
  return list;
}

// Keeps the first failing curl_easy_setopt code, so a whole block of options
// is checked with one test at the end.
class OptionSetter {
 public:
  explicit OptionSetter(CURL* handle) : handle_(handle) {}

  template <typename Value>
  void set(CURLoption option, Value value) {
    const CURLcode code = curl_easy_setopt(handle_, option, value);
    if (first_error_ == CURLE_OK) first_error_ = code;
  }

  CURLcode first_error() const { return first_error_; }

 private:
  CURL* handle_;
  CURLcode first_error_ = CURLE_OK;
};

long to_curl_millis(std::chrono::milliseconds value) {
  // 0 means "no timeout" to libcurl, so the smallest timeout is 1 ms.
  return std::max(1L, static_cast<long>(value.count()));
}

struct Transfer {
  BodySink body;
  std::vector<HttpHeader> headers;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
};

CURLcode configure(CURL* handle, const HttpSettings& settings, const HttpRequest& request,
                   std::chrono::milliseconds timeout, curl_slist* header_list, Transfer& transfer) {
  OptionSetter options(handle);
  options.set(CURLOPT_URL, request.url.c_str());
  options.set(CURLOPT_PROTOCOLS_STR, "http,https");
  options.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  options.set(CURLOPT_FOLLOWLOCATION, 0L);
  options.set(CURLOPT_NOSIGNAL, 1L);
  options.set(CURLOPT_CONNECTTIMEOUT_MS, to_curl_millis(settings.connect_timeout));
  options.set(CURLOPT_TIMEOUT_MS, to_curl_millis(timeout));
  options.set(CURLOPT_SSL_VERIFYPEER, 1L);
  options.set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings.ca_bundle.empty()) options.set(CURLOPT_CAINFO, settings.ca_bundle.c_str());
  // An empty CURLOPT_PROXY disables the proxy environment variables too.
  options.set(CURLOPT_PROXY, settings.proxy_url.c_str());
  options.set(CURLOPT_NOPROXY, "");
  options.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  options.set(CURLOPT_USERAGENT, settings.user_agent.c_str());
  options.set(CURLOPT_HTTPHEADER, header_list);
  options.set(CURLOPT_ERRORBUFFER, transfer.error_buffer.data());
  options.set(CURLOPT_WRITEFUNCTION, &write_body);
  options.set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer.body));
  options.set(CURLOPT_HEADERFUNCTION, &collect_header);
  options.set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer.headers));
  if (request.method == HttpMethod::post) {
    options.set(CURLOPT_POST, 1L);
    options.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    options.set(CURLOPT_POSTFIELDS, request.body.c_str());
  } else {
    options.set(CURLOPT_HTTPGET, 1L);
  }
  return options.first_error();
}

HttpError transfer_error(const HttpRequest& request, CURLcode code, const Transfer& transfer,
                         std::chrono::milliseconds timeout) {
  const std::string detail =
      transfer.error_buffer[0] != '\0' ? std::string(transfer.error_buffer.data()) : curl_easy_strerror(code);
  std::string prefix = std::string(method_name(request.method)) + " " + request.url;
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return HttpError{HttpError::Kind::timed_out,
                     prefix + " timed out (limit " + std::to_string(timeout.count()) + " ms): " + detail};
  }
  return HttpError{HttpError::Kind::failed, prefix + " failed: " + detail};
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpSettings settings) : settings_(std::move(settings)) {}

HttpOutcome HttpClient::perform(const HttpRequest& request) const {
  if (auto invalid = validate(request)) return *invalid;
  const std::chrono::milliseconds timeout = request.timeout.value_or(settings_.total_timeout);
  if (timeout.count() <= 0) {
    return HttpError{HttpError::Kind::timed_out,
                     std::string(method_name(request.method)) + " " + request.url + " timed out before it started"};
  }
  if (const CURLcode code = ensure_curl_initialized(); code != CURLE_OK) {
    return HttpError{HttpError::Kind::failed, std::string("curl_global_init failed: ") + curl_easy_strerror(code)};
  }
  CurlEasy handle(curl_easy_init());
  if (!handle) return HttpError{HttpError::Kind::failed, "curl_easy_init failed"};
  Result<CurlSlist> header_list = build_header_list(request);
  if (!header_list) return HttpError{HttpError::Kind::failed, header_list.error()};

  HttpResponse response;
  Transfer transfer{BodySink{&response.body, request.max_body_bytes}, {}, {}};
  if (const CURLcode code = configure(handle.get(), settings_, request, timeout, header_list->get(), transfer);
      code != CURLE_OK) {
    return HttpError{HttpError::Kind::failed, std::string("curl_easy_setopt failed: ") + curl_easy_strerror(code)};
  }

  CURLcode code = curl_easy_perform(handle.get());
  if (code == CURLE_WRITE_ERROR && transfer.body.truncated) code = CURLE_OK;
  if (code != CURLE_OK) return transfer_error(request, code, transfer, timeout);

  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &response.status);
  response.headers = std::move(transfer.headers);
  response.truncated = transfer.body.truncated;
  return response;
}

Result<std::string> resolve_url(const std::string& base, const std::string& reference) {
  CurlUrl handle(curl_url());
  if (!handle) return make_error("curl_url failed: out of memory");
  if (const CURLUcode code = curl_url_set(handle.get(), CURLUPART_URL, base.c_str(), 0); code != CURLUE_OK) {
    return make_error("invalid base URL \"" + base + "\": " + curl_url_strerror(code));
  }
  // Setting a URL on a handle that already has one resolves the new URL
  // relative to the old one (RFC 3986 section 5).
  if (const CURLUcode code = curl_url_set(handle.get(), CURLUPART_URL, reference.c_str(), 0); code != CURLUE_OK) {
    return make_error("cannot resolve \"" + reference + "\" against \"" + base + "\": " + curl_url_strerror(code));
  }
  char* raw = nullptr;
  if (const CURLUcode code = curl_url_get(handle.get(), CURLUPART_URL, &raw, 0); code != CURLUE_OK) {
    return make_error("cannot resolve \"" + reference + "\" against \"" + base + "\": " + curl_url_strerror(code));
  }
  const CurlString resolved(raw);
  return std::string(resolved.get());
}

std::string url_encode(std::string_view text) {
  // curl_easy_escape takes an int length, so long input is encoded in
  // chunks. The encoding is per byte, so chunk borders do not change it.
  constexpr std::size_t kChunk = 1 << 20;
  std::string out;
  for (std::size_t offset = 0; offset < text.size(); offset += kChunk) {
    const std::string_view chunk = text.substr(offset, kChunk);
    const CurlString escaped(curl_easy_escape(nullptr, chunk.data(), static_cast<int>(chunk.size())));
    if (!escaped) throw std::bad_alloc();
    out += escaped.get();
  }
  return out;
}

}  // namespace nucleus::proxy
