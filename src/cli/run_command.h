// `nucleus run [--profile P | -f SPEC] [--workspace DIR] -- AGENT...`:
// one command that puts an agent inside a pod's envelope.
//
//  1. Checks the input (profile name, spec file, workspace, command)
//     before anything reaches the node.
//  2. Creates the pod, waits until it runs and uploads DIR.
//  3. Writes the MCP configuration (mcp_config.h) with the pod's own token
//     into a private temporary directory and starts the agent there, on
//     the host. The agent's
//     environment loses NUCLEUS_NODE_TOKEN, NUCLEUS_NODE_APPROVER_TOKEN and
//     NUCLEUS_NODE_STATE_DIR and gains NUCLEUS_POD_ID, NUCLEUS_NODE_URL,
//     NUCLEUS_MCP_CONFIG (the plain form), NUCLEUS_MCP_CLAUDE_CONFIG and
//     NUCLEUS_RUN_CWD (the directory `nucleus run` started in).
//  4. While the agent runs, shows each new pending approval in a box and
//     asks on the terminal, as `nucleus approve` does. Without a terminal,
//     or with --no-prompt, it prints how to decide it instead.
//  5. When the agent exits, replaces DIR with the pod's workspace (unless
//     --leave-in-pod, which keeps the workspace and the pod), prints the
//     summary (run_summary.h) and deletes the pod.
//
// Exit status: the agent's (128 + signal when it was killed), 2 for bad
// input (nothing was created), 1 when the node fails or the workspace
// cannot be copied back.
#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/approve_command.h"
#include "cli/node_client.h"

namespace nucleus::cli {

inline constexpr const char* kDefaultRunProfile = "read-only";

struct RunRequest {
  std::optional<std::string> profile;    // default kDefaultRunProfile
  std::optional<std::string> spec_file;  // excludes profile
  std::optional<std::string> workspace_dir;
  bool leave_in_pod = false;
  bool no_prompt = false;
  std::vector<std::string> agent_command;
  std::chrono::milliseconds running_timeout{std::chrono::seconds(120)};
  std::chrono::milliseconds approval_poll{std::chrono::milliseconds(250)};
};

// `answers` is where approval prompts read from; nullopt from it means no
// terminal.
int run_agent_in_pod(const NodeClient& client, const RunRequest& request, const AnswerSource& answers,
                     std::ostream& out, std::ostream& err);

// The pod spec `nucleus run --profile NAME` sends.
std::string profile_pod_spec(const std::string& profile);

}  // namespace nucleus::cli
