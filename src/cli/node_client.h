// NodeClient: HTTP calls from the CLI to a nucleus-node over libcurl, with
// the bearer token chosen per call. This class handles only HTTP and the
// error shape shared by all routes, {"error": {"code", "message"}}.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "cli/node_endpoint.h"
#include "common/result.h"

namespace nucleus::cli {

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

enum class TokenRole { agent, approver };

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // starts with '/', may carry a query
  std::string body;
  std::string content_type;  // sent only when not empty
  TokenRole role = TokenRole::agent;
};

class NodeClient {
 public:
  explicit NodeClient(NodeEndpoint endpoint);

  const NodeEndpoint& endpoint() const { return endpoint_; }

  // Sends one request and returns the whole response, whatever its status.
  // Errors are transport failures (connection refused, reset, bad URL) and
  // name the node URL and, for a refused connection, how to start a node.
  Result<HttpResponse> send(const HttpRequest& request) const;

  // GETs `path` and passes the body to `sink` as it arrives when the status
  // is 200. Any other status is returned with the body collected instead.
  Result<HttpResponse> stream(const std::string& path, const std::function<void(std::string_view)>& sink) const;

  // Returns one line for a failed response: the node's error message and
  // code, plus where the token came from for a 401.
  std::string describe_failure(const HttpResponse& response, TokenRole role = TokenRole::agent) const;

 private:
  NodeEndpoint endpoint_;
};

// Percent-encodes `text` for use as one path segment.
std::string path_segment(std::string_view text);

}  // namespace nucleus::cli
