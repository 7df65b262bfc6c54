// Assembling a sandbox's root file system inside its fresh mount
// namespace, then switching to it with pivot_root and detaching the old
// root, so nothing of the host stays reachable except what is listed here:
//   /usr, /bin, /sbin, /lib* read-only from the system root (the host's "/"
//     or a root directory named for the sandbox);
//   /etc generated (passwd, group, hosts, resolv.conf, nsswitch.conf,
//     hostname) plus read-only CA certificates and the few system files
//     programs expect (ld.so.cache, alternatives, services, protocols);
//   the workspace read-write at work_dir; /run/nucleus for the proxy;
//   a size-capped /tmp; a fresh /proc; a minimal /dev.
// Every mount is nosuid and nodev (except the device nodes), and the root
// itself ends read-only. Runs in the single-threaded sandbox init as uid 0
// of the sandbox's user namespace.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace nucleus::sandbox {

struct RootfsPlan {
  std::string assemble_at;    // empty host directory where the new root is built
  std::string system_root;    // "/" or a host directory with usr, lib...
  std::string workspace;      // host directory, mounted read-write at work_dir
  std::string work_dir;       // absolute path inside
  std::string run_dir;        // host directory, mounted at /run/nucleus
  std::uint64_t tmp_bytes = 64ULL << 20;
  std::string hostname;
};

// On success the process's root and cwd are the new root.
Result<bool> build_rootfs(const RootfsPlan& plan);

// The generated /etc/passwd and /etc/group, for tests and docs.
std::string generated_passwd(const std::string& work_dir);
std::string generated_group();

}  // namespace nucleus::sandbox
