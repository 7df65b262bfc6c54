// A pod's record: what GET /v1/pods/{id} returns, kept on disk as
// STATE_DIR/pods/{id}/status.json beside the request body (spec.yaml) so a
// restarted node can find its pods again.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "policy/policy.h"

namespace nucleus::node {

enum class PodPhase { pending, running, succeeded, failed, terminated };

std::string_view to_string(PodPhase phase);
std::optional<PodPhase> parse_pod_phase(std::string_view text);
// succeeded, failed and terminated: the sandbox no longer runs.
bool is_final(PodPhase phase);

struct PodRecord {
  std::string id;
  std::string name;
  PodPhase phase = PodPhase::pending;
  std::string reason;
  std::chrono::system_clock::time_point created;
  std::optional<std::chrono::system_clock::time_point> deadline;
  std::string driver;
  std::string policy_checksum;
  std::string profile;
  std::map<std::string, std::string> capabilities;  // operation -> level, all eleven
  std::string spent_usd = "0";
  std::optional<std::string> max_cost_usd;
  std::string work_dir;
  // Warnings about the create request's body, returned with 201 and not
  // stored.
  std::vector<std::string> create_warnings;
};

// Fills the policy-derived fields (checksum, capabilities, budget cap,
// work dir) from `policy`.
void describe_policy(PodRecord& record, const policy::Policy& policy);

// RFC 3339 UTC text with whole seconds, "2026-12-04T23:33:32Z".
std::string format_rfc3339(std::chrono::system_clock::time_point time);
Result<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& text);

// The PodStatus object of the HTTP API.
nlohmann::json to_json(const PodRecord& record);
Result<PodRecord> pod_record_from_json(const nlohmann::json& value);

// Writes `record` to DIR/status.json through a temporary file, fsync and
// rename, so a reader never sees a half-written status.
Result<bool> write_record(const std::string& dir, const PodRecord& record);
Result<PodRecord> read_record(const std::string& dir);

}  // namespace nucleus::node
