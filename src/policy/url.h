// Parsing the URL target of web_fetch into the host and port that the
// egress allowlist is checked against.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nucleus::policy {

struct UrlTarget {
  std::string scheme;  // "http" or "https"
  std::string host;    // lowercase; IPv6 without brackets
  std::uint16_t port = 0;  // explicit, or 80/443 from the scheme
};

// Parse an absolute http(s) URL with libcurl's URL API. Rejects other
// schemes, userinfo ("user@host", the classic allowed.com@evil.com trick),
// empty hosts, NUL bytes, whitespace and URLs over 8 KiB.
Result<UrlTarget> parse_url(std::string_view url);

}  // namespace nucleus::policy
