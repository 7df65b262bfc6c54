// Bearer tokens of the node's HTTP API. The agent token allows everything
// except deciding approvals; the approver token allows deciding approvals
// and reading. Tokens come from NUCLEUS_NODE_TOKEN and
// NUCLEUS_NODE_APPROVER_TOKEN or, when unset, from STATE_DIR/tokens/agent
// and STATE_DIR/tokens/approver, which are generated (32 random bytes as
// hex, mode 0600) on first start.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nucleus::node {

enum class Role { none, agent, approver };

struct NodeTokens {
  std::string agent;
  std::string approver;
};

// Loads each token from `from_environment` when set, else from its file
// under `state_dir`/tokens, creating the file when missing. Fails when a
// token file is not a private regular file, when it is empty, or when the
// two tokens are equal (the agent must not hold the approver's token).
Result<NodeTokens> load_or_create_tokens(const std::string& state_dir, const std::optional<std::string>& agent_env,
                                         const std::optional<std::string>& approver_env);

// 32 bytes from the OpenSSL CSPRNG, as 64 lowercase hex digits.
Result<std::string> generate_token();

// The role an Authorization header value grants: "Bearer TOKEN" with TOKEN
// equal to one of the tokens. Compares in constant time (CRYPTO_memcmp).
Role authorize(std::string_view authorization_header, const NodeTokens& tokens);

}  // namespace nucleus::node
