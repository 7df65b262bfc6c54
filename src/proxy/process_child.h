// The forked child's side of run_process, from fork to execve, and the
// report it sends back when a step before execve fails. Internal to
// process.cpp.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "proxy/process.h"

namespace nucleus::proxy::child {

// The steps the child takes between fork and exec. When one fails the child
// sends a Report through the report pipe and exits with status 127.
enum class Step : int {
  reset_signals,
  setsid,
  dup2,
  ruleset_fd,    // moving the Landlock ruleset descriptor to 4
  cap_ambient,   // confinement: clearing the ambient capabilities
  cap_bounding,  // confinement: emptying the bounding set
  setgroups,
  setresgid,
  setresuid,
  verify_ids,
  pdeathsig,
  parent_exited,
  no_new_privs,
  capset,    // confinement: clearing the capability sets
  landlock,  // confinement: landlock_restrict_self
  seccomp,   // confinement: installing the seccomp filter
  chdir,
  close_range,
  execve,
};

struct Report {
  Step step;
  int error;  // errno value
};

// Everything the child touches, built before fork: after fork in a
// multithreaded process the child may only make async-signal-safe calls,
// so it must not allocate.
struct Plan {
  std::vector<std::string> candidates;  // paths to try with execve, in order
  std::vector<char*> argv;              // null-terminated
  std::vector<char*> envp;              // null-terminated
  const char* cwd = nullptr;
  std::optional<Credentials> run_as;
  bool no_new_privs = true;
  const sandbox::Confinement* confinement = nullptr;
  pid_t parent_pid = 0;
  // Descriptors above 2, all O_CLOEXEC.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;
};

// Sets up the process as ProcessSpec describes and execs the program. On
// any failure it writes a Report to plan.report_fd and calls _exit(127).
// Call only in the child right after fork.
[[noreturn]] void run(const Plan& plan);

// The error message for a child's report, naming the call and argument.
std::string describe(const Report& report, const ProcessSpec& spec);

}  // namespace nucleus::proxy::child
