// The summary `nucleus run` prints when the agent exits: tool calls,
// denials, approvals, budget spent and the audit log's verification.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nucleus::cli {

struct AuditCounts {
  std::size_t calls = 0;    // tool calls that reached a decision
  std::size_t allowed = 0;  // of which ran
  std::size_t denied = 0;   // of which were refused
  std::size_t approvals_requested = 0;
  std::size_t approvals_granted = 0;
  std::size_t approvals_denied = 0;
  std::size_t approvals_withdrawn = 0;  // the client stopped waiting
  std::size_t unreadable_lines = 0;
};

// Counts the records of an audit log (one JSON object per line). Calls are
// records of events call, budget_refused and time_refused; lines that are
// not JSON objects are counted as unreadable.
AuditCounts count_audit_records(std::string_view ndjson);

// The summary lines. `pod` is GET /v1/pods/{id} (for budget and usage),
// `verify` is GET /v1/pods/{id}/audit/verify; either may be null when it
// could not be fetched, and the summary then states that.
std::string format_run_summary(const std::string& pod_id, const AuditCounts& counts, const nlohmann::json& pod,
                               const nlohmann::json& verify);

}  // namespace nucleus::cli
