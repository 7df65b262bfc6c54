// The approval loop of `nucleus run`: a thread that polls a pod's pending
// approvals while the agent runs and, for each new one, either asks on the
// terminal (run_approve) or prints how to decide it.
#pragma once

#include <atomic>
#include <chrono>
#include <iosfwd>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cli/approve_command.h"
#include "cli/node_client.h"

namespace nucleus::cli {

class ApprovalWatcher {
 public:
  // `prompt` false: only print a notice per approval. `err` receives boxes,
  // notices and failures; it must outlive stop().
  ApprovalWatcher(const NodeClient& client, std::string pod_id, bool prompt, AnswerSource answers, std::ostream& err,
                  std::chrono::milliseconds poll);
  ~ApprovalWatcher();
  ApprovalWatcher(const ApprovalWatcher&) = delete;
  ApprovalWatcher& operator=(const ApprovalWatcher&) = delete;

  void start();
  void stop();  // waits for a prompt in progress to be answered

 private:
  void loop();
  void handle(const std::string& approval_id);

  const NodeClient& client_;
  std::string pod_id_;
  bool prompt_;
  AnswerSource answers_;
  std::ostream& err_;
  std::chrono::milliseconds poll_;
  std::atomic<bool> stopping_{false};
  std::set<std::string> seen_;
  std::thread thread_;
};

// Whether there is a terminal to ask on: stdin is one, or /dev/tty opens.
bool has_terminal();

}  // namespace nucleus::cli
