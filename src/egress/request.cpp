// Parsing of proxy request heads.
#include "egress/request.h"

#include <algorithm>

#include "egress/address.h"

namespace nucleus::egress {
namespace {

constexpr std::size_t kMaxHostLength = 253;

char to_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower(c);
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return to_lower(x) == to_lower(y); });
}

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equals_ignore_case(text.substr(0, prefix.size()), prefix);
}

// Quotes client text for an error message, showing bytes outside printable
// ASCII as \xNN and cutting it at 200 bytes.
std::string quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  constexpr std::size_t kMaxShown = 200;
  std::string out = "\"";
  for (char c : text.substr(0, kMaxShown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  if (text.size() > kMaxShown) out += "...";
  out += '"';
  return out;
}

// RFC 9110 token characters, for methods and header names.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_tchar);
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

struct Authority {
  std::string host;  // lowercased, without brackets
  std::uint16_t port = 0;
};

Result<std::uint16_t> parse_port(std::string_view what, std::string_view port) {
  if (port.empty()) return make_error(std::string(what) + " has an empty port");
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return make_error(std::string(what) + " has an invalid port " + quoted(port) +
                      " (expected a decimal number 1-65535)");
  }
  const unsigned long value = std::stoul(std::string(port));
  if (value < 1 || value > 65535) {
    return make_error(std::string(what) + " has port " + std::string(port) + ", outside 1-65535");
  }
  return static_cast<std::uint16_t>(value);
}

Result<std::string> check_host(std::string_view what, std::string_view host, bool bracketed) {
  if (host.empty()) return make_error(std::string(what) + " has an empty host");
  std::string lowered = lowercase(host);
  if (bracketed) {
    const IpLiteral literal = parse_ip_literal("[" + lowered + "]");
    if (literal.kind != LiteralKind::ip) {
      return make_error(std::string(what) + " has an invalid IPv6 address " + quoted(host));
    }
    return lowered;
  }
  for (char c : lowered) {
    if (!is_host_char(c)) {
      return make_error(std::string(what) + " has an invalid character " +
                        quoted(std::string_view(&c, 1)) + " in host " + quoted(host) +
                        " (allowed: letters, digits, '-', '.', '_', and IPv6 in brackets)");
    }
  }
  if (lowered.size() > kMaxHostLength + 1) return make_error(std::string(what) + " has a host longer than 253 characters");
  const IpLiteral literal = parse_ip_literal(lowered);
  if (literal.kind == LiteralKind::invalid) {
    return make_error(std::string(what) + " has host " + quoted(host) + ", which looks numeric but " +
                      literal.problem);
  }
  return lowered;
}

// Parses "host[:port]" or "[v6][:port]". `default_port` 0 means the port
// is required.
Result<Authority> parse_authority(std::string_view what, std::string_view text, std::uint16_t default_port) {
  if (text.find('@') != std::string_view::npos) {
    return make_error(std::string(what) + " " + quoted(text) +
                      " contains userinfo ('@'), which is not allowed");
  }
  std::string_view host;
  std::optional<std::string_view> port;
  const bool bracketed = text.starts_with('[');
  if (bracketed) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return make_error(std::string(what) + " " + quoted(text) + " has no closing ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return make_error(std::string(what) + " " + quoted(text) + " has text after ']' that is not \":port\"");
    }
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return make_error(std::string(what) + " " + quoted(text) + " has an IPv6 address without brackets");
    }
    host = text.substr(0, colon);
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
  }

  Authority authority;
  auto checked_host = check_host(what, host, bracketed);
  if (!checked_host) return Error{checked_host.error()};
  authority.host = std::move(*checked_host);
  if (!port && default_port == 0) return make_error(std::string(what) + " " + quoted(text) + " has no port");
  if (!port) {
    authority.port = default_port;
    return authority;
  }
  auto parsed_port = parse_port(std::string(what) + " " + quoted(text), *port);
  if (!parsed_port) return Error{parsed_port.error()};
  authority.port = *parsed_port;
  return authority;
}

struct AbsoluteTarget {
  Authority authority;
  std::string path;
};

