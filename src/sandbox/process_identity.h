// Naming a process so that a pid reused by the kernel is never mistaken
// for it: the pid plus its start time in clock ticks since boot (field 22
// of /proc/PID/stat). Used to re-adopt a sandbox after a node restart and
// to signal it without hitting an unrelated process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "common/unique_fd.h"

namespace nucleus::sandbox {

struct ProcessIdentity {
  pid_t pid = 0;
  std::uint64_t start_ticks = 0;
  friend bool operator==(const ProcessIdentity&, const ProcessIdentity&) = default;
};

// The identity of a live process; nullopt when it does not exist or has
// exited and waits to be reaped (a zombie).
std::optional<ProcessIdentity> identify(pid_t pid);

// A pidfd for `who`, verified after opening against the start time, so the
// descriptor refers to that very process. nullopt when it has exited.
std::optional<UniqueFd> open_verified_pidfd(const ProcessIdentity& who);

// Waits until the process behind `pidfd` exits or `timeout_ms` passes.
// True when it exited.
bool wait_pidfd(int pidfd, int timeout_ms);

int send_signal(int pidfd, int signal_number);

}  // namespace nucleus::sandbox
