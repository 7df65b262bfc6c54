#include "egress/decision.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "egress/resolver.h"

namespace nucleus::egress {
namespace {

std::vector<policy::EgressRule> rules_of(const std::vector<std::string>& entries) {
  std::vector<policy::EgressRule> rules;
  for (const std::string& entry : entries) {
    auto rule = policy::EgressRule::parse(entry);
    EXPECT_TRUE(rule.ok()) << rule.error();
    if (rule) rules.push_back(*rule);
  }
  return rules;
}

struct DecisionCase {
  const char* name;
  std::vector<std::string> entries;
  std::string host;
  std::uint16_t port;
  bool allowed;
  std::string reason_part;
};

void PrintTo(const DecisionCase& c, std::ostream* os) { *os << c.name << ": " << c.host << ":" << c.port; }

class DecisionTable : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(DecisionTable, DecidesWithReason) {
  const DecisionCase& c = GetParam();
  const Decision decision = decide(rules_of(c.entries), c.host, c.port);
  EXPECT_EQ(decision.allowed, c.allowed) << decision.reason;
  EXPECT_NE(decision.reason.find(c.reason_part), std::string::npos) << decision.reason;
}

const DecisionCase kDecisionCases[] = {
    {"NoRules", {}, "example.com", 443, false, "no dns_allow entries"},
    {"ExactName", {"example.com:443"}, "example.com", 443, true, "example.com:443"},
    {"NameUppercase", {"example.com:443"}, "EXAMPLE.Com", 443, true, "example.com:443"},
    {"NameTrailingDot", {"example.com:443"}, "example.com.", 443, true, "example.com:443"},
    {"NameTwoTrailingDots", {"example.com:443"}, "example.com..", 443, false, "no dns_allow entry"},
    {"OtherPort", {"example.com:443"}, "example.com", 80, false, "no dns_allow entry allows example.com:80"},
    {"OtherName", {"example.com:443"}, "example.org", 443, false, "no dns_allow entry"},
    {"SuffixIsNotSubdomain", {"example.com:443"}, "badexample.com", 443, false, "no dns_allow entry"},
    {"Subdomain", {"example.com:443"}, "api.example.com", 443, false, "no dns_allow entry"},
    {"WildcardSubdomain", {"*.example.com:443"}, "api.example.com", 443, true, "*.example.com:443"},
    {"WildcardDeepSubdomain", {"*.example.com:443"}, "a.b.example.com", 443, true, "*.example.com:443"},
    {"WildcardNotBareDomain", {"*.example.com:443"}, "example.com", 443, false, "no dns_allow entry"},
    {"WildcardNotSuffixTrick", {"*.example.com:443"}, "evilexample.com", 443, false, "no dns_allow entry"},
    {"WildcardOtherPort", {"*.example.com:443"}, "api.example.com", 8443, false, "no dns_allow entry"},
    {"WildcardTrailingDot", {"*.example.com:443"}, "API.example.com.", 443, true, "*.example.com:443"},
    {"SecondEntryMatches", {"a.com:1", "b.com:2"}, "b.com", 2, true, "b.com:2"},
    {"IpEntryExact", {"127.0.0.1:8080"}, "127.0.0.1", 8080, true, "names address 127.0.0.1:8080"},
    {"IpEntryShortForm", {"127.0.0.1:8080"}, "127.1", 8080, true, "names address 127.0.0.1:8080"},
    {"IpEntryHexForm", {"127.0.0.1:8080"}, "0x7f000001", 8080, true, "names address"},
    {"IpEntryMappedForm", {"127.0.0.1:8080"}, "::ffff:127.0.0.1", 8080, true, "names address"},
    {"IpEntryOtherPort", {"127.0.0.1:8080"}, "127.0.0.1", 8081, false, "not named by any dns_allow entry"},
    {"IpEntryOtherAddress", {"127.0.0.1:8080"}, "127.0.0.2", 8080, false, "not named"},
    {"IpEntryCompatibleIsOtherAddress", {"127.0.0.1:8080"}, "::127.0.0.1", 8080, false, "not named"},
    {"Ipv6Entry", {"[::1]:8080"}, "::1", 8080, true, "names address [::1]:8080"},
    {"Ipv6EntryBracketedQuery", {"[::1]:8080"}, "[0:0::1]", 8080, true, "names address"},
    {"Ipv6EntryZoneDiffers", {"[fe80::1]:80"}, "fe80::1%eth0", 80, false, "not named"},
    {"NameEntryNeverMatchesIp", {"localhost:8080", "*.example.com:8080"}, "127.0.0.1", 8080, false,
     "entries naming host names never allow IP addresses"},
    {"NameEntryNeverMatchesDecimal", {"localhost:8080"}, "2130706433", 8080, false, "IP address 127.0.0.1:8080"},
    {"NameEntryNeverMatchesOctal", {"localhost:8080"}, "0177.0.0.1", 8080, false, "IP address 127.0.0.1:8080"},
    {"MetadataNotNamed", {"example.com:80"}, "169.254.169.254", 80, false, "not named"},
    {"MetadataNamedExactly", {"169.254.169.254:80"}, "169.254.169.254", 80, true, "names address"},
    {"InvalidNumeric", {"example.com:80"}, "1.2.3.256", 80, false, "looks numeric"},
};

INSTANTIATE_TEST_SUITE_P(Table, DecisionTable, ::testing::ValuesIn(kDecisionCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DecisionLiteral, AllowedLiteralCarriesAddress) {
  const Decision decision = decide(rules_of({"127.0.0.1:80"}), "127.1", 80);
  ASSERT_TRUE(decision.allowed) << decision.reason;
  ASSERT_TRUE(decision.address.has_value());
  EXPECT_EQ(decision.address->text(), "127.0.0.1");
}

TEST(DecisionLiteral, AllowedNameHasNoAddressYet) {
  const Decision decision = decide(rules_of({"a.com:80"}), "a.com", 80);
  ASSERT_TRUE(decision.allowed) << decision.reason;
  EXPECT_FALSE(decision.address.has_value());
}

struct ResolvedCase {
  const char* name;
  std::string address;
  bool allowed;
  std::string reason_part;
};

void PrintTo(const ResolvedCase& c, std::ostream* os) { *os << c.name << ": " << c.address; }

class ResolvedAddressTable : public ::testing::TestWithParam<ResolvedCase> {};

TEST_P(ResolvedAddressTable, RejectsSpecialRanges) {
  const ResolvedCase& c = GetParam();
  const IpLiteral literal = parse_ip_literal(c.address);
  ASSERT_EQ(literal.kind, LiteralKind::ip);
  const Decision decision = check_resolved_address("svc.example", 443, literal.address);
  EXPECT_EQ(decision.allowed, c.allowed) << decision.reason;
  EXPECT_NE(decision.reason.find(c.reason_part), std::string::npos) << decision.reason;
}

const ResolvedCase kResolvedCases[] = {
    {"Public", "93.184.216.34", true, "svc.example resolved to 93.184.216.34"},
    {"PublicIpv6", "2606:4700::1111", true, "resolved to 2606:4700::1111"},
    {"Loopback", "127.0.0.1", false, "127.0.0.1, a special-range address (loopback); only an entry naming 127.0.0.1:443"},
    {"LoopbackIpv6", "::1", false, "special-range address (loopback); only an entry naming [::1]:443"},
    {"Private", "10.0.0.5", false, "special-range address (private)"},
    {"Cgnat", "100.64.1.1", false, "special-range address (private)"},
    {"UniqueLocal", "fd12::1", false, "special-range address (private)"},
    {"LinkLocal", "169.254.3.4", false, "special-range address (link-local)"},
    {"Metadata", "169.254.169.254", false, "special-range address (cloud metadata)"},
    {"MetadataIpv6", "fd00:ec2::254", false, "special-range address (cloud metadata)"},
    {"Unspecified", "0.0.0.0", false, "special-range address (unspecified)"},
    {"Multicast", "239.1.2.3", false, "special-range address (multicast)"},
    {"Broadcast", "255.255.255.255", false, "special-range address (broadcast)"},
    {"Reserved", "240.1.2.3", false, "special-range address (reserved)"},
    {"MappedLoopbackFromDns", "::ffff:127.0.0.1", false, "special-range address (loopback)"},
};

INSTANTIATE_TEST_SUITE_P(Table, ResolvedAddressTable, ::testing::ValuesIn(kResolvedCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PinnedResolver, StaticTableIsCaseInsensitive) {
  StaticHosts hosts;
  ASSERT_TRUE(add_static_host(hosts, "Svc.Test=127.0.0.1").ok());
  PinnedResolver resolver(hosts);
  for (const char* name : {"svc.test", "SVC.TEST", "svc.test."}) {
    const auto address = resolver.resolve(name);
    ASSERT_TRUE(address.ok()) << address.error();
    EXPECT_EQ(address->text(), "127.0.0.1") << name;
  }
}

TEST(PinnedResolver, StaticAddressAcceptsAnyNotation) {
  StaticHosts hosts;
  ASSERT_TRUE(add_static_host(hosts, "a.test=0x7f.1").ok());
  ASSERT_TRUE(add_static_host(hosts, "b.test=[::1]").ok());
  EXPECT_EQ(hosts.at("a.test").text(), "127.0.0.1");
  EXPECT_EQ(hosts.at("b.test").text(), "::1");
}

TEST(PinnedResolver, StaticEntryErrors) {
  StaticHosts hosts;
  const auto no_equals = add_static_host(hosts, "a.test");
  ASSERT_FALSE(no_equals.ok());
  EXPECT_NE(no_equals.error().find("not name=address"), std::string::npos) << no_equals.error();
  const auto bad_address = add_static_host(hosts, "a.test=example.com");
  ASSERT_FALSE(bad_address.ok());
  EXPECT_NE(bad_address.error().find("invalid address"), std::string::npos) << bad_address.error();
}

TEST(PinnedResolver, CapsPinnedNames) {
  StaticHosts hosts;
  ASSERT_TRUE(add_static_host(hosts, "a.test=127.0.0.1").ok());
  ASSERT_TRUE(add_static_host(hosts, "b.test=127.0.0.2").ok());
  PinnedResolver resolver(hosts, 1);
  ASSERT_TRUE(resolver.resolve("a.test").ok());
  const auto second = resolver.resolve("b.test");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("maximum pinned per pod"), std::string::npos) << second.error();
  EXPECT_TRUE(resolver.resolve("a.test").ok()) << "an already pinned name still resolves";
}

TEST(PinnedResolver, SystemLookupOfLocalhostIsLoopback) {
  // "localhost" comes from /etc/hosts on this machine, so no DNS query
  // leaves it.
  PinnedResolver resolver({});
  const auto address = resolver.resolve("localhost");
  ASSERT_TRUE(address.ok()) << address.error();
  EXPECT_EQ(classify(*address), AddressClass::loopback) << address->text();
  const auto again = resolver.resolve("LOCALHOST.");
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(*again, *address) << "the second lookup returns the pinned answer";
}

}  // namespace
}  // namespace nucleus::egress
