#include "policy/egress.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace nucleus::policy {
namespace {

// Names each parameterized case after its table entry.
template <typename Case>
std::string case_name(const ::testing::TestParamInfo<Case>& test) {
  return test.param.name;
}

struct ValidCase {
  const char* name;
  std::string entry;
  std::string host;
  std::uint16_t port;
  std::string text;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name << ": \"" << c.entry << "\""; }

class EgressParseValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(EgressParseValid, ParsesToCanonicalForm) {
  const ValidCase& c = GetParam();
  const auto rule = EgressRule::parse(c.entry);
  ASSERT_TRUE(rule.ok()) << rule.error();
  EXPECT_EQ(rule->host(), c.host);
  EXPECT_EQ(rule->port(), c.port);
  EXPECT_EQ(rule->text(), c.text);
  EXPECT_EQ(rule->is_wildcard(), c.host.starts_with("*."));

  const auto again = EgressRule::parse(rule->text());
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(*again, *rule) << "text() did not parse back to the same rule";
}

const ValidCase kValidCases[] = {
    {"PlainHost", "api.openai.com:443", "api.openai.com", 443, "api.openai.com:443"},
    {"HostLowercased", "API.OpenAI.Com:443", "api.openai.com", 443, "api.openai.com:443"},
    {"TrailingDotDropped", "api.openai.com.:443", "api.openai.com", 443, "api.openai.com:443"},
    {"SingleLabel", "localhost:80", "localhost", 80, "localhost:80"},
    {"UnderscoreAndDash", "my_svc.a-b.internal:1", "my_svc.a-b.internal", 1,
     "my_svc.a-b.internal:1"},
    {"MaxPort", "x:65535", "x", 65535, "x:65535"},
    {"PortLeadingZeros", "x:0080", "x", 80, "x:80"},
    {"Wildcard", "*.example.com:443", "*.example.com", 443, "*.example.com:443"},
    {"WildcardUppercase", "*.EXAMPLE.com.:443", "*.example.com", 443, "*.example.com:443"},
    {"Ipv4", "127.0.0.1:8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
    {"Ipv4Zeros", "0.0.0.0:80", "0.0.0.0", 80, "0.0.0.0:80"},
    {"Ipv4Broadcast", "255.255.255.255:80", "255.255.255.255", 80, "255.255.255.255:80"},
    {"Ipv6Loopback", "[::1]:8080", "::1", 8080, "[::1]:8080"},
    {"Ipv6Expanded", "[0:0:0:0:0:0:0:1]:80", "::1", 80, "[::1]:80"},
    {"Ipv6Uppercase", "[2001:DB8::1]:443", "2001:db8::1", 443, "[2001:db8::1]:443"},
    {"Ipv6LeadingZeros", "[2001:0db8:0000::0001]:443", "2001:db8::1", 443,
     "[2001:db8::1]:443"},
    {"Ipv6MappedIpv4", "[::ffff:127.0.0.1]:80", "::ffff:127.0.0.1", 80,
     "[::ffff:127.0.0.1]:80"},
    {"NumericFirstLabel", "1password.com:443", "1password.com", 443, "1password.com:443"},
    {"Label63", std::string(63, 'a') + ".com:1", std::string(63, 'a') + ".com", 1,
     std::string(63, 'a') + ".com:1"},
};

INSTANTIATE_TEST_SUITE_P(Table, EgressParseValid, ::testing::ValuesIn(kValidCases),
                         case_name<ValidCase>);

struct InvalidCase {
  const char* name;
  std::string entry;
  std::string message_part;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class EgressParseInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(EgressParseInvalid, RejectedWithMessage) {
  const InvalidCase& c = GetParam();
  const auto rule = EgressRule::parse(c.entry);
  ASSERT_FALSE(rule.ok()) << "parsed as " << rule->text();
  EXPECT_NE(rule.error().find(c.message_part), std::string::npos) << "error: " << rule.error();
  EXPECT_TRUE(rule.error().starts_with("dns_allow entry")) << "error: " << rule.error();
}

const std::string kLongLabel(64, 'a');
const std::string kLongHost = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(63, 'd');  // 255

const InvalidCase kInvalidCases[] = {
    {"NoPort", "api.openai.com",
     "dns_allow entry \"api.openai.com\" has no port (expected host:port)"},
    {"PortZero", "x:0", "port 0 is out of range 1-65535"},
    {"PortTooLarge", "x:70000", "port 70000 is out of range 1-65535"},
    {"PortJustTooLarge", "x:65536", "port 65536 is out of range 1-65535"},
    {"PortHuge", "x:99999999999999999999999", "is out of range 1-65535"},
    {"PortEmpty", "x:", "empty port"},
    {"PortNegative", "x:-1", "invalid port \"-1\""},
    {"PortPlusSign", "x:+80", "invalid port"},
    {"PortWithLetters", "x:80a", "invalid port"},
    {"PortHex", "x:0x50", "invalid port"},
    {"EmptyEntry", "", "empty"},
    {"EmptyHost", ":443", "empty host"},
    {"DotHost", ".:443", "empty host"},
    {"EmptyLabel", "a..b:443", "empty label"},
    {"LeadingDot", ".a:443", "empty label"},
    {"TwoTrailingDots", "a..:443", "empty label"},
    {"LabelTooLong", kLongLabel + ".com:443", "longer than 63"},
    {"HostTooLong", kLongHost + ":443", "longer than 253"},
    {"InnerWildcard", "a.*.com:443", "misplaced '*'"},
    {"BareWildcard", "*:443", "misplaced '*'"},
    {"WildcardDot", "*.:443", "misplaced '*'"},
    {"DoubleWildcard", "*.*.com:443", "misplaced '*'"},
    {"PartialWildcard", "ex*ample.com:443", "misplaced '*'"},
    {"DoubleStarWildcard", "**.example.com:443", "misplaced '*'"},
    {"SuffixWildcard", "example.*:443", "misplaced '*'"},
    {"LeadingSpace", " api.com:443", "whitespace"},
    {"InnerSpace", "api.com :443", "whitespace"},
    {"TrailingNewline", "api.com:443\n", "whitespace"},
    {"Tab", "api.com:\t443", "whitespace"},
    {"NulByte", std::string("a\0b:443", 7), "NUL byte"},
    {"ControlByte", "a\x01" "b:443", "control character"},
    {"NonAsciiHost", "b\xC3\xBC" "cher.de:443", "non-ASCII"},
    {"CyrillicLookalike", "\xD0\xB0pi.com:443", "non-ASCII"},
    {"NonAsciiShownEscaped", "\xC3\xBC:1", "\"\\xC3\\xBC:1\""},
    {"Slash", "a/b:80", "invalid character '/'"},
    {"UserInfo", "user@host:80", "invalid character '@'"},
    {"Url", "https://example.com:443", "is a URL"},
    {"HexIpv4", "0x7f.1:80", "not a dotted-decimal IPv4 address"},
    {"IntegerIpv4", "2130706433:80", "not a dotted-decimal IPv4 address"},
    {"OctalIpv4", "0177.0.0.1:80", "not a dotted-decimal IPv4 address"},
    {"ShortIpv4", "127.1:80", "not a dotted-decimal IPv4 address"},
    {"LeadingZeroOctet", "127.0.0.01:80", "not a dotted-decimal IPv4 address"},
    {"OctetTooLarge", "256.0.0.1:80", "not a dotted-decimal IPv4 address"},
    {"FiveOctets", "1.2.3.4.5:80", "not a dotted-decimal IPv4 address"},
    {"WholeHexIpv4", "0x7F000001:80", "not a dotted-decimal IPv4 address"},
    {"BareHexPrefix", "a.0x:80", "not a dotted-decimal IPv4 address"},
    {"NumericLastLabel", "example.123:80", "not a dotted-decimal IPv4 address"},
    {"WildcardIp", "*.1.2.3.4:80", "wildcard in front of an IP address"},
    {"UnbracketedIpv6", "::1:80", "without brackets"},
    {"UnbracketedIpv6Full", "2001:db8::1:443", "without brackets"},
    {"BracketedNoPort", "[::1]", "has no port"},
    {"BracketUnclosed", "[::1:80", "no closing ']'"},
    {"BracketNoColon", "[::1]80", "not \":port\""},
    {"BracketEmptyPort", "[::1]:", "empty port"},
    {"Ipv6Zone", "[fe80::1%eth0]:80", "invalid IPv6 address"},
    {"Ipv4InBrackets", "[127.0.0.1]:80", "invalid IPv6 address"},
    {"Ipv6Garbage", "[::g]:80", "invalid IPv6 address"},
    {"EmptyBrackets", "[]:80", "empty host"},
};

INSTANTIATE_TEST_SUITE_P(Table, EgressParseInvalid, ::testing::ValuesIn(kInvalidCases),
                         case_name<InvalidCase>);

struct MatchCase {
  const char* name;
  std::string entry;
  std::string host;
  std::uint16_t port;
  bool expected;
};

void PrintTo(const MatchCase& c, std::ostream* os) {
  *os << c.name << ": \"" << c.entry << "\" vs " << c.host << ":" << c.port;
}

class EgressMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(EgressMatch, MatchesAsDocumented) {
  const MatchCase& c = GetParam();
  const auto rule = EgressRule::parse(c.entry);
  ASSERT_TRUE(rule.ok()) << rule.error();
  EXPECT_EQ(rule->matches(c.host, c.port), c.expected);
}

const MatchCase kMatchCases[] = {
    {"ExactHost", "api.openai.com:443", "api.openai.com", 443, true},
    {"ExactOtherPort", "api.openai.com:443", "api.openai.com", 80, false},
    {"ExactUppercaseQuery", "api.openai.com:443", "API.OpenAI.COM", 443, true},
    {"ExactTrailingDotQuery", "api.openai.com:443", "api.openai.com.", 443, true},
    {"ExactTwoTrailingDots", "api.openai.com:443", "api.openai.com..", 443, false},
    {"ExactParentDomain", "api.openai.com:443", "openai.com", 443, false},
    {"ExactSubdomain", "api.openai.com:443", "x.api.openai.com", 443, false},
    {"ExactPrefixedHost", "api.openai.com:443", "xapi.openai.com", 443, false},
    {"ExactAsPrefixOfOther", "api.openai.com:443", "api.openai.com.evil.test", 443, false},
    {"ExactEmptyQuery", "api.openai.com:443", "", 443, false},
    {"ExactQueryWithPort", "api.openai.com:443", "api.openai.com:443", 443, false},
    {"ExactQueryWithSpace", "api.openai.com:443", "api.openai.com ", 443, false},
    {"WildcardOneLabel", "*.example.com:443", "api.example.com", 443, true},
    {"WildcardTwoLabels", "*.example.com:443", "a.b.example.com", 443, true},
    {"WildcardBareDomain", "*.example.com:443", "example.com", 443, false},
    {"WildcardBareDomainDot", "*.example.com:443", "example.com.", 443, false},
    {"WildcardSuffixOnlyText", "*.example.com:443", "badexample.com", 443, false},
    {"WildcardEmptyLabel", "*.example.com:443", ".example.com", 443, false},
    {"WildcardDoubleDot", "*.example.com:443", "a..example.com", 443, false},
    {"WildcardMixedCase", "*.example.com:443", "API.Example.COM.", 443, true},
    {"WildcardDomainAsPrefix", "*.example.com:443", "example.com.evil.test", 443, false},
    {"WildcardOtherPort", "*.example.com:443", "api.example.com", 8443, false},
    {"WildcardLiteralQuery", "*.example.com:443", "*.example.com", 443, false},
    {"Ipv4Exact", "127.0.0.1:80", "127.0.0.1", 80, true},
    {"Ipv4ShortForm", "127.0.0.1:80", "127.1", 80, false},
    {"Ipv4Bracketed", "127.0.0.1:80", "[127.0.0.1]", 80, false},
    {"Ipv4Mapped", "127.0.0.1:80", "::ffff:127.0.0.1", 80, false},
    {"Ipv6Bare", "[::1]:8080", "::1", 8080, true},
    {"Ipv6Bracketed", "[::1]:8080", "[::1]", 8080, true},
    {"Ipv6Expanded", "[::1]:8080", "0:0:0:0:0:0:0:1", 8080, true},
    {"Ipv6ExpandedBracketed", "[::1]:8080", "[0000::0001]", 8080, true},
    {"Ipv6OtherAddress", "[::1]:8080", "::2", 8080, false},
    {"Ipv6OtherPort", "[::1]:8080", "::1", 8081, false},
    {"Ipv6HalfBracket", "[::1]:8080", "[::1", 8080, false},
    {"Ipv6AgainstIpv4Rule", "[::1]:8080", "127.0.0.1", 8080, false},
    {"Ipv6Uppercase", "[2001:db8::1]:443", "2001:DB8::1", 443, true},
    {"UnderscoreHost", "_svc.example.com:443", "_SVC.example.com", 443, true},
    {"NulInQuery", "a.com:443", std::string("a.com\0", 6), 443, false},
};

INSTANTIATE_TEST_SUITE_P(Table, EgressMatch, ::testing::ValuesIn(kMatchCases),
                         case_name<MatchCase>);

TEST(EgressRule, OrderingIsByHostThenPort) {
  const auto a = EgressRule::parse("a.com:443");
  const auto a80 = EgressRule::parse("a.com:80");
  const auto b = EgressRule::parse("b.com:1");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a80.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_LT(*a80, *a);
  EXPECT_LT(*a, *b);
  EXPECT_EQ(*EgressRule::parse("A.com.:443"), *a);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
  }
  return joined;
}

// Host names, IPv4-like and IPv6-like hosts built from pieces that matter
// to the parser. Some are invalid on purpose.
rc::Gen<std::string> arbitrary_host() {
  const auto labels = rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(
      rc::gen::weightedElement<std::string>({{8, "a"}, {8, "B"}, {4, "x-y"}, {4, "_s"},
                                             {2, "1"}, {1, "0x7f"}, {1, "*"}, {1, ""}})));
  const auto name = rc::gen::apply(
      [](bool wildcard, const std::vector<std::string>& parts, bool trailing_dot) {
        return (wildcard ? "*." : "") + join(parts, ".") + (trailing_dot ? "." : "");
      },
      rc::gen::arbitrary<bool>(), labels, rc::gen::arbitrary<bool>());
  const auto ipv4 = rc::gen::map(
      rc::gen::container<std::vector<std::string>>(
          4, rc::gen::weightedElement<std::string>({{8, "1"}, {8, "255"}, {4, "0"}, {1, "01"},
                                                    {1, "256"}})),
      [](const std::vector<std::string>& octets) { return join(octets, "."); });
  const auto ipv6 = rc::gen::map(
      rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(rc::gen::weightedElement<std::string>(
          {{4, "0"}, {4, "1"}, {4, "ffff"}, {4, "DB8"}, {2, ""}, {1, "127.0.0.1"}}))),
      [](const std::vector<std::string>& groups) { return "[" + join(groups, ":") + "]"; });
  return rc::gen::weightedOneOf<std::string>({{6, name}, {2, ipv4}, {2, ipv6}});
}

