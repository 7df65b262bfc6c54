// Kernel confinement of a command between fork and execve: capabilities
// dropped, no_new_privs, a Landlock ruleset and a seccomp filter. All of it
// is prepared in the parent (CommandConfinement). The child only makes raw
// syscalls, so the apply functions are async-signal-safe and do not
// allocate.
//
// Order in the child:
//   drop_capability_bounds: clear the ambient set, empty the bounding set
//   (the caller changes uid and gid here, if it does)
//   restrict_process: clear the effective, permitted and inheritable sets,
//   set no_new_privs, enforce Landlock, then install seccomp last
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp_filter.h"

namespace nucleus::sandbox {

// A view of prepared confinement, safe to read in a forked child. The
// descriptor and the program are owned by the code that built the view,
// usually a CommandConfinement.
struct Confinement {
  int landlock_ruleset_fd = -1;             // -1: no Landlock
  const SeccompProgram* seccomp = nullptr;  // nullptr: no seccomp filter
  int last_capability = -1;                 // -1: leave the bounding set as it is
  // Capabilities (bit n is capability n) left in the bounding, permitted
  // and effective sets; 0 drops all.
  std::uint64_t kept_capabilities = 0;
};

enum class ConfinementStep {
  none,
  clear_ambient,
  drop_bounding_set,
  clear_capabilities,
  no_new_privs,
  landlock,
  seccomp,
};

// The step that failed and its errno, or step none and error 0.
struct ConfinementStatus {
  ConfinementStep step = ConfinementStep::none;
  int error = 0;
  bool ok() const { return step == ConfinementStep::none; }
};

// Clears the ambient set and drops capabilities 0..last_capability from the
// bounding set. Call before changing uid, while CAP_SETPCAP is still held.
ConfinementStatus drop_capability_bounds(const Confinement& confinement);

// Limits the remaining capability sets to the kept ones (the inheritable
// set is cleared), sets no_new_privs, enforces the
// Landlock ruleset and installs the seccomp program. Call after changing
// uid and gid, right before execve.
ConfinementStatus restrict_process(const Confinement& confinement);

// Both of the above, for a child that keeps its uid.
ConfinementStatus apply_in_child(const Confinement& confinement);

// The call behind a step, such as "prctl(PR_CAPBSET_DROP)", for error
// messages.
std::string_view confinement_step_call(ConfinementStep step);

// Owns the Landlock ruleset and the seccomp program that a Confinement
// view points to. Built once, then shared by every command; not movable,
// because the view points into it.
class CommandConfinement {
 public:
  // Builds the agent seccomp program and a Landlock ruleset with
  // `writable_dirs` writable, and reads the highest capability number.
  // Children keep the capabilities in `kept_capabilities` (bit n is
  // capability n) that this process has in its effective set, and no
  // others.
  // Fails when the seccomp program cannot be built, a writable directory
  // cannot be opened or a Landlock call fails: a caller that asked for
  // confinement must not run commands without it. Two conditions are not
  // errors and log one warning per process each: a kernel without Landlock,
  // and a process without CAP_SETPCAP, whose children keep the bounding set.
  static Result<std::shared_ptr<const CommandConfinement>> prepare(const std::vector<std::string>& writable_dirs,
                                                                   std::uint64_t kept_capabilities = 0);

  CommandConfinement(const CommandConfinement&) = delete;
  CommandConfinement& operator=(const CommandConfinement&) = delete;

  const Confinement& confinement() const { return confinement_; }
  // 0 when the kernel has no Landlock.
  int landlock_abi() const { return landlock_.abi; }
  const std::vector<std::string>& writable_dirs() const { return writable_dirs_; }

 private:
  CommandConfinement() = default;

  SeccompProgram seccomp_;
  LandlockRuleset landlock_;
  std::vector<std::string> writable_dirs_;
  Confinement confinement_;
};

}  // namespace nucleus::sandbox
