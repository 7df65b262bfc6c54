// Host name resolution for one pod, pinned for the pod's lifetime.
//
// The first address a name resolves to is stored and returned for every
// later lookup of that name, so a DNS answer that changes between the
// decision and a later connection (DNS rebinding) cannot move the pod to
// another address. A static table maps names to addresses before any DNS
// lookup, like curl's --resolve, so tests and operators can point names at
// chosen addresses without /etc/hosts. Addresses from the table pass through
// the same special-range check as DNS answers.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "egress/address.h"

namespace nucleus::egress {

// Lowercase names without trailing dot, mapped to the address to use.
using StaticHosts = std::map<std::string, IpAddress>;

// Parses "name=address" (address in any notation parse_ip_literal accepts)
// and adds it to `hosts`, replacing an earlier entry for the same name.
Result<bool> add_static_host(StaticHosts& hosts, std::string_view entry);

class PinnedResolver {
 public:
  // `max_names` bounds the pinned names, since wildcard entries allow
  // unlimited subdomains.
  explicit PinnedResolver(StaticHosts static_hosts, std::size_t max_names = 4096);

  // Returns the pinned address of `host` (case-insensitive, one trailing
  // dot ignored), resolving it on first use: the static table first, then
  // getaddrinfo, whose first result is pinned. getaddrinfo blocks for as
  // long as the system resolver takes. Thread-safe.
  Result<IpAddress> resolve(std::string_view host);

 private:
  const StaticHosts static_hosts_;
  const std::size_t max_names_;
  std::mutex mutex_;
  std::map<std::string, IpAddress> pinned_;
};

}  // namespace nucleus::egress
