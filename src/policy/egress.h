// Egress allowlist entries (spec.network.dns_allow): "host:port" pairs that
// the node's egress proxy may connect to on a pod's behalf.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nucleus::policy {

class EgressRule {
 public:
  // Parse "host:port", "*.example.com:443" or "[::1]:8080". Host names are
  // lowercased and lose one trailing dot. The port must be 1..65535. A
  // leading "*." matches subdomains only, never the bare domain. IPv6
  // literals must be bracketed. Rejects empty hosts, missing ports, stray
  // wildcards ("a.*.com", "*"), whitespace, NUL and non-ASCII bytes.
  static Result<EgressRule> parse(std::string_view text);

  // True when a connection to host:port is allowed by this entry. `host`
  // is compared case-insensitively with one trailing dot removed.
  bool matches(std::string_view host, std::uint16_t port) const;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  bool is_wildcard() const { return host_.starts_with("*."); }

  // Canonical "host:port" text ("[::1]:8080" for IPv6).
  std::string text() const;

  friend auto operator<=>(const EgressRule&, const EgressRule&) = default;

 private:
  EgressRule(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}
  std::string host_;
  std::uint16_t port_ = 0;
};

}  // namespace nucleus::policy
