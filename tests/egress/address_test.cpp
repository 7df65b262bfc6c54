#include "egress/address.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <string>

namespace nucleus::egress {
namespace {

struct LiteralCase {
  const char* name;
  std::string host;
  std::string canonical;
};

void PrintTo(const LiteralCase& c, std::ostream* os) { *os << c.name << ": \"" << c.host << "\""; }

class IpLiteralValid : public ::testing::TestWithParam<LiteralCase> {};

TEST_P(IpLiteralValid, ParsesToCanonicalAddress) {
  const LiteralCase& c = GetParam();
  const IpLiteral literal = parse_ip_literal(c.host);
  ASSERT_EQ(literal.kind, LiteralKind::ip) << literal.problem;
  EXPECT_EQ(literal.address.text(), c.canonical);
}

const LiteralCase kLoopbackNotations[] = {
    {"Dotted", "127.0.0.1", "127.0.0.1"},
    {"TrailingDot", "127.0.0.1.", "127.0.0.1"},
    {"ShortTwoParts", "127.1", "127.0.0.1"},
    {"ShortThreeParts", "127.0.1", "127.0.0.1"},
    {"Decimal", "2130706433", "127.0.0.1"},
    {"HexWhole", "0x7f000001", "127.0.0.1"},
    {"HexWholeUppercase", "0X7F000001", "127.0.0.1"},
    {"HexFirstPart", "0x7f.0.0.1", "127.0.0.1"},
    {"HexEveryPart", "0x7f.0x0.0x0.0x1", "127.0.0.1"},
    {"HexShort", "0x7f.1", "127.0.0.1"},
    {"OctalFirstPart", "0177.0.0.1", "127.0.0.1"},
    {"OctalWhole", "017700000001", "127.0.0.1"},
    {"OctalZeroPadded", "0177.00.000.01", "127.0.0.1"},
    {"MixedHexOctalDecimal", "0x7f.00.0.1", "127.0.0.1"},
    {"MixedShortHexLast", "127.0x1", "127.0.0.1"},
    {"EmptyHexIsZero", "127.0x.0.1", "127.0.0.1"},
    {"Ipv6Loopback", "::1", "::1"},
    {"Ipv6LoopbackBracketed", "[::1]", "::1"},
    {"Ipv6LoopbackExpanded", "0:0:0:0:0:0:0:1", "::1"},
    {"Ipv4MappedDotted", "::ffff:127.0.0.1", "127.0.0.1"},
    {"Ipv4MappedHex", "::ffff:7f00:1", "127.0.0.1"},
    {"Ipv4MappedBracketed", "[::ffff:127.0.0.1]", "127.0.0.1"},
    {"Ipv4MappedExpanded", "0:0:0:0:0:ffff:7f00:0001", "127.0.0.1"},
    {"Ipv4CompatibleDotted", "::127.0.0.1", "::127.0.0.1"},
    {"Ipv4CompatibleHex", "::7f00:1", "::127.0.0.1"},
    {"ZoneId", "fe80::1%eth0", "fe80::1%eth0"},
    {"ZoneIdUrlEncoded", "[fe80::1%25eth0]", "fe80::1%eth0"},
    {"Ipv6Uppercase", "[2001:DB8::1]", "2001:db8::1"},
    {"Zeros", "0", "0.0.0.0"},
    {"Broadcast", "4294967295", "255.255.255.255"},
    {"MetadataDecimal", "2852039166", "169.254.169.254"},
    {"MetadataHex", "0xa9fea9fe", "169.254.169.254"},
    {"PrivateShort", "10.1", "10.0.0.1"},
    {"PrivateThreeParts", "10.1.2", "10.1.0.2"},
};

INSTANTIATE_TEST_SUITE_P(Table, IpLiteralValid, ::testing::ValuesIn(kLoopbackNotations),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(IpLiteral, HostNamesAreNotLiterals) {
  for (const char* host : {"example.com", "localhost", "1password.com", "0x7f.example", "a.0xg", "xn--bcher-kva.ch",
                           "127.0.0.1.nip.io", "1e100.net"}) {
    EXPECT_EQ(parse_ip_literal(host).kind, LiteralKind::not_ip) << host;
  }
}

TEST(IpLiteral, InvalidNumericHostsAreRejected) {
  for (const char* host : {"1.2.3.256", "1.2.3.4.5", "08", "0.0.0.09", "256.1", "1..2", "4294967296",
                           "0x100000000", "99999999999999999999", "1.2.65536", "::ffff:1.2.3.256", "[::1",
                           "fe80::1%", "fe80::1%eth 0", ":::1", "1:2:3:4:5:6:7:8:9", "[127.0.0.1]"}) {
    EXPECT_EQ(parse_ip_literal(host).kind, LiteralKind::invalid) << host;
  }
}

TEST(IpLiteral, InvalidLiteralNamesProblem) {
  const IpLiteral literal = parse_ip_literal("1.2.3.256");
  ASSERT_EQ(literal.kind, LiteralKind::invalid);
  EXPECT_NE(literal.problem.find("out of range"), std::string::npos) << literal.problem;
}

struct ClassCase {
  const char* name;
  std::string host;
  AddressClass expected;
};

void PrintTo(const ClassCase& c, std::ostream* os) { *os << c.name << ": \"" << c.host << "\""; }

class AddressClassification : public ::testing::TestWithParam<ClassCase> {};

TEST_P(AddressClassification, ClassifiesRange) {
  const ClassCase& c = GetParam();
  const IpLiteral literal = parse_ip_literal(c.host);
  ASSERT_EQ(literal.kind, LiteralKind::ip) << literal.problem;
  EXPECT_EQ(class_name(classify(literal.address)), class_name(c.expected));
  EXPECT_EQ(is_special(classify(literal.address)), c.expected != AddressClass::global);
}

const ClassCase kClassCases[] = {
    {"Loopback", "127.0.0.1", AddressClass::loopback},
    {"LoopbackRangeEnd", "127.255.255.254", AddressClass::loopback},
    {"LoopbackOctal", "0177.1", AddressClass::loopback},
    {"Unspecified", "0.0.0.0", AddressClass::unspecified},
    {"ReservedZeroNet", "0.1.2.3", AddressClass::reserved},
    {"Private10", "10.255.0.1", AddressClass::private_use},
    {"Private172Low", "172.16.0.1", AddressClass::private_use},
    {"Private172High", "172.31.255.255", AddressClass::private_use},
    {"Public172Below", "172.15.255.255", AddressClass::global},
    {"Public172Above", "172.32.0.0", AddressClass::global},
    {"Private192", "192.168.1.1", AddressClass::private_use},
    {"Cgnat", "100.64.0.1", AddressClass::private_use},
    {"CgnatEnd", "100.127.255.255", AddressClass::private_use},
    {"PublicBelowCgnat", "100.63.255.255", AddressClass::global},
    {"LinkLocal", "169.254.1.1", AddressClass::link_local},
    {"MetadataAws", "169.254.169.254", AddressClass::cloud_metadata},
    {"MetadataAlibaba", "100.100.100.200", AddressClass::cloud_metadata},
    {"MetadataAwsIpv6", "fd00:ec2::254", AddressClass::cloud_metadata},
    {"Multicast", "224.0.0.1", AddressClass::multicast},
    {"MulticastEnd", "239.255.255.255", AddressClass::multicast},
    {"Reserved240", "240.0.0.1", AddressClass::reserved},
    {"Broadcast", "255.255.255.255", AddressClass::broadcast},
    {"PublicIpv4", "93.184.216.34", AddressClass::global},
    {"Ipv6Loopback", "::1", AddressClass::loopback},
    {"Ipv6Unspecified", "::", AddressClass::unspecified},
    {"Ipv6UniqueLocal", "fc00::1", AddressClass::private_use},
    {"Ipv6UniqueLocalFd", "fd12:3456::1", AddressClass::private_use},
    {"Ipv6LinkLocal", "fe80::1", AddressClass::link_local},
    {"Ipv6LinkLocalZone", "fe80::1%lo", AddressClass::link_local},
    {"Ipv6SiteLocal", "fec0::1", AddressClass::reserved},
    {"Ipv6Multicast", "ff02::1", AddressClass::multicast},
    {"Ipv6Public", "2606:4700::1111", AddressClass::global},
    {"MappedLoopback", "::ffff:127.0.0.1", AddressClass::loopback},
    {"MappedMetadata", "::ffff:a9fe:a9fe", AddressClass::cloud_metadata},
    {"MappedPublic", "::ffff:93.184.216.34", AddressClass::global},
    {"CompatibleLoopback", "::127.0.0.1", AddressClass::loopback},
    {"CompatiblePublic", "::93.184.216.34", AddressClass::reserved},
    {"Nat64Loopback", "64:ff9b::127.0.0.1", AddressClass::loopback},
    {"Nat64Public", "64:ff9b::93.184.216.34", AddressClass::global},
};

INSTANTIATE_TEST_SUITE_P(Table, AddressClassification, ::testing::ValuesIn(kClassCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(IpAddress, SockaddrRoundTripUnmapsIpv4) {
  const IpLiteral literal = parse_ip_literal("::ffff:10.0.0.1");
  ASSERT_EQ(literal.kind, LiteralKind::ip);
  socklen_t length = 0;
  const sockaddr_storage storage = literal.address.to_sockaddr(80, length);
  const auto back = IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, literal.address);
  EXPECT_EQ(length, sizeof(sockaddr_in));

  sockaddr_in6 mapped{};
  mapped.sin6_family = AF_INET6;
  const IpLiteral v6 = parse_ip_literal("::ffff:127.0.0.1");
  std::memcpy(&mapped.sin6_addr, std::array<std::uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}.data(), 16);
  const auto unmapped = IpAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&mapped));
  ASSERT_TRUE(unmapped.has_value());
  EXPECT_EQ(unmapped->family, AddressFamily::ipv4);
  EXPECT_EQ(*unmapped, v6.address);
}

// Text of `value` in one IPv4 notation: whole decimal, whole hex, whole
// octal, dotted hex parts, or dotted octal parts.
std::string format_ipv4(std::uint32_t value, int notation) {
  const unsigned a = value >> 24, b = (value >> 16) & 0xff, c = (value >> 8) & 0xff, d = value & 0xff;
  switch (notation) {
    case 0:
      return std::to_string(value);
    case 1:
      return fmt::format("0x{:x}", value);
    case 2:
      return fmt::format("0{:o}", value);
    case 3:
      return fmt::format("0x{:x}.0x{:x}.0x{:x}.0x{:x}", a, b, c, d);
    case 4:
      return fmt::format("0{:o}.0{:o}.0{:o}.0{:o}", a, b, c, d);
    default:
      return fmt::format("{}.{}", a, value & 0xffffff);
  }
}

RC_GTEST_PROP(IpLiteralProperties, CanonicalFormReparsesToSameAddress, (std::uint32_t value, std::uint8_t pick)) {
  const std::string text = format_ipv4(value, pick % 6);
  const IpLiteral literal = parse_ip_literal(text);
  RC_ASSERT(literal.kind == LiteralKind::ip);
  RC_ASSERT(literal.address.ipv4() == value);
  const IpLiteral again = parse_ip_literal(literal.address.text());
  RC_ASSERT(again.kind == LiteralKind::ip);
  RC_ASSERT(again.address == literal.address);
}

RC_GTEST_PROP(IpLiteralProperties, EveryNotationClassifiesLikeDotted, (std::uint32_t value, std::uint8_t pick)) {
  const IpAddress dotted = IpAddress::from_ipv4(value);
  const IpLiteral other = parse_ip_literal(format_ipv4(value, pick % 6));
  RC_ASSERT(other.kind == LiteralKind::ip);
  RC_ASSERT(classify(other.address) == classify(dotted));
}

RC_GTEST_PROP(IpLiteralProperties, MappedIpv6ClassifiesLikeIpv4, (std::uint32_t value)) {
  const IpAddress v4 = IpAddress::from_ipv4(value);
  const IpLiteral mapped = parse_ip_literal("::ffff:" + v4.text());
  RC_ASSERT(mapped.kind == LiteralKind::ip);
  RC_ASSERT(mapped.address == v4);
  RC_ASSERT(classify(mapped.address) == classify(v4));
}

RC_GTEST_PROP(IpLiteralProperties, Ipv6CanonicalFormReparses, (std::array<std::uint8_t, 16> bytes)) {
  IpAddress address;
  address.family = AddressFamily::ipv6;
  address.bytes = bytes;
  const IpLiteral literal = parse_ip_literal(address.text());
  RC_ASSERT(literal.kind == LiteralKind::ip);
  const IpLiteral again = parse_ip_literal(literal.address.text());
  RC_ASSERT(again.kind == LiteralKind::ip);
  RC_ASSERT(again.address == literal.address);
}

}  // namespace
}  // namespace nucleus::egress