// A rejected entry gets a message that names it. An accepted one prints
// back to an entry that parses to the same rule, and a non-wildcard rule
// allows its own host and port.
RC_GTEST_PROP(EgressProperty, ParseRoundTripsOrNamesEntry, ()) {
  const std::string entry =
      *arbitrary_host() + ":" + std::to_string(*rc::gen::inRange(0, 70'000));
  const auto rule = EgressRule::parse(entry);
  RC_CLASSIFY(rule.ok(), "accepted");
  if (!rule.ok()) {
    RC_ASSERT(rule.error().starts_with("dns_allow entry \"" + entry + "\""));
    return;
  }
  const auto again = EgressRule::parse(rule->text());
  RC_ASSERT(again.ok());
  RC_ASSERT(*again == *rule);
  if (!rule->is_wildcard()) RC_ASSERT(rule->matches(rule->host(), rule->port()));
}

RC_GTEST_PROP(EgressProperty, WildcardNeverMatchesBareDomain, ()) {
  const std::string label = *rc::gen::nonEmpty(
      rc::gen::container<std::string>(rc::gen::elementOf(std::string("abz09-_"))));
  const auto rule = EgressRule::parse("*." + label + ".test:443");
  RC_PRE(rule.ok());
  RC_ASSERT(!rule->matches(label + ".test", 443));
  RC_ASSERT(rule->matches("x." + label + ".test", 443));
  RC_ASSERT(!rule->matches("x" + label + ".test", 443));
}

}  // namespace
}  // namespace nucleus::policy
