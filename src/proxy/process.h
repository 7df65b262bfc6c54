// Running one child process to completion under supervision. The caller
// sets the exact argv, cwd and environment, and optionally an unprivileged
// user to drop to. Stdin comes from memory, both output streams are
// captured concurrently up to a cap, and a timeout kills the child's whole
// process group.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "sandbox/confinement.h"

namespace nucleus::proxy {

// The unprivileged user a child runs as.
struct Credentials {
  uid_t uid = 65534;
  gid_t gid = 65534;
};

struct ProcessSpec {
  // argv[0] names the program. Without a '/', it is looked up in the PATH
  // entry of `env` (not the proxy's own PATH), as execvp would.
  std::vector<std::string> argv;
  // Absolute path of an existing directory. The child changes into it after
  // the user drop, so the target user needs search permission on it.
  std::string cwd;
  // The child's entire environment as NAME=value entries. Nothing from the
  // proxy's environment is inherited.
  std::vector<std::string> env;
  // Drop to this user before exec: setgroups(0), setresgid, setresuid, then
  // a check that the ids took effect. Needs CAP_SETUID and CAP_SETGID.
  std::optional<Credentials> run_as;
  // Fed to the child's standard input, which then reads end of file.
  std::string stdin_data;
  std::chrono::milliseconds timeout{120'000};
  // After the timeout, the process group gets SIGTERM, then SIGKILL once
  // this grace period has passed.
  std::chrono::milliseconds kill_grace{2'000};
  // Bytes kept of each of stdout and stderr. Output past the cap is read
  // and discarded, so the child never blocks on a full pipe.
  std::size_t max_output_bytes = 1024 * 1024;
  // PR_SET_NO_NEW_PRIVS: set-user-ID programs and file capabilities give
  // the child nothing.
  bool no_new_privs = true;
  // Kernel confinement applied in the child: capabilities dropped around
  // the user drop, then no_new_privs (regardless of no_new_privs above),
  // Landlock and seccomp right before execve. Not owned; it must outlive
  // the call. nullptr runs the child unconfined.
  const sandbox::Confinement* confinement = nullptr;
};

struct ProcessResult {
  // Exactly one of exit_code and signal is set.
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  // The timeout expired and the process group was killed.
  bool timed_out = false;
  std::chrono::milliseconds duration{0};
};

// Runs `spec` and waits for the child to exit. The child is a session and
// process group leader with every descriptor above 2 closed and
// PR_SET_PDEATHSIG=SIGKILL, so it dies if the calling thread exits first.
// When the child exits, whatever is left in its process group is killed
// too: a command cannot leave background processes running. A process that
// calls setsid() itself leaves the group and escapes that cleanup; see
// kill_all_processes_of for the sweep the run tool does in a sandbox.
//
// The calling process must not set SIGCHLD to SIG_IGN, because the kernel
// would then reap the child before run_process can (waitpid fails with
// ECHILD).
//
// Errors (invalid spec, a failed pipe or fork, or a failed step in the
// child before exec such as chdir or execve of a missing program) name the
// call, its argument and the errno text. A program that runs and fails is
// not an error: its exit code or signal is in the result.
Result<ProcessResult> run_process(const ProcessSpec& spec);

// SIGKILL to every process the given user may signal, sent by a forked
// child that drops to that user and calls kill(-1, SIGKILL). The kernel
// walks the process list under a lock that fork() also takes, so a fork
// loop cannot outrun it. Only safe inside a pid namespace of the sandbox's
// own: on a host it would kill every process of that user. Returns an
// error naming the failed step.
Result<bool> kill_all_processes_of(const Credentials& user);

}  // namespace nucleus::proxy
