// The tool table of a pod: each tool name bound to its operation, how its
// policy target is read from the arguments, its implementation and its
// audit summary.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "proxy/forge_tools.h"
#include "proxy/git_tools.h"
#include "proxy/policy_holder.h"
#include "proxy/run_tool.h"
#include "proxy/tool_proxy.h"
#include "proxy/web_tools.h"
#include "proxy/workspace.h"

namespace nucleus::proxy {

struct ToolSetup {
  std::shared_ptr<const Workspace> workspace;
  RunConfig run;
  GitConfig git;
  WebConfig web;
  ForgeConfig forge;
  std::shared_ptr<const Secret> forge_token;  // may be empty
};

// Build the table for read, write, edit, glob, grep, run, web_fetch,
// web_search, git_commit, git_push and create_pr. Every path and URL check
// inside the tools goes through `policy`, so a tightened policy applies to
// calls already in flight from their next check on.
Result<ToolTable> make_tool_table(ToolSetup setup, std::shared_ptr<PolicyHolder> policy);

}  // namespace nucleus::proxy
