// Helpers shared by the verbs that talk to a nucleus-node.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/node_client.h"
#include "common/result.h"

namespace nucleus::cli {

// Writes "nucleus: error: MESSAGE" to `err` and returns `status`.
int report_failure(std::ostream& err, const std::string& message, int status);

// Sends `request` and returns the response when its status is 2xx. Errors
// are the transport failure or the node's error via describe_failure.
Result<HttpResponse> call_node(const NodeClient& client, const HttpRequest& request);

// Same, then parses the body as a JSON object.
Result<nlohmann::json> call_node_json(const NodeClient& client, const HttpRequest& request);

// Whether approval `approval_id` of pod `pod_id` is still pending, from
// GET /v1/pods/{id}/approvals with the agent token.
Result<bool> approval_pending(const NodeClient& client, const std::string& pod_id, const std::string& approval_id);

// Returns "/v1/pods/ID" with the id percent-encoded.
std::string pod_path(const std::string& pod_id);

}  // namespace nucleus::cli
