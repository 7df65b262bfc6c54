// The sandbox's pid 1. Cloned by the supervisor into new mount, pid, net,
// ipc and uts namespaces, still as host root, it:
//   1. sets the host name, brings up loopback (the only interface), builds
//      the root file system and pivots into it (rootfs.h);
//   2. waits until the supervisor has put it into the sandbox's cgroup,
//      then enters a new cgroup namespace;
//   3. enters a new user namespace, so every namespace above stays owned
//      by the host's and no capability inside can reconfigure them, and
//      becomes uid 0 there once the supervisor has written the id maps;
//   4. starts the tool proxy and, when the sandbox has egress, the
//      loopback bridge to the node's egress proxy;
//   5. reaps every orphan, forwards SIGTERM to every process in the
//      sandbox, and exits with the proxy's status when the proxy ends,
//      which makes the kernel kill everything left in the pid namespace.
#pragma once

#include "sandbox/launch_config.h"

namespace nucleus::sandbox {

// `sync_fd` is this end of the socket pair shared with the supervisor.
[[noreturn]] void run_init(const LaunchConfig& config, int sync_fd, int ready_fd);

// Messages on the sync socket pair.
inline constexpr char kSyncInCgroup = 'G';   // supervisor -> init
inline constexpr char kSyncUnshared = 'U';   // init -> supervisor
inline constexpr char kSyncMapped = 'M';     // supervisor -> init

}  // namespace nucleus::sandbox
