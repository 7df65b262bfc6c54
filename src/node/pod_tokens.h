// Pod tokens: bearer tokens scoped to one pod, for agents. `nucleus run`
// hands an agent its pod's token instead of the node's agent token, so the
// agent can use its own pod's tools but cannot create pods, touch other
// pods or read their logs.
//
// A pod token opens only these routes of its own pod: GET /v1/pods/{id},
// POST /v1/pods/{id}/tools/{tool}, GET /v1/pods/{id}/approvals,
// POST /v1/pods/{id}/approvals/{approval_id}/withdraw and
// /v1/pods/{id}/mcp. The node keeps the SHA-256 of each token, in memory
// and in the pod's directory (mode 0600), so tokens survive a restart and
// the token itself is never stored.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nucleus::node {

class PodTokens {
 public:
  explicit PodTokens(std::string pods_dir) : pods_dir_(std::move(pods_dir)) {}

  // Creates the token of pod `pod_id` and records its digest in
  // PODS_DIR/{id}/pod-token.sha256. Replaces an earlier one.
  Result<std::string> issue(const std::string& pod_id);

  // Reads the digest file of a pod recovered after a restart; a pod
  // without one simply has no pod token.
  void load(const std::string& pod_id);

  void revoke(const std::string& pod_id);

  // The pod whose token `token` is, or nullopt.
  std::optional<std::string> pod_of(std::string_view token) const;

 private:
  std::string pods_dir_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> pod_by_digest_;
};

// Whether a pod token of `pod_id` may use `method` on `path`.
bool pod_token_allows(const std::string& pod_id, const std::string& method, const std::string& path);

}  // namespace nucleus::node
