// Route access rules of the HTTP API.
#include <regex>

#include "node/http_api.h"

namespace nucleus::node {

RouteAccess route_access(const std::string& method, const std::string& path) {
  static const std::regex kDecide(R"(/v1/pods/[^/]+/approvals/[^/]+)");
  if (method == "GET" && path == "/v1/health") return RouteAccess::open;
  if (method == "POST" && std::regex_match(path, kDecide)) return RouteAccess::approver;
  if (method == "GET" || method == "HEAD") return RouteAccess::read;
  return RouteAccess::agent;
}

int access_status(RouteAccess access, Role role) {
  if (access == RouteAccess::open) return 0;
  if (role == Role::none) return 401;
  if (access == RouteAccess::approver && role != Role::approver) return 403;
  if (access == RouteAccess::agent && role != Role::agent) return 403;
  return 0;
}

}  // namespace nucleus::node
