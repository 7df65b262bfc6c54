// The egress allowlist decision.
#include "egress/decision.h"

#include <fmt/format.h>

namespace nucleus::egress {
namespace {

Decision rejected(std::string reason) { return Decision{false, std::move(reason), std::nullopt}; }

std::string address_with_port(const IpAddress& address, std::uint16_t port) {
  if (address.family == AddressFamily::ipv6) return fmt::format("[{}]:{}", address.text(), port);
  return fmt::format("{}:{}", address.text(), port);
}

Decision decide_literal(const std::vector<policy::EgressRule>& rules, std::string_view host,
                        const IpAddress& address, std::uint16_t port) {
  for (const policy::EgressRule& rule : rules) {
    if (rule.port() != port) continue;
    const IpLiteral named = parse_ip_literal(rule.host());
    if (named.kind == LiteralKind::ip && named.address == address) {
      return Decision{true, fmt::format("entry {} names address {}", rule.text(), address_with_port(address, port)),
                      address};
    }
  }
  return rejected(fmt::format(
      "IP address {} (from host \"{}\") is not named by any dns_allow entry; entries naming host "
      "names never allow IP addresses",
      address_with_port(address, port), host));
}

}  // namespace

Decision decide(const std::vector<policy::EgressRule>& rules, std::string_view host, std::uint16_t port) {
  if (rules.empty()) return rejected("the pod has no dns_allow entries, so it has no egress");

  const IpLiteral literal = parse_ip_literal(host);
  if (literal.kind == LiteralKind::invalid) {
    return rejected(fmt::format("host \"{}\" looks numeric but {}", host, literal.problem));
  }
  if (literal.kind == LiteralKind::ip) return decide_literal(rules, host, literal.address, port);

  for (const policy::EgressRule& rule : rules) {
    if (rule.matches(host, port)) return Decision{true, fmt::format("allowed by entry {}", rule.text()), std::nullopt};
  }
  return rejected(fmt::format("no dns_allow entry allows {}:{}", host, port));
}

Decision check_resolved_address(std::string_view host, std::uint16_t port, const IpAddress& address) {
  const AddressClass address_class = classify(address);
  if (!is_special(address_class)) {
    return Decision{true, fmt::format("{} resolved to {}", host, address.text()), address};
  }
  return rejected(fmt::format(
      "{} resolved to {}, a special-range address ({}); only an entry naming {} exactly allows it", host,
      address.text(), class_name(address_class), address_with_port(address, port)));
}

}  // namespace nucleus::egress
