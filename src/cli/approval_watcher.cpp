#include "cli/approval_watcher.h"

#include <fcntl.h>
#include <unistd.h>

#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/node_call.h"
#include "common/unique_fd.h"

namespace nucleus::cli {

using nlohmann::json;

bool has_terminal() {
  if (::isatty(STDIN_FILENO) != 0) return true;
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  return static_cast<bool>(tty);
}

ApprovalWatcher::ApprovalWatcher(const NodeClient& client, std::string pod_id, bool prompt, AnswerSource answers,
                                 std::ostream& err, std::chrono::milliseconds poll)
    : client_(client), pod_id_(std::move(pod_id)), prompt_(prompt), answers_(std::move(answers)), err_(err),
      poll_(poll) {}

ApprovalWatcher::~ApprovalWatcher() { stop(); }

void ApprovalWatcher::start() { thread_ = std::thread([this] { loop(); }); }

void ApprovalWatcher::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void ApprovalWatcher::loop() {
  bool reported_failure = false;
  while (!stopping_) {
    auto listed = call_node_json(client_, {"GET", pod_path(pod_id_) + "/approvals", "", "", TokenRole::agent});
    if (!listed.ok()) {
      if (!reported_failure) err_ << "nucleus: cannot list approvals: " << listed.error() << "\n";
      reported_failure = true;
    } else {
      reported_failure = false;
      for (const json& approval : listed->value("approvals", json::array())) {
        const std::string id = approval.value("approval_id", "");
        if (id.empty() || !seen_.insert(id).second) continue;
        handle(id);
        if (stopping_) return;
      }
    }
    std::this_thread::sleep_for(poll_);
  }
}

void ApprovalWatcher::handle(const std::string& approval_id) {
  if (!prompt_) {
    err_ << fmt::format("nucleus: the agent waits for approval {}; decide it with: nucleus approve {} {} "
                        "(on a terminal, or add --yes or --deny)\n",
                        approval_id, pod_id_, approval_id);
    err_.flush();
    return;
  }
  const int status = run_approve(client_, {pod_id_, approval_id, ApprovalMode::ask}, answers_, err_, err_);
  if (status == 0) return;
  // NOTE: the prompt cannot be taken back once shown, so an approval the
  // agent withdrew while the box was up is only reported afterwards.
  auto pending = approval_pending(client_, pod_id_, approval_id);
  if (pending.ok() && !*pending) {
    err_ << fmt::format("nucleus: approval {} was withdrawn or expired before the answer arrived; the answer was "
                        "not used\n",
                        approval_id);
  } else {
    err_ << fmt::format("nucleus: approval {} was not decided here (exit {})\n", approval_id, status);
  }
  err_.flush();
}

}  // namespace nucleus::cli
