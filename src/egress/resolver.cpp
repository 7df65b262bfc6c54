// Pinned per-pod name resolution.
#include "egress/resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <memory>

namespace nucleus::egress {
namespace {

std::string normalize_name(std::string_view host) {
  std::string name(host);
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (name.ends_with('.')) name.pop_back();
  return name;
}

Result<IpAddress> lookup(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* raw = nullptr;
  const int status = getaddrinfo(name.c_str(), nullptr, &hints, &raw);
  if (status != 0) {
    return make_error("resolving \"" + name + "\" failed: " + gai_strerror(status));
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> answers(raw, freeaddrinfo);
  for (const addrinfo* answer = raw; answer != nullptr; answer = answer->ai_next) {
    if (auto address = IpAddress::from_sockaddr(answer->ai_addr)) return *address;
  }
  return make_error("resolving \"" + name + "\" returned no IPv4 or IPv6 address");
}

}  // namespace

Result<bool> add_static_host(StaticHosts& hosts, std::string_view entry) {
  const std::size_t equals = entry.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return make_error("static host entry \"" + std::string(entry) + "\" is not name=address");
  }
  const IpLiteral literal = parse_ip_literal(entry.substr(equals + 1));
  if (literal.kind != LiteralKind::ip) {
    return make_error("static host entry \"" + std::string(entry) + "\" has an invalid address");
  }
  hosts[normalize_name(entry.substr(0, equals))] = literal.address;
  return true;
}

PinnedResolver::PinnedResolver(StaticHosts static_hosts, std::size_t max_names)
    : static_hosts_(std::move(static_hosts)), max_names_(max_names) {}

Result<IpAddress> PinnedResolver::resolve(std::string_view host) {
  const std::string name = normalize_name(host);
  {
    const std::lock_guard lock(mutex_);
    if (auto pinned = pinned_.find(name); pinned != pinned_.end()) return pinned->second;
    if (pinned_.size() >= max_names_) {
      return make_error("the pod has already resolved " + std::to_string(max_names_) +
                        " names, the maximum pinned per pod");
    }
  }
  Result<IpAddress> address = make_error("");
  if (auto fixed = static_hosts_.find(name); fixed != static_hosts_.end()) {
    address = fixed->second;
  } else {
    address = lookup(name);  // without the lock: getaddrinfo can take seconds
  }
  if (!address) return address;
  const std::lock_guard lock(mutex_);
  // A concurrent lookup of the same name may have pinned first, and then
  // its address wins.
  return pinned_.try_emplace(name, *address).first->second;
}

}  // namespace nucleus::egress
