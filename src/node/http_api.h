// The node's HTTP API (routes, authentication, body limits and error
// bodies) on a cpp-httplib server. The contract is the node API document
// shared with the CLI; every error body is {"error": {"code", "message"}}.
#pragma once

#include <cstddef>
#include <string>

#include <httplib.h>

#include "node/metrics.h"
#include "node/pod_manager.h"
#include "node/pod_tokens.h"
#include "node/tokens.h"

namespace nucleus::node {

struct HttpApiOptions {
  NodeTokens tokens;
  PodTokens* pod_tokens = nullptr;  // must outlive the server
  std::string driver_name;
  std::string state_dir;  // named in 401 messages
  std::size_t max_workspace_bytes = 1ULL << 30;
};

// Registers every route and the authentication, size and error handlers.
// `pods` and `metrics` must outlive the server.
void install_routes(httplib::Server& server, PodManager& pods, Metrics& metrics, const HttpApiOptions& options);

// The token a route needs: none (health), agent (everything else that
// changes state), approver (deciding approvals) or either (reading).
enum class RouteAccess { open, agent, approver, read };

RouteAccess route_access(const std::string& method, const std::string& path);

// The status and error a request with `role` gets on a route needing
// `access`, or 0 when it may proceed.
int access_status(RouteAccess access, Role role);

}  // namespace nucleus::node
