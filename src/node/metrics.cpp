#include "node/metrics.h"

#include <fmt/format.h>

namespace nucleus::node {

void Metrics::record_call(const std::string& tool, const std::string& decision,
                          std::chrono::duration<double> elapsed) {
  std::lock_guard guard(mutex_);
  ++calls_[{tool, decision}];
  ++call_count_;
  call_seconds_sum_ += elapsed.count();
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (elapsed.count() <= kBuckets[i]) ++bucket_counts_[i];
  }
}

std::string Metrics::render(const std::map<std::string, std::uint64_t>& pods_by_phase,
                            std::uint64_t approvals_pending) const {
  std::string out;
  out += "# HELP nucleus_pods Pods known to this node, by phase.\n# TYPE nucleus_pods gauge\n";
  for (const auto& [phase, count] : pods_by_phase) out += fmt::format("nucleus_pods{{phase=\"{}\"}} {}\n", phase, count);

  std::lock_guard guard(mutex_);
  out += "# HELP nucleus_tool_calls_total Tool calls through the node, by tool and decision.\n"
         "# TYPE nucleus_tool_calls_total counter\n";
  for (const auto& [key, count] : calls_) {
    out += fmt::format("nucleus_tool_calls_total{{tool=\"{}\",decision=\"{}\"}} {}\n", key.first, key.second, count);
  }
  out += "# HELP nucleus_tool_call_seconds Time from request to the tool proxy's reply.\n"
         "# TYPE nucleus_tool_call_seconds histogram\n";
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    out += fmt::format("nucleus_tool_call_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[i], bucket_counts_[i]);
  }
  out += fmt::format("nucleus_tool_call_seconds_bucket{{le=\"+Inf\"}} {}\n", call_count_);
  out += fmt::format("nucleus_tool_call_seconds_sum {}\n", call_seconds_sum_);
  out += fmt::format("nucleus_tool_call_seconds_count {}\n", call_count_);
  out += "# HELP nucleus_approvals_pending Approvals waiting for a decision on running pods.\n"
         "# TYPE nucleus_approvals_pending gauge\n";
  out += fmt::format("nucleus_approvals_pending {}\n", approvals_pending);
  return out;
}

}  // namespace nucleus::node
