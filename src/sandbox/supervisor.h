// The supervisor: one small host process per sandbox, started detached by
// the driver as `nucleus-sandbox supervise DIR` with the ready pipe on fd
// 3. It creates the sandbox's cgroup, clones the sandbox's init into fresh
// mount, pid, net, ipc, uts (and then cgroup and user) namespaces, maps the
// sandbox's user ids, and waits. When the init ends it records why in
// exit.json, kills whatever is left in the cgroup and removes it. The init
// dies with its supervisor (PR_SET_PDEATHSIG), so a lost supervisor never
// leaves a sandbox running unsupervised.
#pragma once

#include <string>

namespace nucleus::sandbox {

// Returns the process exit status for the supervisor.
int run_supervisor(const std::string& sandbox_dir, int ready_fd);

// Mount point of the cgroup file systems. A v2 host has its unified
// hierarchy here.
inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

}  // namespace nucleus::sandbox
