// The egress allowlist decision for one requested host:port.
//
// decide() runs before any DNS lookup. An IP literal, in any notation that
// parse_ip_literal accepts, is allowed only when an entry names that exact
// canonical address and port. Entries naming host names never match it. A
// host name is compared case-insensitively with one trailing dot removed,
// and "*.x" matches subdomains of x only (policy::EgressRule::matches). An
// empty rule list allows nothing.
//
// check_resolved_address() runs after a host name was resolved: an
// address in a special range (see classify) is rejected, because an entry
// that names a host name does not name that address.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "egress/address.h"
#include "policy/egress.h"

namespace nucleus::egress {

struct Decision {
  bool allowed = false;
  // The explanation of the outcome, for the log and 403 bodies.
  std::string reason;
  // Set for an allowed IP literal, which is connected to without a lookup.
  std::optional<IpAddress> address;
};

Decision decide(const std::vector<policy::EgressRule>& rules, std::string_view host, std::uint16_t port);

// Precondition: `host` is a host name that decide() allowed.
Decision check_resolved_address(std::string_view host, std::uint16_t port, const IpAddress& address);

}  // namespace nucleus::egress