Result<AbsoluteTarget> parse_absolute_target(std::string_view target) {
  if (target.starts_with('/')) {
    return make_error("request target " + quoted(target) +
                      " is in origin form, so this is not a proxy request (send an absolute "
                      "http://host/path target or use CONNECT)");
  }
  if (target == "*") return make_error("request target \"*\" is not a proxy request");
  if (starts_with_ignore_case(target, "https://")) {
    return make_error("request target " + quoted(target) +
                      " is an https:// URL (use CONNECT host:443 to tunnel TLS)");
  }
  if (!starts_with_ignore_case(target, "http://")) {
    return make_error("request target " + quoted(target) + " is not an http:// URL or CONNECT authority");
  }
  if (target.find('#') != std::string_view::npos) {
    return make_error("request target " + quoted(target) + " contains a fragment ('#')");
  }
  const std::string_view rest = target.substr(7);
  const std::size_t end = rest.find_first_of("/?");
  const std::string_view authority_text = rest.substr(0, end);
  auto authority = parse_authority("request target", authority_text, 80);
  if (!authority) return Error{authority.error()};

  AbsoluteTarget parsed{std::move(*authority), "/"};
  if (end != std::string_view::npos) {
    const std::string_view tail = rest.substr(end);
    parsed.path = tail.starts_with('/') ? std::string(tail) : "/" + std::string(tail);
  }
  return parsed;
}

struct RequestLine {
  std::string method;
  std::string target;
  int minor_version = 1;
};

Result<RequestLine> parse_request_line(std::string_view line) {
  const std::size_t first = line.find(' ');
  const std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    return make_error("request line " + quoted(line) +
                      " is invalid (expected METHOD SP TARGET SP HTTP/1.x with single spaces)");
  }
  RequestLine parsed;
  parsed.method = std::string(line.substr(0, first));
  parsed.target = std::string(line.substr(first + 1, second - first - 1));
  const std::string_view version = line.substr(second + 1);
  if (!is_token(parsed.method)) return make_error("request method " + quoted(parsed.method) + " is invalid");
  if (parsed.target.empty()) return make_error("request line " + quoted(line) + " has an empty target");
  for (char c : parsed.target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F) {
      return make_error("request target " + quoted(parsed.target) +
                        " contains a byte outside printable ASCII");
    }
  }
  if (version == "HTTP/1.1") {
    parsed.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    parsed.minor_version = 0;
  } else {
    return make_error("request line has unsupported version " + quoted(version) +
                      " (expected HTTP/1.0 or HTTP/1.1)");
  }
  return parsed;
}

Result<Header> parse_header_line(std::string_view line) {
  if (line.starts_with(' ') || line.starts_with('\t')) {
    return make_error("header line " + quoted(line) +
                      " starts with whitespace (obsolete line folding is not accepted)");
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return make_error("header line " + quoted(line) + " has no ':'");
  Header header;
  header.name = std::string(line.substr(0, colon));
  if (!is_token(header.name)) {
    return make_error("header name " + quoted(header.name) +
                      " is invalid (no whitespace before ':', token characters only)");
  }
  std::string_view value = line.substr(colon + 1);
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F) {
      return make_error("header " + header.name + " has a control character in its value");
    }
  }
  const std::size_t begin = value.find_first_not_of(" \t");
  value = begin == std::string_view::npos ? std::string_view() : value.substr(begin);
  value = value.substr(0, value.find_last_not_of(" \t") + 1);
  header.value = std::string(value);
  return header;
}

// Splits the head into CRLF-terminated lines without the final blank line.
Result<std::vector<std::string_view>> split_lines(std::string_view head) {
  if (!head.ends_with("\r\n\r\n")) return make_error("request head does not end with an empty line (CRLF CRLF)");
  head.remove_suffix(2);
  std::vector<std::string_view> lines;
  std::size_t begin = 0;
  while (begin < head.size()) {
    const std::size_t end = head.find("\r\n", begin);
    const std::string_view line = head.substr(begin, end - begin);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return make_error("request head has a bare CR or LF (lines must end with CRLF)");
    }
    if (line.find('\0') != std::string_view::npos) return make_error("request head contains a NUL byte");
    lines.push_back(line);
    begin = end + 2;
  }
  if (lines.empty() || lines.front().empty()) return make_error("request head has an empty request line");
  return lines;
}

std::string strip_trailing_dot(std::string host) {
  if (host.ends_with('.')) host.pop_back();
  return host;
}

std::optional<Error> check_host_header(const ProxyRequest& request) {
  std::optional<std::string_view> value;
  for (const Header& header : request.headers) {
    if (!equals_ignore_case(header.name, "Host")) continue;
    if (value) return make_error("request has more than one Host header");
    value = header.value;
  }
  if (!value) {
    if (request.minor_version == 0) return std::nullopt;
    return make_error("HTTP/1.1 request has no Host header");
  }
  const std::uint16_t default_port = request.kind == RequestKind::connect ? 443 : 80;
  auto host = parse_authority("Host header", *value, default_port);
  if (!host) return Error{host.error()};
  if (strip_trailing_dot(host->host) != strip_trailing_dot(request.host) || host->port != request.port) {
    return make_error("Host header " + quoted(*value) + " does not match the request target " +
                      quoted(request.authority()));
  }
  return std::nullopt;
}

