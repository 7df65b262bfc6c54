// A Landlock file system ruleset for sandboxed commands: read and execute
// everywhere, write, create, remove and truncate only beneath a list of
// directories, and read/write on the character devices a shell needs.
//
// The ruleset is built in the parent with the raw Landlock syscalls and
// kept as a descriptor. A forked child enforces it with one
// landlock_restrict_self() call. Access rights are masked to what the
// running kernel's Landlock ABI (1 to 7) supports, so older kernels enforce
// what they can. Network rules (ABI 4) are not used: the pod's network
// namespace confines the network.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace nucleus::sandbox {

// The Landlock ABI version of the running kernel, or 0 when the kernel has
// no Landlock or it is disabled (ENOSYS, EOPNOTSUPP).
int landlock_abi_version();

// LANDLOCK_ACCESS_FS_* rights that ABI `abi` knows: 13 rights in ABI 1,
// REFER from ABI 2, TRUNCATE from ABI 3, IOCTL_DEV from ABI 5. 0 for ABI 0.
std::uint64_t landlock_fs_rights(int abi);

// Paths that get read/write access to the files beneath them (character
// devices and pseudo-terminals), with create and remove rights for
// /dev/shm. Paths missing on this system are skipped.
const std::vector<std::string>& landlock_device_paths();

struct LandlockRuleset {
  UniqueFd fd;  // invalid when the kernel has no Landlock
  int abi = 0;  // 0 when the kernel has no Landlock
  bool supported() const { return fd.valid(); }
};

// Builds the ruleset. Every entry of `writable_dirs` must be an absolute
// path of an existing directory, on every kernel. A kernel without Landlock
// is not an error: the result is then unsupported(). Errors name the path
// or the call that failed.
Result<LandlockRuleset> build_landlock_ruleset(const std::vector<std::string>& writable_dirs);

// Enforces the ruleset on the calling thread; the caller must have set
// PR_SET_NO_NEW_PRIVS or hold CAP_SYS_ADMIN. Returns 0 or an errno value.
// Async-signal-safe.
int enforce_landlock_ruleset(int ruleset_fd);

}  // namespace nucleus::sandbox
