// Parsing and matching of egress allowlist entries.
#include "policy/egress.h"

#include <arpa/inet.h>

#include <array>
#include <optional>

namespace nucleus::policy {

namespace {

constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMaxHostLength = 253;

// Quotes an entry for an error message. Bytes outside printable ASCII are
// shown as \xNN, because they are often the reason the entry is invalid.
std::string quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

Error entry_error(std::string_view entry, std::string_view problem) {
  return make_error("dns_allow entry " + quoted(entry) + " " + std::string(problem));
}

char to_lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// Canonical text of an IPv6 address, or nullopt when `text` is not one.
std::optional<std::string> canonical_ipv6(std::string_view text) {
  in6_addr address{};
  if (inet_pton(AF_INET6, std::string(text).c_str(), &address) != 1) return std::nullopt;
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  if (inet_ntop(AF_INET6, &address, buffer.data(), buffer.size()) == nullptr) return std::nullopt;
  return std::string(buffer.data());
}

// True for "a.b.c.d" with four decimal parts 0-255 and no leading zeros:
// text that inet_pton(AF_INET) accepts and inet_ntop prints back unchanged.
bool is_canonical_ipv4(std::string_view text) {
  in_addr address{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &address) != 1) return false;
  std::array<char, INET_ADDRSTRLEN> buffer{};
  if (inet_ntop(AF_INET, &address, buffer.data(), buffer.size()) == nullptr) return false;
  return text == buffer.data();
}

// The WHATWG URL Standard's "ends in a number checker": a host whose last
// label is decimal digits or 0x-hex is parsed as IPv4, so "0x7f.1" and
// "2130706433" reach 127.0.0.1. Such hosts must be canonical IPv4.
bool looks_numeric(std::string_view host) {
  const std::size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.starts_with("0x")) {
    last.remove_prefix(2);
    return last.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  }
  return !last.empty() && last.find_first_not_of("0123456789") == std::string_view::npos;
}

// Checks a lowercased host name without trailing dot: allowed characters,
// no empty labels and the DNS length limits. Returns the problem, if any.
std::optional<std::string> host_name_problem(std::string_view name) {
  for (char c : name) {
    if (!is_host_char(c)) {
      return "has an invalid character '" + std::string(1, c) +
             "' in the host (allowed: letters, digits, '-', '_' and '.')";
    }
  }
  if (name.size() > kMaxHostLength) return "has a host longer than 253 characters";
  std::size_t begin = 0;
  while (begin <= name.size()) {
    std::size_t end = name.find('.', begin);
    if (end == std::string_view::npos) end = name.size();
    if (end == begin) return std::string("has an empty label in the host (\"..\" or a leading '.')");
    if (end - begin > kMaxLabelLength) return std::string("has a host label longer than 63 characters");
    begin = end + 1;
  }
  return std::nullopt;
}

Result<std::uint16_t> parse_port(std::string_view entry, std::string_view port) {
  if (port.empty()) return entry_error(entry, "has an empty port (expected host:port)");
  if (port.find_first_not_of("0123456789") != std::string_view::npos) {
    return entry_error(entry, "has an invalid port " + quoted(port) +
                                  " (expected a decimal number 1-65535)");
  }
  unsigned long value = 0;
  for (char c : port) {
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535) break;  // keeps very long digit strings from overflowing
  }
  if (value < 1 || value > 65535) {
    return make_error("dns_allow entry " + quoted(entry) + ": port " + std::string(port) +
                      " is out of range 1-65535");
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

namespace {

struct SplitEntry {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
};

Result<SplitEntry> split_host_port(std::string_view entry) {
  SplitEntry split;
  if (entry.find("://") != std::string_view::npos) {
    return entry_error(entry, "is a URL (write only host:port, as in example.com:443)");
  }
  if (entry.starts_with('[')) {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos) {
      return entry_error(entry, "has no closing ']' (write IPv6 addresses as [address]:port)");
    }
    split.host = entry.substr(1, close - 1);
    split.bracketed = true;
    const std::string_view rest = entry.substr(close + 1);
    if (rest.empty()) return entry_error(entry, "has no port (expected [address]:port)");
    if (rest.front() != ':') {
      return entry_error(entry, "has text after ']' that is not \":port\" (expected [address]:port)");
    }
    split.port = rest.substr(1);
    return split;
  }
  const std::size_t colon = entry.rfind(':');
  if (colon == std::string_view::npos) return entry_error(entry, "has no port (expected host:port)");
  split.host = entry.substr(0, colon);
  split.port = entry.substr(colon + 1);
  if (split.host.find(':') != std::string_view::npos) {
    return entry_error(entry, "has an IPv6 address without brackets (write it as [address]:port)");
  }
  return split;
}

// Validates the characters of the whole entry before any splitting, so that
// these problems are reported the same way wherever they occur.
std::optional<Error> entry_bytes_problem(std::string_view entry) {
  if (entry.empty()) return make_error("dns_allow entry is empty (expected host:port)");
  for (char c : entry) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) return entry_error(entry, "contains a NUL byte");
    if (c == ' ' || (byte >= 0x09 && byte <= 0x0D)) return entry_error(entry, "contains whitespace");
    if (byte < 0x20 || byte == 0x7F) return entry_error(entry, "contains a control character");
    if (byte >= 0x80) {
      return entry_error(entry,
                         "contains a non-ASCII byte (write internationalized names in "
                         "punycode, as xn--...)");
    }
  }
  return std::nullopt;
}

