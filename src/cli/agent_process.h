// Running the agent command of `nucleus run` on the host: in a given
// working directory, with the node's credentials taken out of its
// environment and the MCP variables put in.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace nucleus::cli {

inline constexpr long kAgentKillDelaySeconds = 10;

struct AgentLaunch {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::string cwd;
  std::map<std::string, std::string> set_env;
  std::vector<std::string> unset_env;
};

// Starts the agent and waits for it. While it runs, SIGINT and SIGQUIT are
// ignored here (the terminal sends them to the agent too), and SIGTERM and
// SIGHUP are passed on to the agent, so that `nucleus run` outlives it and
// cleans up. An agent still alive kAgentKillDelaySeconds after a passed-on
// signal gets SIGKILL. Returns its exit status, or 128 + the signal that
// killed it.
// Errors: the program cannot be found or started.
Result<int> run_agent_process(const AgentLaunch& launch);

// The program `name` would run: an existing executable file when `name`
// contains '/', else the first executable of that name in $PATH. Errors
// say which was tried.
Result<std::string> find_program(const std::string& name);

}  // namespace nucleus::cli
