// IP literal parsing and address classification.
#include "egress/address.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <cstring>
#include <vector>

namespace nucleus::egress {
namespace {

constexpr std::uint64_t kIpv4Limit = 1ULL << 32;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool has_hex_prefix(std::string_view part) {
  return part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X');
}

// One part of an IPv4 literal as inet_aton reads it: "0x" hex ("0x" alone
// is 0, as in the WHATWG URL Standard), a leading "0" for octal, otherwise
// decimal. Values past 2^32 saturate, which is out of range for any part.
std::optional<std::uint64_t> parse_ipv4_part(std::string_view part) {
  if (part.empty()) return std::nullopt;
  std::uint64_t base = 10;
  if (has_hex_prefix(part)) {
    base = 16;
    part.remove_prefix(2);
  } else if (part.size() > 1 && part[0] == '0') {
    base = 8;
    part.remove_prefix(1);
  }
  std::uint64_t value = 0;
  for (char c : part) {
    const bool valid = base == 16 ? is_hex_digit(c) : (is_digit(c) && (base == 10 || c < '8'));
    if (!valid) return std::nullopt;
    value = value * base + static_cast<std::uint64_t>(hex_value(c));
    if (value >= kIpv4Limit) value = kIpv4Limit;
  }
  return value;
}

std::vector<std::string_view> split_dots(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = text.find('.', begin);
    if (dot == std::string_view::npos) {
      parts.push_back(text.substr(begin));
      return parts;
    }
    parts.push_back(text.substr(begin, dot - begin));
    begin = dot + 1;
  }
}

// The WHATWG "ends in a number" check on a host without trailing dot.
bool ends_in_number(std::string_view host) {
  const std::size_t dot = host.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (has_hex_prefix(last)) {
    for (char c : last.substr(2)) {
      if (!is_hex_digit(c)) return false;
    }
    return true;
  }
  for (char c : last) {
    if (!is_digit(c)) return false;
  }
  return true;
}

IpLiteral invalid_literal(std::string problem) {
  IpLiteral literal;
  literal.kind = LiteralKind::invalid;
  literal.problem = std::move(problem);
  return literal;
}

IpLiteral parse_ipv4(std::string_view host) {
  const std::vector<std::string_view> parts = split_dots(host);
  if (parts.size() > 4) return invalid_literal("has more than 4 numeric parts");
  std::uint64_t address = 0;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const auto part = parse_ipv4_part(parts[i]);
    if (!part) return invalid_literal("has an invalid numeric part \"" + std::string(parts[i]) + "\"");
    if (*part > 255) return invalid_literal("has a part above 255 before the last one");
    address = (address << 8) | *part;
  }
  // The last part fills all remaining bytes: "127.1" is 127.0.0.1.
  const auto last = parse_ipv4_part(parts.back());
  if (!last) return invalid_literal("has an invalid numeric part \"" + std::string(parts.back()) + "\"");
  const unsigned remaining_bits = 8 * static_cast<unsigned>(5 - parts.size());
  if (*last >= (1ULL << remaining_bits)) return invalid_literal("has a last part that is out of range");
  address = (address << remaining_bits) | *last;

  IpLiteral literal;
  literal.kind = LiteralKind::ip;
  literal.address = IpAddress::from_ipv4(static_cast<std::uint32_t>(address));
  return literal;
}

