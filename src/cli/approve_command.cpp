#include "cli/approve_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/approval_box.h"
#include "cli/node_call.h"
#include "common/unique_fd.h"

namespace nucleus::cli {

namespace {

using nlohmann::json;

std::optional<std::string> read_tty_line(const std::string& prompt) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!tty) return std::nullopt;
  if (::isatty(STDOUT_FILENO) == 0) {
    const ssize_t ignored = ::write(tty.get(), prompt.data(), prompt.size());
    static_cast<void>(ignored);
  }
  std::string line;
  char c = 0;
  while (::read(tty.get(), &c, 1) == 1 && c != '\n') line += c;
  return line;
}

bool is_yes(std::string answer) {
  for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!answer.empty() && (answer.back() == ' ' || answer.back() == '\r')) answer.pop_back();
  return answer == "y" || answer == "yes";
}

struct Choice {
  bool approve = false;
  bool defaulted = false;  // denied because there was no terminal
};

Choice choose(ApprovalMode mode, const std::string& box, const AnswerSource& answers, std::ostream& out,
              std::ostream& err) {
  out << box;
  if (mode != ApprovalMode::ask) return {mode == ApprovalMode::approve, false};
  out.flush();
  const std::optional<std::string> answer = answers(box);
  if (!answer) {
    err << "nucleus: no terminal to ask on, so the operation is denied; pass --yes to approve it or "
           "--deny to deny it without asking\n";
    return {false, true};
  }
  return {is_yes(*answer), false};
}

Result<json> pending_approvals(const NodeClient& client, const ApproveRequest& request, TokenRole role) {
  auto listed = call_node_json(client, {"GET", pod_path(request.pod_id) + "/approvals", "", "", role});
  if (!listed.ok()) return make_error(listed.error());
  json approvals = listed->value("approvals", json::array());
  if (!request.approval_id) return approvals;
  for (const json& approval : approvals) {
    if (approval.value("approval_id", "") == *request.approval_id) return json::array({approval});
  }
  return make_error(fmt::format("pod {} has no pending approval {}", request.pod_id, *request.approval_id));
}

}  // namespace

AnswerSource terminal_answer_source() {
  return [](const std::string& prompt) -> std::optional<std::string> {
    if (::isatty(STDIN_FILENO) != 0) {
      std::string line;
      if (!std::getline(std::cin, line)) return std::nullopt;
      return line;
    }
    return read_tty_line(prompt);
  };
}

int run_approve(const NodeClient& client, const ApproveRequest& request, const AnswerSource& answers,
                std::ostream& out, std::ostream& err) {
  if (client.endpoint().approver_token.empty()) {
    return report_failure(err,
                          fmt::format("no approver token: {}. Deciding approvals needs the approver token, "
                                      "not the agent token",
                                      client.endpoint().approver_token_source),
                          kExitUsage);
  }
  const TokenRole read_role = client.endpoint().token.empty() ? TokenRole::approver : TokenRole::agent;
  auto approvals = pending_approvals(client, request, read_role);
  if (!approvals.ok()) return report_failure(err, approvals.error(), kExitFailure);
  if (approvals->empty()) {
    out << "pod " << request.pod_id << " has no pending approvals\n";
    return kExitOk;
  }
  auto pod = call_node_json(client, {"GET", pod_path(request.pod_id), "", "", read_role});
  if (!pod.ok()) return report_failure(err, pod.error(), kExitFailure);
  const json capabilities = pod->value("capabilities", json::object());

  int status = kExitOk;
  for (const json& approval : *approvals) {
    const std::string approval_id = approval.value("approval_id", "");
    const Choice choice = choose(request.mode, draw_box(approval_box_lines(approval, capabilities)), answers, out, err);
    const std::string decision = choice.approve ? "approve" : "deny";
    auto posted = call_node_json(client, {"POST", pod_path(request.pod_id) + "/approvals/" + path_segment(approval_id),
                                          json{{"decision", decision}}.dump(), "application/json", TokenRole::approver});
    if (!posted.ok()) return report_failure(err, posted.error(), kExitFailure);
    out << fmt::format("{} {}\n", choice.approve ? "approved" : "denied", approval_id);
    if (choice.defaulted) status = kExitDenied;
  }
  return status;
}

}  // namespace nucleus::cli
