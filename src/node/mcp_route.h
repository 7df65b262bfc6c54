// The streamable HTTP transport of MCP 2025-06-18 at /v1/pods/{id}/mcp.
//
// POST carries one JSON-RPC message. initialize opens a session and
// returns its Mcp-Session-Id; every later message must carry that header
// (400 without it, 404 for an unknown or closed session). Notifications and
// responses get 202. A tools/call from a client that accepts
// text/event-stream is answered as an event stream, so that progress and
// logging notifications reach it while the call waits for an approval;
// every other request gets one application/json response. GET answers 405
// (the node starts no server-to-client stream) and DELETE closes the
// session. Requests with an Origin header that is not a loopback origin get
// 403, against DNS rebinding from browsers.
#pragma once

#include <httplib.h>

#include "node/mcp_sessions.h"

namespace nucleus::node {

// `sessions` must outlive the server.
void install_mcp_routes(httplib::Server& server, PodManager& pods, McpSessions& sessions);

// Whether an Origin header value may use the endpoint: empty (not a
// browser), or http(s) on localhost, 127.0.0.0/8 or [::1].
bool is_allowed_origin(const std::string& origin);

}  // namespace nucleus::node