Result<BodyFraming> parse_body_framing(const ProxyRequest& request) {
  BodyFraming framing;
  if (request.kind == RequestKind::connect) return framing;
  int lengths = 0;
  int encodings = 0;
  for (const Header& header : request.headers) {
    if (equals_ignore_case(header.name, "Transfer-Encoding")) {
      ++encodings;
      if (!equals_ignore_case(header.value, "chunked")) {
        return make_error("Transfer-Encoding " + quoted(header.value) + " is not supported (only \"chunked\")");
      }
      framing.kind = BodyFraming::Kind::chunked;
    } else if (equals_ignore_case(header.name, "Content-Length")) {
      ++lengths;
      const std::string& value = header.value;
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return make_error("Content-Length " + quoted(value) + " is not a decimal number");
      }
      framing.length = std::stoull(value);
    }
  }
  if (encodings > 1) return make_error("request has more than one Transfer-Encoding header");
  if (lengths > 1) return make_error("request has more than one Content-Length header");
  if (encodings == 1 && lengths == 1) {
    return make_error("request has both Transfer-Encoding and Content-Length");
  }
  if (lengths == 1) framing.kind = BodyFraming::Kind::content_length;
  return framing;
}

Result<ProxyRequest> parse_target(const RequestLine& line) {
  ProxyRequest request;
  request.method = line.method;
  request.minor_version = line.minor_version;
  if (line.method == "CONNECT") {
    auto authority = parse_authority("CONNECT target", line.target, 0);
    if (!authority) return Error{authority.error()};
    request.kind = RequestKind::connect;
    request.host = std::move(authority->host);
    request.port = authority->port;
    return request;
  }
  auto target = parse_absolute_target(line.target);
  if (!target) return Error{target.error()};
  request.kind = RequestKind::forward;
  request.host = std::move(target->authority.host);
  request.port = target->authority.port;
  request.path = std::move(target->path);
  return request;
}

bool is_hop_by_hop(std::string_view name, std::string_view connection_value) {
  static constexpr std::string_view kAlways[] = {"Connection", "Keep-Alive", "Proxy-Connection",
                                                 "Proxy-Authorization", "Upgrade"};
  for (std::string_view always : kAlways) {
    if (equals_ignore_case(name, always)) return true;
  }
  std::size_t begin = 0;
  while (begin <= connection_value.size()) {
    std::size_t end = connection_value.find(',', begin);
    if (end == std::string_view::npos) end = connection_value.size();
    std::string_view option = connection_value.substr(begin, end - begin);
    const std::size_t first = option.find_first_not_of(" \t");
    option = first == std::string_view::npos ? std::string_view() : option.substr(first);
    option = option.substr(0, option.find_last_not_of(" \t") + 1);
    if (!option.empty() && equals_ignore_case(name, option)) return true;
    begin = end + 1;
  }
  return false;
}

}  // namespace

std::string ProxyRequest::authority() const {
  const std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

std::optional<std::string_view> find_header(const ProxyRequest& request, std::string_view name) {
  for (const Header& header : request.headers) {
    if (equals_ignore_case(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

Result<ProxyRequest> parse_request_head(std::string_view head) {
  auto lines = split_lines(head);
  if (!lines) return Error{lines.error()};
  auto line = parse_request_line(lines->front());
  if (!line) return Error{line.error()};
  auto request = parse_target(*line);
  if (!request) return Error{request.error()};

  for (std::size_t i = 1; i < lines->size(); ++i) {
    auto header = parse_header_line((*lines)[i]);
    if (!header) return Error{header.error()};
    request->headers.push_back(std::move(*header));
  }
  if (auto problem = check_host_header(*request)) return *std::move(problem);
  auto framing = parse_body_framing(*request);
  if (!framing) return Error{framing.error()};
  request->body = *framing;
  return request;
}

std::string origin_request_head(const ProxyRequest& request) {
  std::string out = request.method + " " + request.path + " HTTP/1." + std::to_string(request.minor_version) + "\r\n";
  std::string connection_options;
  for (const Header& header : request.headers) {
    if (equals_ignore_case(header.name, "Connection")) connection_options += header.value + ",";
  }
  if (!find_header(request, "Host")) {
    const bool default_port = request.port == 80;
    std::string host = request.host.find(':') != std::string::npos ? "[" + request.host + "]" : request.host;
    out += "Host: " + (default_port ? host : host + ":" + std::to_string(request.port)) + "\r\n";
  }
  for (const Header& header : request.headers) {
    if (is_hop_by_hop(header.name, connection_options)) continue;
    out += header.name + ": " + header.value + "\r\n";
  }
  out += "Connection: close\r\n\r\n";
  return out;
}

}  // namespace nucleus::egress
