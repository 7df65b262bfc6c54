// Tool calls and approvals of a running pod, through its tool proxy.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/metrics.h"
#include "node/pod_manager.h"
#include "node/tool_reply.h"

namespace nucleus::node {

// POST /v1/pods/{id}/tools/{tool}: sends a `call` (with "wait": false when
// `wait` is false, and the approval id of an approved earlier call when
// `approval_id` is not empty), records the metric and logs denied calls.
HttpReply call_tool(PodManager& pods, Metrics& metrics, const std::string& id, const std::string& tool,
                    const nlohmann::json& args, bool wait, const std::string& approval_id);

// POST /v1/pods/{id}/tools/{tool} without wait=false: calls with "wait":
// false and, when the call needs approval, waits here for the decision
// (checking every 250 ms, for at most kToolRouteWait) and then makes the
// approved call. Only a call that waits takes a wait slot (wait_slots.h);
// when none is free, the approval is withdrawn and the reply is 503
// too_many_waiting_calls. After kToolRouteWait the 202 reply is returned,
// and the client can call again with its approval id.
inline constexpr std::chrono::seconds kToolRouteWait{300};
HttpReply call_tool_and_wait(PodManager& pods, Metrics& metrics, const std::string& id, const std::string& tool,
                             const nlohmann::json& args, const std::string& approval_id);

// GET /v1/pods/{id}/approvals: the proxy's pending approvals in the API's
// shape {"approval_id","tool","operation","args","reason","created","expires"}.
HttpReply list_approvals(PodManager& pods, const std::string& id);

// Whether approval `approval_id` of pod `id` is still pending. Errors: the
// approvals cannot be listed (the pod does not run).
Result<bool> approval_pending(PodManager& pods, const std::string& id, const std::string& approval_id);

// POST /v1/pods/{id}/approvals/{approval_id}: signs a token for `decision`
// ("approve" or "deny") with the approver key the driver wrote into the
// sandbox's run directory and sends approvals.decide.
HttpReply decide_approval(PodManager& pods, const std::string& id, const std::string& approval_id,
                          const std::string& decision);

// POST /v1/pods/{id}/approvals/{approval_id}/withdraw: sends
// approvals.withdraw, which denies a pending approval on the agent's
// behalf (no approver key needed, as it can only prevent a call). 404
// approval_not_found, 409 approval_not_pending.
HttpReply withdraw_approval(PodManager& pods, const std::string& id, const std::string& approval_id);

// The proxy's `status` result of a running pod, or nullopt.
std::optional<nlohmann::json> query_status(PodManager& pods, const std::string& id);

}  // namespace nucleus::node