bool is_zone_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool is_ipv4_mapped(const std::array<std::uint8_t, 16>& bytes) {
  for (int i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

IpAddress embedded_ipv4(const IpAddress& address) {
  const auto& b = address.bytes;
  return IpAddress::from_ipv4((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                              (std::uint32_t{b[14]} << 8) | std::uint32_t{b[15]});
}

IpLiteral parse_ipv6(std::string_view host, bool bracketed) {
  std::string_view zone;
  const std::size_t percent = host.find('%');
  if (percent != std::string_view::npos) {
    zone = host.substr(percent + 1);
    host = host.substr(0, percent);
    // Inside a URL the '%' is percent-encoded as "%25" (RFC 6874).
    if (bracketed && zone.starts_with("25") && zone.size() > 2) zone.remove_prefix(2);
    if (zone.empty()) return invalid_literal("has an empty zone id");
    for (char c : zone) {
      if (!is_zone_char(c)) return invalid_literal("has an invalid character in its zone id");
    }
  }
  IpAddress address;
  address.family = AddressFamily::ipv6;
  if (inet_pton(AF_INET6, std::string(host).c_str(), address.bytes.data()) != 1) {
    return invalid_literal("is not a valid IPv6 address");
  }
  IpLiteral literal;
  literal.kind = LiteralKind::ip;
  if (is_ipv4_mapped(address.bytes)) {
    literal.address = embedded_ipv4(address);
    return literal;
  }
  address.zone = std::string(zone);
  literal.address = std::move(address);
  return literal;
}

bool in_ipv4_range(std::uint32_t address, std::uint32_t network, int prefix_length) {
  const std::uint32_t mask = prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_length);
  return (address & mask) == network;
}

AddressClass classify_ipv4(std::uint32_t a) {
  if (a == 0xA9FEA9FE || a == 0x646464C8) return AddressClass::cloud_metadata;
  if (a == 0xFFFFFFFF) return AddressClass::broadcast;
  if (a == 0) return AddressClass::unspecified;
  if (in_ipv4_range(a, 0x00000000, 8)) return AddressClass::reserved;
  if (in_ipv4_range(a, 0x7F000000, 8)) return AddressClass::loopback;
  if (in_ipv4_range(a, 0x0A000000, 8) || in_ipv4_range(a, 0xAC100000, 12) ||
      in_ipv4_range(a, 0xC0A80000, 16) || in_ipv4_range(a, 0x64400000, 10)) {
    return AddressClass::private_use;
  }
  if (in_ipv4_range(a, 0xA9FE0000, 16)) return AddressClass::link_local;
  if (in_ipv4_range(a, 0xE0000000, 4)) return AddressClass::multicast;
  if (in_ipv4_range(a, 0xF0000000, 4)) return AddressClass::reserved;
  return AddressClass::global;
}

bool has_prefix(const std::array<std::uint8_t, 16>& bytes, std::initializer_list<std::uint8_t> prefix) {
  std::size_t i = 0;
  for (std::uint8_t byte : prefix) {
    if (bytes[i++] != byte) return false;
  }
  return true;
}

AddressClass classify_ipv6(const IpAddress& address) {
  const auto& b = address.bytes;
  static constexpr std::array<std::uint8_t, 16> kMetadata{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
                                                          0,    0,    0,    0,    0, 0, 0x02, 0x54};
  if (b == kMetadata) return AddressClass::cloud_metadata;
  if (is_ipv4_mapped(b)) return classify_ipv4(embedded_ipv4(address).ipv4());
  if (has_prefix(b, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) {
    // ::, ::1, and the deprecated IPv4-compatible form ::a.b.c.d.
    if (b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1) {
      return b[15] == 0 ? AddressClass::unspecified : AddressClass::loopback;
    }
    const AddressClass embedded = classify_ipv4(embedded_ipv4(address).ipv4());
    return is_special(embedded) ? embedded : AddressClass::reserved;
  }
  if (has_prefix(b, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) {
    return classify_ipv4(embedded_ipv4(address).ipv4());  // NAT64 well-known prefix
  }
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::private_use;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::link_local;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::reserved;
  if (b[0] == 0xff) return AddressClass::multicast;
  return AddressClass::global;
}

}  // namespace

IpAddress IpAddress::from_ipv4(std::uint32_t host_order) {
  IpAddress address;
  address.family = AddressFamily::ipv4;
  address.bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  address.bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  address.bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  address.bytes[3] = static_cast<std::uint8_t>(host_order);
  return address;
}

std::uint32_t IpAddress::ipv4() const {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
         (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

std::string IpAddress::text() const {
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  const int af = family == AddressFamily::ipv4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), buffer.data(), buffer.size()) == nullptr) return "?";
  std::string out(buffer.data());
  if (!zone.empty()) out += "%" + zone;
  return out;
}

sockaddr_storage IpAddress::to_sockaddr(std::uint16_t port, socklen_t& length) const {
  sockaddr_storage storage{};
  if (family == AddressFamily::ipv4) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    std::memcpy(&v4.sin_addr, bytes.data(), 4);
    std::memcpy(&storage, &v4, sizeof v4);
    length = sizeof v4;
    return storage;
  }
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  std::memcpy(&v6.sin6_addr, bytes.data(), 16);
  // An unknown interface name leaves scope 0, and connect() then fails
  // for a link-local address, which is the safe outcome.
  if (!zone.empty()) v6.sin6_scope_id = if_nametoindex(zone.c_str());
  std::memcpy(&storage, &v6, sizeof v6);
  length = sizeof v6;
  return storage;
}

std::optional<IpAddress> IpAddress::from_sockaddr(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, address, sizeof v4);
    return from_ipv4(ntohl(v4.sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return std::nullopt;
  sockaddr_in6 v6{};
  std::memcpy(&v6, address, sizeof v6);
  IpAddress result;
  result.family = AddressFamily::ipv6;
  std::memcpy(result.bytes.data(), &v6.sin6_addr, 16);
  if (is_ipv4_mapped(result.bytes)) return embedded_ipv4(result);
  return result;
}

IpLiteral parse_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return parse_ipv6(host.substr(1, host.size() - 2), true);
  }
  if (host.find(':') != std::string_view::npos) return parse_ipv6(host, false);
  if (host.ends_with('.')) host.remove_suffix(1);
  if (!ends_in_number(host)) return IpLiteral{};
  return parse_ipv4(host);
}

AddressClass classify(const IpAddress& address) {
  if (address.family == AddressFamily::ipv4) return classify_ipv4(address.ipv4());
  return classify_ipv6(address);
}

bool is_special(AddressClass address_class) { return address_class != AddressClass::global; }

std::string_view class_name(AddressClass address_class) {
  switch (address_class) {
    case AddressClass::global:
      return "global";
    case AddressClass::loopback:
      return "loopback";
    case AddressClass::unspecified:
      return "unspecified";
    case AddressClass::private_use:
      return "private";
    case AddressClass::link_local:
      return "link-local";
    case AddressClass::cloud_metadata:
      return "cloud metadata";
    case AddressClass::multicast:
      return "multicast";
    case AddressClass::broadcast:
      return "broadcast";
    case AddressClass::reserved:
      return "reserved";
  }
  return "unknown";
}

}  // namespace nucleus::egress
