// IP literals as a client library might accept them, and the address
// ranges the egress proxy treats as special.
//
// parse_ip_literal recognises the notations that inet_aton (as used by
// getaddrinfo) and the WHATWG URL Standard turn into an address without
// DNS. For IPv4 these are dotted, short ("127.1", "10.1.2"), single-number
// ("2130706433"), hex and octal ("0x7f.0.0.1", "0177.0.0.1",
// "017700000001") forms and mixes of them. IPv6 may come with or without
// brackets and with a zone id ("fe80::1%eth0", "[fe80::1%25eth0]"). IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) reach the IPv4 address, so they canonicalise to it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nucleus::egress {

enum class AddressFamily { ipv4, ipv6 };

struct IpAddress {
  AddressFamily family = AddressFamily::ipv4;
  // Network byte order. IPv4 uses the first 4 bytes, the rest stay zero.
  std::array<std::uint8_t, 16> bytes{};
  // IPv6 zone id without the '%' ("eth0"), empty when there is none.
  std::string zone;

  static IpAddress from_ipv4(std::uint32_t host_order);
  std::uint32_t ipv4() const;  // host byte order; precondition: family == ipv4

  // Canonical text: dotted decimal for IPv4, inet_ntop's form for IPv6,
  // followed by "%zone" when a zone id is set.
  std::string text() const;

  // A socket address for connect(), with `port` in host byte order.
  sockaddr_storage to_sockaddr(std::uint16_t port, socklen_t& length) const;
  static std::optional<IpAddress> from_sockaddr(const sockaddr* address);

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// The kind of host string parse_ip_literal found.
enum class LiteralKind {
  not_ip,   // a host name, to be resolved
  ip,       // an IP literal; `address` is set
  invalid,  // looks numeric but is no valid address (e.g. "1.2.3.256", "08")
};

struct IpLiteral {
  LiteralKind kind = LiteralKind::not_ip;
  IpAddress address;
  std::string problem;  // why the literal is invalid, for kind == invalid
};

// Classifies `host` (one trailing dot allowed, brackets optional for IPv6).
// A host counts as numeric when its last dot-separated label is decimal
// digits or "0x" followed by hex digits, which is the WHATWG URL rule that
// decides whether a browser or URL library treats it as IPv4.
IpLiteral parse_ip_literal(std::string_view host);

enum class AddressClass {
  global,          // none of the ranges below
  loopback,        // 127.0.0.0/8, ::1
  unspecified,     // 0.0.0.0, ::
  private_use,     // 10/8, 172.16/12, 192.168/16, 100.64/10 (CGNAT), fc00::/7
  link_local,      // 169.254/16, fe80::/10
  cloud_metadata,  // 169.254.169.254, fd00:ec2::254, 100.100.100.200
  multicast,       // 224/4, ff00::/8
  broadcast,       // 255.255.255.255
  reserved,        // 0/8, 240/4, fec0::/10 (site-local), other ::/96 addresses
};

// Classifies `address`, checking the most specific range first (so
// 169.254.169.254 is cloud_metadata, not link_local). IPv6 addresses that
// embed an IPv4 address (IPv4-compatible ::a.b.c.d and NAT64 64:ff9b::/96)
// take the class of the embedded address when that class is special.
AddressClass classify(const IpAddress& address);

// True for every class but global: the proxy connects to such an address
// only when an allowlist entry names that exact address.
bool is_special(AddressClass address_class);

std::string_view class_name(AddressClass address_class);

}  // namespace nucleus::egress
