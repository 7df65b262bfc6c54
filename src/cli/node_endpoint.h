// Resolution of the nucleus-node URL and the bearer tokens the CLI sends.
//
// Precedence, first match wins:
//   URL:            --node, NUCLEUS_NODE_URL, http://127.0.0.1:8080
//   agent token:    --token, NUCLEUS_NODE_TOKEN, STATE_DIR/tokens/agent
//   approver token: --approver-token, NUCLEUS_NODE_APPROVER_TOKEN,
//                   STATE_DIR/tokens/approver
// STATE_DIR is $NUCLEUS_NODE_STATE_DIR or /var/lib/nucleus. A token file is
// used only when it is readable. Surrounding whitespace is trimmed.
#pragma once

#include <optional>
#include <string>

namespace nucleus::cli {

inline constexpr const char* kDefaultNodeUrl = "http://127.0.0.1:8080";
inline constexpr const char* kDefaultNodeStateDir = "/var/lib/nucleus";

// Values given on the command line; empty optionals were not given.
struct NodeFlags {
  std::optional<std::string> url;
  std::optional<std::string> token;
  std::optional<std::string> approver_token;
};

struct NodeEndpoint {
  std::string url;  // without a trailing '/'
  std::string token;  // empty when none was found
  // Origin of `token` for messages: "--token", "NUCLEUS_NODE_TOKEN", a file
  // path, or the list of places searched when none was found.
  std::string token_source;
  std::string approver_token;
  std::string approver_token_source;
};

NodeEndpoint resolve_node_endpoint(const NodeFlags& flags);

}  // namespace nucleus::cli
