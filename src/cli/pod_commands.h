// The `nucleus pods create|list|get|logs|delete|cancel` verbs against a
// nucleus-node. Each returns a process exit status (see app.h): 0 on
// success, 1 when the node or the transport fails, 2 for bad local input,
// in which case nothing is sent to the node.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/node_client.h"

namespace nucleus::cli {

struct CreatePodRequest {
  std::string spec_file;  // YAML, or JSON when the name ends in .json
  std::optional<std::string> workspace_dir;
  // How long to wait for the pod to reach phase running before uploading
  // the workspace.
  std::chrono::milliseconds running_timeout{std::chrono::seconds(120)};
  std::chrono::milliseconds poll_interval{200};
  // Checked between polls; true stops the wait with an error.
  std::function<bool()> interrupted;
};

// Reads a spec file, refusing a missing, unreadable or empty one.
Result<std::string> read_spec_file(const std::string& path);

// application/json for a *.json file, else application/yaml.
std::string spec_content_type(const std::string& path);

bool is_final_phase(const std::string& phase);

// Polls the pod until its phase is running. Returns an error when the pod
// reaches a final phase or request.running_timeout passes.
Result<bool> wait_until_running(const NodeClient& client, const std::string& pod_id, const CreatePodRequest& request);

int run_pods_create(const NodeClient& client, const CreatePodRequest& request, std::ostream& out,
                    std::ostream& err);

// Table with columns ID NAME PHASE AGE BUDGET, or the node's JSON.
int run_pods_list(const NodeClient& client, bool json, std::ostream& out, std::ostream& err);

// The pod's status as indented JSON.
int run_pods_get(const NodeClient& client, const std::string& pod_id, std::ostream& out, std::ostream& err);

// Copies the pod's log to `out` as it arrives. With `follow`, the node keeps
// sending until the pod ends.
int run_pods_logs(const NodeClient& client, const std::string& pod_id, bool follow, std::ostream& out,
                  std::ostream& err);

int run_pods_delete(const NodeClient& client, const std::string& pod_id, std::ostream& out, std::ostream& err);

int run_pods_cancel(const NodeClient& client, const std::string& pod_id, std::ostream& out, std::ostream& err);

// Returns "5s", "3m", "2h" or "4d" for the time since `rfc3339`, or "?"
// when it does not parse.
std::string format_age(const std::string& rfc3339, std::chrono::system_clock::time_point now);

}  // namespace nucleus::cli
