// Dropping Linux capabilities in a forked child before it execs a command.
// The parent reads the kernel's highest capability number. The drop
// functions are raw syscalls, async-signal-safe, and return 0 or an errno
// value.
#pragma once

#include <cstdint>

#include "common/result.h"

namespace nucleus::sandbox {

// The highest capability number of the running kernel, read from
// /proc/sys/kernel/cap_last_cap. Without /proc it is found by probing the
// bounding set with PR_CAPBSET_READ.
Result<int> read_last_capability();

// The calling thread's effective set as a bit mask (bit n is capability
// n), or 0 when capget fails.
std::uint64_t effective_capabilities();

// A bit mask with the bit of `capability` set.
constexpr std::uint64_t capability_bit(int capability) { return std::uint64_t{1} << capability; }

// Clears the ambient set (PR_CAP_AMBIENT_CLEAR_ALL).
int clear_ambient_capabilities();

// Removes capabilities 0..last_capability from the bounding set, except
// those in `kept`, so no later execve can grant them. Needs CAP_SETPCAP.
int drop_bounding_set(int last_capability, std::uint64_t kept);

// Sets the effective and permitted sets to `kept` and clears the
// inheritable set with capset(). `kept` must be a subset of the permitted
// set.
int limit_capability_sets(std::uint64_t kept);

}  // namespace nucleus::sandbox
