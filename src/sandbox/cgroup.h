// Per-sandbox cgroups that carry the resource limits: memory, number of
// processes, CPU time. Works on cgroup v2 (one unified hierarchy with the
// memory, pids and cpu controllers) and on v1 hosts (one hierarchy per
// controller, as on this project's CI machine). Groups live at
// <fs_root>/[<controller>/]<parent>/<id>, outside the node's own group, so
// a node restart can find them by name.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "sandbox/driver.h"

namespace nucleus::sandbox {

enum class CgroupVersion { v1, v2 };

class Cgroup {
 public:
  virtual ~Cgroup() = default;

  // Creates the group (and its parent) and writes the limits. An existing
  // group of the same name is an error: ids are unique.
  static Result<std::unique_ptr<Cgroup>> create(const std::string& fs_root, const std::string& parent,
                                                const std::string& id, const Limits& limits);
  // The group of a sandbox created earlier, for reaping after a restart.
  // Nothing is checked or written; missing directories are fine.
  static Result<std::unique_ptr<Cgroup>> open(const std::string& fs_root, const std::string& parent,
                                              const std::string& id);
  // Which layout the host uses, from what is mounted at fs_root.
  static Result<CgroupVersion> detect(const std::string& fs_root);

  virtual CgroupVersion version() const = 0;
  // Moves a process (and on v1 all its threads) into the group.
  virtual Result<bool> add_process(pid_t pid) = 0;
  // The processes in the group now.
  virtual std::vector<pid_t> processes() const = 0;
  // SIGKILL to every process in the group until it is empty, for at most
  // a few seconds. True when the group ended up empty.
  virtual bool kill_all() = 0;
  // Removes the group's directories; missing ones are fine. Fails while
  // processes remain.
  virtual Result<bool> remove() = 0;
  // How many times the kernel's OOM killer killed a process in the group.
  virtual long oom_kills() const = 0;
};

}  // namespace nucleus::sandbox
