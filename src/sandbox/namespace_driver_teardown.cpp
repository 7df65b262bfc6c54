// Ending sandboxes: stop, status, destroy, and finding what a previous
// node process left behind.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sandbox/cgroup.h"
#include "sandbox/launch_config.h"
#include "sandbox/namespace_driver.h"
#include "sandbox/remove_tree.h"
#include "sandbox/sandbox_id.h"
#include "sandbox/supervisor.h"
#include "sandbox/supervisor_records.h"
#include "sandbox/workspace_image.h"

namespace nucleus::sandbox {
namespace {

constexpr int kSupervisorCleanupMs = 10'000;

bool alive(const ProcessIdentity& who) {
  const auto now = identify(who.pid);
  return now && *now == who;
}

// SIGTERM, then SIGKILL after `grace`. SIGKILL to a pid namespace's init
// kills every process in the namespace.
void terminate(const ProcessIdentity& init, std::chrono::milliseconds grace) {
  auto pidfd = open_verified_pidfd(init);
  if (!pidfd) return;
  send_signal(pidfd->get(), SIGTERM);
  if (wait_pidfd(pidfd->get(), static_cast<int>(grace.count()))) return;
  send_signal(pidfd->get(), SIGKILL);
  wait_pidfd(pidfd->get(), kSupervisorCleanupMs);
}

Status to_status(const ExitRecord& record) {
  return Status{Phase::exited, record.exit_code, record.signal, record.reason};
}

}  // namespace

Result<Status> NamespaceDriver::reap_orphan(const std::string& id, const std::string& dir) {
  const Layout layout(dir);
  if (auto done = read_exit_record(layout.exit_file); done && done->has_value()) return to_status(**done);
  auto record = read_supervisor_record(layout.state_file);
  if (record && record->has_value() && (*record)->init) {
    if (auto pidfd = open_verified_pidfd(*(*record)->init)) send_signal(pidfd->get(), SIGKILL);
  }
  long oom_kills = 0;
  if (auto group = Cgroup::open(kCgroupRoot, options_.cgroup_parent, id)) {
    oom_kills = (*group)->oom_kills();
    (*group)->kill_all();
    if (auto removed = (*group)->remove(); !removed) spdlog::error("event=reap_failed sandbox={} error=\"{}\"", id, removed.error());
  }
  const ExitRecord exit{std::nullopt, SIGKILL, "supervisor lost; the sandbox was killed and reaped", oom_kills};
  if (auto written = write_exit_record(layout.exit_file, exit); !written) return make_error(written.error());
  spdlog::warn("event=sandbox_reaped sandbox={} reason=\"{}\"", id, exit.reason);
  return to_status(exit);
}

Result<Status> NamespaceDriver::status(const std::string& id) {
  auto dir = sandbox_dir(id);
  if (!dir) return make_error(dir.error());
  const Layout layout(*dir);
  if (::access(layout.launch_file.c_str(), F_OK) != 0) return make_error(fmt::format("no sandbox {}", id));
  auto done = read_exit_record(layout.exit_file);
  if (!done) return make_error(done.error());
  if (done->has_value()) return to_status(**done);
  auto record = read_supervisor_record(layout.state_file);
  if (!record) return make_error(record.error());
  if (!record->has_value()) {
    const bool started = ::access((layout.dir + "/started").c_str(), F_OK) == 0;
    return Status{started ? Phase::starting : Phase::created, {}, {}, ""};
  }
  if (alive((*record)->supervisor)) {
    return Status{(*record)->init ? Phase::running : Phase::starting, {}, {}, ""};
  }
  return reap_orphan(id, *dir);
}

Result<bool> NamespaceDriver::stop(const std::string& id, std::chrono::milliseconds grace) {
  auto dir = sandbox_dir(id);
  if (!dir) return make_error(dir.error());
  const Layout layout(*dir);
  auto current = status(id);
  if (!current) return make_error(current.error());
  if (current->phase == Phase::exited || current->phase == Phase::created) return true;
  if (std::ofstream marker(layout.dir + "/stop-requested"); !marker) {
    return make_error(fmt::format("sandbox {}: cannot write the stop marker", id));
  }
  auto record = read_supervisor_record(layout.state_file);
  if (!record || !record->has_value()) {
    // Started but the supervisor has not written its record yet.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    record = read_supervisor_record(layout.state_file);
    if (!record || !record->has_value()) return make_error(fmt::format("sandbox {}: supervisor not found", id));
  }
  const SupervisorRecord supervisor = **record;
  auto supervisor_fd = open_verified_pidfd(supervisor.supervisor);
  if (supervisor.init) {
    terminate(*supervisor.init, grace);
  } else if (supervisor_fd) {
    send_signal(supervisor_fd->get(), SIGTERM);
  }
  if (supervisor_fd) wait_pidfd(supervisor_fd->get(), kSupervisorCleanupMs + static_cast<int>(grace.count()));
  auto after = status(id);
  if (!after) return make_error(after.error());
  if (after->phase != Phase::exited) return make_error(fmt::format("sandbox {} did not stop", id));
  spdlog::info("event=sandbox_stopped sandbox={} reason=\"{}\"", id, after->reason);
  return true;
}

Result<bool> NamespaceDriver::destroy(const std::string& id) {
  auto dir = sandbox_dir(id);
  if (!dir) return make_error(dir.error());
  const Layout layout(*dir);
  if (::access(layout.dir.c_str(), F_OK) != 0) return true;
  if (::access(layout.launch_file.c_str(), F_OK) == 0) {
    if (auto stopped = stop(id, std::chrono::milliseconds(2000)); !stopped) return stopped;
  }
  if (auto unmounted = unmount_if_mounted(layout.workspace); !unmounted) return unmounted;
  if (auto group = Cgroup::open(kCgroupRoot, options_.cgroup_parent, id)) {
    (*group)->kill_all();
    if (auto removed = (*group)->remove(); !removed) return removed;
  }
  if (auto removed = remove_tree(layout.dir); !removed) return removed;
  {
    std::lock_guard lock(mutex_);
    ready_pipes_.erase(id);
  }
  spdlog::info("event=sandbox_destroyed sandbox={}", id);
  return true;
}

std::vector<std::string> NamespaceDriver::adopt() {
  std::vector<std::string> found;
  DIR* entries = ::opendir(options_.state_dir.c_str());
  if (entries == nullptr) return found;
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(entries)) {
    if (entry->d_name[0] != '.') names.emplace_back(entry->d_name);
  }
  ::closedir(entries);
  for (const auto& name : names) {
    if (!check_sandbox_id(name)) continue;
    auto dir = sandbox_dir(name);
    if (!dir) continue;
    const Layout layout(*dir);
    if (::access(layout.launch_file.c_str(), F_OK) != 0) {
      // A create that never finished: nothing ran, remove what it made.
      if (::access(layout.dir.c_str(), F_OK) == 0) {
        (void)unmount_if_mounted(layout.workspace);
        (void)remove_tree(layout.dir);
      }
      continue;
    }
    auto current = status(name);
    spdlog::info("event=sandbox_found sandbox={} phase={} reason=\"{}\"", name,
                 current ? static_cast<int>(current->phase) : -1, current ? current->reason : current.error());
    found.push_back(name);
  }
  return found;
}

}  // namespace nucleus::sandbox
