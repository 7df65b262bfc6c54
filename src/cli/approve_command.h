// The `nucleus approve POD [APPROVAL_ID] [--yes | --deny]` verb: show each
// pending approval of a pod in a box and post the decision with the
// approver token.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/node_client.h"

namespace nucleus::cli {

enum class ApprovalMode { ask, approve, deny };

// Shows `prompt` where needed and returns the line the operator typed, or
// nullopt when there is no terminal to ask on.
using AnswerSource = std::function<std::optional<std::string>(const std::string& prompt)>;

// Reads from stdin when it is a terminal, else from /dev/tty (writing the
// prompt there first), else returns nullopt.
AnswerSource terminal_answer_source();

struct ApproveRequest {
  std::string pod_id;
  std::optional<std::string> approval_id;  // all pending ones when empty
  ApprovalMode mode = ApprovalMode::ask;
};

// Exit status: 0 when every decision was posted as chosen. 4 when at least
// one was denied because there was no terminal to ask on. 1 when the node
// fails or the named approval is not pending. 2 when there is no approver
// token, and then nothing is sent.
int run_approve(const NodeClient& client, const ApproveRequest& request, const AnswerSource& answers,
                std::ostream& out, std::ostream& err);

}  // namespace nucleus::cli