// Parses an unbracketed host into its canonical form: a lowercased name
// without trailing dot and with an optional leading "*.", or a
// dotted-decimal IPv4 address.
Result<std::string> parse_host_name(std::string_view entry, std::string_view host) {
  std::string name(host);
  for (char& c : name) c = to_lower_ascii(c);
  if (name.ends_with('.')) name.pop_back();
  if (name.empty()) return entry_error(entry, "has an empty host (expected host:port)");

  const bool wildcard = name.starts_with("*.");
  const std::string_view rest = std::string_view(name).substr(wildcard ? 2 : 0);
  if (rest.find('*') != std::string_view::npos) {
    return entry_error(entry,
                       "has a misplaced '*' (a wildcard is only allowed as a leading \"*.\", "
                       "as in *.example.com:443)");
  }
  if (auto problem = host_name_problem(rest)) return entry_error(entry, *problem);
  if (!looks_numeric(rest)) return name;

  if (wildcard) return entry_error(entry, "has a wildcard in front of an IP address");
  if (!is_canonical_ipv4(rest)) {
    return entry_error(entry, "has host " + quoted(rest) +
                                  ", which is not a dotted-decimal IPv4 address (write four "
                                  "decimal numbers 0-255 without leading zeros, as in 127.0.0.1)");
  }
  return name;
}

// Brings a queried host into the form parse() stores, or nullopt when it
// is not a valid host (such a host matches no entry).
std::optional<std::string> canonical_query_host(std::string_view host) {
  if (host.starts_with('[') && host.ends_with(']') && host.size() >= 2) {
    return canonical_ipv6(host.substr(1, host.size() - 2));
  }
  if (host.find(':') != std::string_view::npos) return canonical_ipv6(host);
  std::string name(host);
  for (char& c : name) c = to_lower_ascii(c);
  if (name.ends_with('.')) name.pop_back();
  if (name.empty() || host_name_problem(name)) return std::nullopt;
  return name;
}

}  // namespace

Result<EgressRule> EgressRule::parse(std::string_view text) {
  if (auto problem = entry_bytes_problem(text)) return *std::move(problem);
  auto split = split_host_port(text);
  if (!split) return Error{split.error()};
  auto port = parse_port(text, split->port);
  if (!port) return Error{port.error()};
  if (split->host.empty()) return entry_error(text, "has an empty host (expected host:port)");

  if (split->bracketed) {
    auto address = canonical_ipv6(split->host);
    if (!address) {
      return entry_error(text, "has an invalid IPv6 address " + quoted(split->host) +
                                   " (zone ids such as %eth0 are not supported)");
    }
    return EgressRule(std::move(*address), *port);
  }
  auto host = parse_host_name(text, split->host);
  if (!host) return Error{host.error()};
  return EgressRule(std::move(host).value(), *port);
}

bool EgressRule::matches(std::string_view host, std::uint16_t port) const {
  if (port != port_) return false;
  const auto query = canonical_query_host(host);
  if (!query) return false;
  if (is_wildcard()) {
    // "*.example.com" stores ".example.com" after the '*': the query needs
    // that suffix plus a non-empty label in front of it.
    const std::string_view suffix = std::string_view(host_).substr(1);
    return query->size() > suffix.size() && query->ends_with(suffix);
  }
  return *query == host_;
}

std::string EgressRule::text() const {
  const std::string port = std::to_string(port_);
  if (host_.find(':') != std::string::npos) return "[" + host_ + "]:" + port;
  return host_ + ":" + port;
}

}  // namespace nucleus::policy
