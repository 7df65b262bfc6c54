#include "cli/node_call.h"

#include <ostream>

#include <fmt/format.h>

namespace nucleus::cli {

int report_failure(std::ostream& err, const std::string& message, int status) {
  err << "nucleus: error: " << message << "\n";
  return status;
}

Result<HttpResponse> call_node(const NodeClient& client, const HttpRequest& request) {
  auto response = client.send(request);
  if (!response.ok()) return make_error(response.error());
  if (response->status < 200 || response->status > 299) {
    return make_error(client.describe_failure(*response, request.role));
  }
  return response;
}

Result<nlohmann::json> call_node_json(const NodeClient& client, const HttpRequest& request) {
  auto response = call_node(client, request);
  if (!response.ok()) return make_error(response.error());
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (!parsed.is_object()) {
    return make_error(fmt::format("the node returned a body that is not a JSON object for {} {}",
                                  request.method, request.path));
  }
  return parsed;
}

std::string pod_path(const std::string& pod_id) { return "/v1/pods/" + path_segment(pod_id); }

Result<bool> approval_pending(const NodeClient& client, const std::string& pod_id, const std::string& approval_id) {
  auto listed = call_node_json(client, {"GET", pod_path(pod_id) + "/approvals", "", "", TokenRole::agent});
  if (!listed.ok()) return make_error(listed.error());
  for (const nlohmann::json& approval : listed->value("approvals", nlohmann::json::array())) {
    if (approval.value("approval_id", "") == approval_id) return true;
  }
  return false;
}

}  // namespace nucleus::cli
