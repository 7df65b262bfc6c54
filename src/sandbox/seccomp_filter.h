// The seccomp-bpf deny list for sandboxed processes. Everything not on the
// list is allowed. A denied call returns an errno (EPERM, or ENOSYS for
// clone3) instead of killing the program, so programs see an ordinary
// error. A call made through another architecture's syscall table (i386
// through int 0x80, x32 numbers) kills the process.
//
// The filter is built with libseccomp and exported as a plain BPF program
// before fork. Installing it in a forked child is then a single seccomp()
// call that does not allocate and is async-signal-safe.
//
// The argument checks read x86_64 registers: on architectures that order
// clone's arguments differently the clone rule would need another index.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nucleus::sandbox {

// The kind of process a program confines. Both profiles deny the same
// calls, but the supervisor profile is installed on every thread of a
// process at once (SECCOMP_FILTER_FLAG_TSYNC). The deny list must never contain what the
// supervisor needs to start confined commands: setuid, setgid, setgroups,
// prctl, capset, fork and clone without namespace flags, execve, seccomp
// and the landlock calls.
enum class SeccompProfile {
  agent,       // commands run for the agent (run tool, git)
  supervisor,  // the sandbox's init and the tool proxy after setup
};

// The arguments a deny-list entry looks at.
enum class ArgumentMatch {
  any,                // every call
  namespace_flags,    // clone: argument 0 has a CLONE_NEW* flag
  persona_change,     // personality: argument 0 is neither PER_LINUX (0) nor 0xffffffff (query)
  ioctl_request,      // ioctl: argument 1, truncated to 32 bits, is `ioctl_request`
};

struct DeniedSyscall {
  std::string_view name;  // as libseccomp and the man pages spell it
  int error;              // errno returned to the caller
  ArgumentMatch match;
  std::uint32_t ioctl_request;  // only for ArgumentMatch::ioctl_request
  std::string_view reason;
};

// The deny list shared by both profiles, in a fixed order, for the filter
// builder, documentation and tests.
std::span<const DeniedSyscall> seccomp_deny_list();

// A BPF program for seccomp(SECCOMP_SET_MODE_FILTER).
struct SeccompProgram {
  SeccompProfile profile = SeccompProfile::agent;
  std::vector<sock_filter> instructions;
};

// Compiles the deny list for the native architecture. Fails when
// libseccomp does not know a syscall on the list or rejects a rule; the
// error names the call.
Result<SeccompProgram> build_seccomp_program(SeccompProfile profile);

// Installs `program` on the calling thread, or on all threads of the
// process for the supervisor profile. The caller must have set
// PR_SET_NO_NEW_PRIVS or hold CAP_SYS_ADMIN. Returns 0 or an errno value.
// Async-signal-safe: safe to call in a forked child of a multithreaded
// process.
int install_seccomp_program(const SeccompProgram& program);

// Confines the calling process (every thread) with the supervisor profile:
// builds the program, sets PR_SET_NO_NEW_PRIVS and installs it. The sandbox
// init and the tool proxy call it once their setup (mounts, namespaces) is
// done. Cannot be undone; a later call stacks another copy of the filter.
Result<bool> apply_supervisor_filter();

}  // namespace nucleus::sandbox
