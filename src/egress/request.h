// Parsing of the HTTP/1.x request head a client sends to the egress proxy.
//
// Two request forms are accepted: "CONNECT host:port HTTP/1.x" for a
// tunnel, and an absolute-form "http://host[:port]/path" target with any
// method for plain HTTP forwarding. The head must end in CRLF CRLF and use
// CRLF line endings only. Every rejection names what was wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nucleus::egress {

enum class RequestKind { connect, forward };

struct Header {
  std::string name;  // as sent
  std::string value;  // without leading and trailing whitespace
};

// The framing of a forwarded request body. A CONNECT request has
// no body: bytes after its head are tunnel data.
struct BodyFraming {
  enum class Kind { none, content_length, chunked };
  Kind kind = Kind::none;
  std::uint64_t length = 0;  // for content_length
};

struct ProxyRequest {
  RequestKind kind = RequestKind::connect;
  std::string method;
  // Host from the target, lowercased, IPv6 without brackets. A trailing dot
  // is kept, the decision removes it.
  std::string host;
  std::uint16_t port = 0;
  // Origin-form target ("/a?b") for forward requests, empty for CONNECT.
  std::string path;
  int minor_version = 1;  // HTTP/1.0 or HTTP/1.1
  std::vector<Header> headers;
  BodyFraming body;

  // "host:port", with brackets around an IPv6 host.
  std::string authority() const;
};

// Parses `head`, which runs up to and including the blank line. It rejects:
//   - origin-form, asterisk-form and https:// targets;
//   - userinfo ("user@") anywhere in the authority;
//   - a missing, empty, zero or out-of-range port on CONNECT, or an
//     invalid port anywhere;
//   - host characters other than letters, digits, '-', '.' and '_' (IPv6
//     goes in brackets), and numeric hosts that are no valid address;
//   - invalid request lines and versions other than HTTP/1.0 and 1.1;
//   - obs-fold header lines, invalid header names or values;
//   - a missing Host on HTTP/1.1, a duplicate Host, or a Host naming
//     another host:port than the target (default port 80 for forwarding,
//     443 for CONNECT);
//   - on forwarded requests, framing that a server could read differently:
//     Transfer-Encoding other than "chunked", both Transfer-Encoding and
//     Content-Length, or a repeated or non-decimal Content-Length.
Result<ProxyRequest> parse_request_head(std::string_view head);

// The head to send to the origin server for a forward request: origin-form
// target, the client's headers minus Connection, Keep-Alive,
// Proxy-Connection, Proxy-Authorization and the headers named in
// Connection, then "Connection: close".
std::string origin_request_head(const ProxyRequest& request);

// Returns the value of the first header called `name` (case-insensitive).
std::optional<std::string_view> find_header(const ProxyRequest& request, std::string_view name);

}  // namespace nucleus::egress
