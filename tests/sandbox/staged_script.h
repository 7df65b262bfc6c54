// Probe scripts for sandbox tests. A script is written into the sandbox's
// workspace from the host and run as `sh FILE`, so the tool proxy's command
// policy sees only that command line. The policy rejects many probes on
// its own (command substitution, redirections outside the workspace,
// privilege changes), and these tests are about what the sandbox holds
// when a command gets past it.
#pragma once

#include <string>

namespace nucleus::sandbox::testing {

// Writes `script` to a new file under <host_workspace>/.probes and returns
// the command line that runs it inside, where the workspace is `work_dir`.
// Returns an empty string when the file cannot be written.
std::string stage_script(const std::string& host_workspace, const std::string& work_dir, const std::string& script);

}  // namespace nucleus::sandbox::testing
