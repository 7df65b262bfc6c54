// The node's Prometheus metrics (text exposition format 0.0.4):
//   nucleus_pods{phase}                      gauge, filled in at scrape time
//   nucleus_tool_calls_total{tool,decision}  counter
//   nucleus_tool_call_seconds                histogram of tool call latency
//   nucleus_approvals_pending                gauge, filled in at scrape time
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace nucleus::node {

class Metrics {
 public:
  void record_call(const std::string& tool, const std::string& decision, std::chrono::duration<double> elapsed);

  // Renders every metric; `pods_by_phase` and `approvals_pending` are the
  // current gauge values.
  std::string render(const std::map<std::string, std::uint64_t>& pods_by_phase, std::uint64_t approvals_pending) const;

 private:
  // Upper bounds in seconds of the histogram buckets, before +Inf.
  static constexpr std::array<double, 10> kBuckets = {0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60};

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> calls_;  // guarded by mutex_
  std::array<std::uint64_t, kBuckets.size()> bucket_counts_{};          // guarded by mutex_
  std::uint64_t call_count_ = 0;                                         // guarded by mutex_
  double call_seconds_sum_ = 0;                                          // guarded by mutex_
};

}  // namespace nucleus::node
