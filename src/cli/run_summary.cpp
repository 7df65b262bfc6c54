#include "cli/run_summary.h"

#include <fmt/format.h>

namespace nucleus::cli {

using nlohmann::json;

namespace {

std::string text_of(const json& object, const char* key, const char* fallback) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return fallback;
  return object[key].is_string() ? object[key].get<std::string>() : object[key].dump();
}

}  // namespace

AuditCounts count_audit_records(std::string_view ndjson) {
  AuditCounts counts;
  std::size_t start = 0;
  while (start < ndjson.size()) {
    std::size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) end = ndjson.size();
    const std::string_view line = ndjson.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    const json record = json::parse(line, nullptr, false);
    if (!record.is_object()) {
      ++counts.unreadable_lines;
      continue;
    }
    const std::string event = record.value("event", "");
    const std::string decision = record.value("decision", "");
    if (event == "call" || event == "budget_refused" || event == "time_refused") {
      ++counts.calls;
      if (decision == "allow") ++counts.allowed;
      if (decision == "deny") ++counts.denied;
    } else if (event == "approval_requested") {
      ++counts.approvals_requested;
    } else if (event == "approval_granted") {
      ++counts.approvals_granted;
    } else if (event == "approval_denied") {
      ++counts.approvals_denied;
    } else if (event == "approval_withdrawn") {
      ++counts.approvals_withdrawn;
    }
  }
  return counts;
}

std::string format_run_summary(const std::string& pod_id, const AuditCounts& counts, const json& pod,
                               const json& verify) {
  std::string out = fmt::format("nucleus run summary for pod {}\n", pod_id);
  out += fmt::format("  tool calls  {} ({} ran, {} denied, {} failed)\n", counts.calls, counts.allowed, counts.denied,
                     counts.calls - counts.allowed - counts.denied);
  const std::size_t settled = counts.approvals_granted + counts.approvals_denied + counts.approvals_withdrawn;
  const std::size_t undecided = counts.approvals_requested - std::min(counts.approvals_requested, settled);
  out += fmt::format("  approvals   {} requested, {} granted, {} denied, {} withdrawn, {} undecided\n",
                     counts.approvals_requested, counts.approvals_granted, counts.approvals_denied,
                     counts.approvals_withdrawn, undecided);
  if (pod.is_object()) {
    const json budget = pod.value("budget", json::object());
    const std::string limit = text_of(budget, "max_cost_usd", "");
    out += fmt::format("  budget      ${} spent{}\n", text_of(budget, "spent_usd", "0"),
                       limit.empty() ? std::string(" (no limit)") : " of $" + limit);
    const json usage = pod.value("usage", json::object());
    if (usage.is_object() && !usage.empty()) {
      out += fmt::format("  tokens      {} input, {} output reported\n", text_of(usage, "input_tokens", "0"),
                         text_of(usage, "output_tokens", "0"));
    }
  } else {
    out += "  budget      unknown (the pod's status could not be read)\n";
  }
  if (!verify.is_object()) {
    out += "  audit log   NOT VERIFIED (the node could not be asked)\n";
  } else if (verify.value("ok", false)) {
    out += fmt::format("  audit log   verified: {} records, hash chain and signatures intact\n",
                       text_of(verify, "records", "0"));
  } else {
    out += fmt::format("  audit log   FAILED verification at line {}: {}\n", text_of(verify, "bad_line", "?"),
                       text_of(verify, "problem", "no detail"));
  }
  if (counts.unreadable_lines > 0) out += fmt::format("  note        {} audit lines were not JSON\n", counts.unreadable_lines);
  return out;
}

}  // namespace nucleus::cli
