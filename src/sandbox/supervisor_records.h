// The records a sandbox's supervisor leaves in the sandbox directory:
// supervisor.json while it runs (who it is, who the sandbox's init is) and
// exit.json once the sandbox has ended (how and why). Both are replaced
// atomically (write, then rename), so a reader sees a whole record or
// none. They are not fsynced: they describe processes, and a host crash
// ends those anyway; adopt() reaps whatever a crash leaves half written.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "sandbox/process_identity.h"

namespace nucleus::sandbox {

struct SupervisorRecord {
  ProcessIdentity supervisor;
  std::optional<ProcessIdentity> init;  // host pid of the sandbox's pid 1
};

struct ExitRecord {
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string reason;
  long oom_kills = 0;
};

Result<bool> write_json_atomically(const std::string& path, const std::string& text);

Result<bool> write_supervisor_record(const std::string& path, const SupervisorRecord& record);
// nullopt when the file does not exist; an error when it is unreadable.
Result<std::optional<SupervisorRecord>> read_supervisor_record(const std::string& path);

Result<bool> write_exit_record(const std::string& path, const ExitRecord& record);
Result<std::optional<ExitRecord>> read_exit_record(const std::string& path);

}  // namespace nucleus::sandbox
