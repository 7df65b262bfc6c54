#include "policy/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

namespace nucleus::policy {

namespace {

constexpr std::size_t kMaxUrlBytes = 8 * 1024;

struct UrlHandleDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};

struct CurlStringDeleter {
  void operator()(char* text) const { curl_free(text); }
};

using CurlString = std::unique_ptr<char, CurlStringDeleter>;

// Returns the part, or an empty pointer when the URL does not have it.
CurlString get_part(CURLU* handle, CURLUPart part, unsigned int flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(handle, part, &raw, flags) != CURLUE_OK) return CurlString{};
  return CurlString{raw};
}

}  // namespace

Result<UrlTarget> parse_url(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return make_error("URL is longer than 8 KiB");
  const bool has_bad_byte = std::any_of(url.begin(), url.end(), [](char c) {
    return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
  });
  if (has_bad_byte) return make_error("URL contains a NUL byte or whitespace");

  std::unique_ptr<CURLU, UrlHandleDeleter> handle(curl_url());
  if (!handle) return make_error("out of memory parsing URL");
  const std::string text(url);
  // No CURLU_GUESS_SCHEME and no default scheme: the URL must be absolute.
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return make_error("invalid URL \"" + text + "\": expected an absolute http or https URL");
  }

  UrlTarget target;
  CurlString scheme = get_part(handle.get(), CURLUPART_SCHEME);
  target.scheme = scheme ? scheme.get() : "";
  std::transform(target.scheme.begin(), target.scheme.end(), target.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (target.scheme != "http" && target.scheme != "https") {
    return make_error("URL scheme \"" + target.scheme + "\" is not allowed: only http and https");
  }
  if (get_part(handle.get(), CURLUPART_USER) || get_part(handle.get(), CURLUPART_PASSWORD)) {
    return make_error("URL \"" + text + "\" contains userinfo (user@host), which is not allowed");
  }

  CurlString host = get_part(handle.get(), CURLUPART_HOST);
  if (!host || host.get()[0] == '\0') return make_error("URL \"" + text + "\" has no host");
  target.host = host.get();
  if (target.host.size() >= 2 && target.host.front() == '[' && target.host.back() == ']') {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  std::transform(target.host.begin(), target.host.end(), target.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  CurlString port = get_part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  unsigned int value = 0;
  const std::string_view port_text = port ? port.get() : "";
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
    return make_error("URL \"" + text + "\" has an invalid port");
  }
  target.port = static_cast<std::uint16_t>(value);
  return target;
}

}  // namespace nucleus::policy
