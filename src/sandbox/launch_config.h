// Everything the nucleus-sandbox supervisor needs to launch one sandbox,
// written by the driver as <dir>/launch.json and read back by the
// supervisor. The file is the only channel between them, so a supervisor
// started again after a node restart reads exactly what the first one read.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "sandbox/driver.h"

namespace nucleus::sandbox {

// Ids inside the sandbox's user namespace. Host ids are uid_base + these.
inline constexpr uid_t kProxyUid = 0;
inline constexpr uid_t kAgentUid = 1000;
inline constexpr uid_t kIdRange = 65536;
// The egress bridge listens on this loopback port inside every sandbox.
inline constexpr std::uint16_t kEgressBridgePort = 3128;
// Fixed paths inside the sandbox.
inline constexpr const char* kRunDirInside = "/run/nucleus";

struct LaunchConfig {
  std::string id;
  std::string dir;       // the sandbox's host directory, absolute
  std::string work_dir;  // inside path of the workspace
  std::string root_dir;  // empty: the host's system directories
  Limits limits;
  uid_t uid_base = 0;    // host uid (and gid) of the sandbox's id 0
  std::string cgroup_parent;
  std::string proxy_binary;              // absolute host path
  std::vector<std::string> proxy_args;   // argv[1..] of the tool proxy
  bool egress = false;
};

std::string launch_config_to_json(const LaunchConfig& config);
// Rejects missing or mistyped fields, relative paths and ids outside the
// sandbox id alphabet, naming the field.
Result<LaunchConfig> launch_config_from_json(const std::string& text);

// Host-side layout of a sandbox directory.
struct Layout {
  explicit Layout(std::string sandbox_dir);
  std::string dir;
  std::string launch_file;   // launch.json
  std::string state_file;    // supervisor.json: pids and start times
  std::string exit_file;     // exit.json: written once the sandbox ended
  std::string log_file;      // sandbox.log
  std::string workspace;     // workspace/ (mount point when capped)
  std::string workspace_image;  // workspace.img
  std::string run_dir;       // run/ -> /run/nucleus
  std::string root_mount;    // root/: where the new root is assembled
};

}  // namespace nucleus::sandbox
