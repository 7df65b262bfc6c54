#include "sandbox/supervisor.h"
#include "common/file_text.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sandbox/cgroup.h"
#include "sandbox/launch_config.h"
#include "sandbox/ready_channel.h"
#include "sandbox/sandbox_init.h"
#include "sandbox/supervisor_records.h"

namespace nucleus::sandbox {
namespace {

constexpr int kStopGraceSeconds = 10;


bool write_proc_file(pid_t pid, const char* name, const std::string& text) {
  const std::string path = fmt::format("/proc/{}/{}", pid, name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

bool send_byte(int fd, char byte) { return ::send(fd, &byte, 1, MSG_NOSIGNAL) == 1; }

bool receive_byte(int fd, char expected) {
  char byte = 0;
  ssize_t n = 0;
  do {
    n = ::recv(fd, &byte, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n == 1 && byte == expected;
}

// Waits for the init to end, forwarding stop signals: SIGTERM first, then
// SIGKILL (which takes the whole pid namespace) after a grace period.
int wait_for_init(pid_t init) {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGALRM}) sigaddset(&signals, s);
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(init, &status, WNOHANG);
    if (done == init) return status;
    siginfo_t info{};
    const int signal_number = ::sigwaitinfo(&signals, &info);
    if (signal_number == SIGTERM || signal_number == SIGINT || signal_number == SIGHUP) {
      spdlog::info("event=stop_requested signal={}", signal_number);
      ::kill(init, SIGTERM);
      ::alarm(kStopGraceSeconds);
    } else if (signal_number == SIGALRM) {
      spdlog::warn("event=stop_escalated reason=\"grace period over\"");
      ::kill(init, SIGKILL);
    }
  }
}

ExitRecord describe_exit(int status, const Layout& layout, long oom_kills) {
  ExitRecord record;
  record.oom_kills = oom_kills;
  if (WIFEXITED(status)) {
    record.exit_code = WEXITSTATUS(status);
    record.reason = fmt::format("tool proxy exited with status {}", *record.exit_code);
  } else {
    record.signal = WTERMSIG(status);
    record.reason = fmt::format("sandbox init killed by signal {}", *record.signal);
  }
  if (::access((layout.dir + "/stop-requested").c_str(), F_OK) == 0) record.reason = "stopped: " + record.reason;
  if (oom_kills > 0) record.reason += fmt::format("; the OOM killer fired {} time(s)", oom_kills);
  return record;
}

// Maps the sandbox's ids 0..65535 to the host range that starts at base.
bool map_ids(pid_t child, uid_t base) {
  const std::string map = fmt::format("0 {} {}\n", base, kIdRange);
  return write_proc_file(child, "uid_map", map) && write_proc_file(child, "gid_map", map);
}

int fail(int ready_fd, const std::string& reason) {
  spdlog::error("event=launch_failed reason=\"{}\"", reason);
  report_launch_failure(ready_fd, reason);
  return 1;
}

// Everything after the clone, in the supervisor. Returns the init's wait
// status, or -1 when the handshake failed (the init was killed then).
int supervise_child(pid_t child, int sync_fd, const LaunchConfig& config, Cgroup& cgroup, int ready_fd,
                    const Layout& layout) {
  auto kill_child = [&](const std::string& reason) {
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    fail(ready_fd, reason);
    return -1;
  };
  if (auto added = cgroup.add_process(child); !added) return kill_child(added.error());
  if (!send_byte(sync_fd, kSyncInCgroup)) return kill_child("sandbox init ended before it was set up");
  if (!receive_byte(sync_fd, kSyncUnshared)) {
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;  // the init reported its own failure on the ready pipe
  }
  if (!map_ids(child, config.uid_base)) {
    return kill_child(fmt::format("cannot write the user id map of pid {}: {}", child, std::strerror(errno)));
  }
  if (!send_byte(sync_fd, kSyncMapped)) return kill_child("sandbox init ended during the id mapping");
  if (auto me = identify(::getpid()); me) {
    (void)write_supervisor_record(layout.state_file, SupervisorRecord{*me, identify(child)});
  }
  spdlog::info("event=sandbox_started sandbox={} init_pid={}", config.id, child);
  return wait_for_init(child);
}

}  // namespace

int run_supervisor(const std::string& sandbox_dir, int ready_fd) {
  ::signal(SIGPIPE, SIG_IGN);
  const Layout layout(sandbox_dir);
  auto config = launch_config_from_json(read_file_text(layout.launch_file));
  if (!config) return fail(ready_fd, config.error());
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %l supervisor " + config->id + " %v");
  if (auto me = identify(::getpid()); me) {
    if (auto ok = write_supervisor_record(layout.state_file, SupervisorRecord{*me, std::nullopt}); !ok) {
      return fail(ready_fd, ok.error());
    }
  }
  auto cgroup = Cgroup::create(kCgroupRoot, config->cgroup_parent, config->id, config->limits);
  if (!cgroup) return fail(ready_fd, cgroup.error());

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    (void)(*cgroup)->remove();
    return fail(ready_fd, std::string("socketpair: ") + std::strerror(errno));
  }
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGALRM}) sigaddset(&blocked, s);
  ::sigprocmask(SIG_BLOCK, &blocked, nullptr);

  constexpr unsigned long kFlags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
  const long child = ::syscall(SYS_clone, kFlags | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (child == 0) {
    ::close(pair[0]);
    run_init(*config, pair[1], ready_fd);
  }
  ::close(pair[1]);
  if (child < 0) {
    ::close(pair[0]);
    (void)(*cgroup)->remove();
    return fail(ready_fd, std::string("clone: ") + std::strerror(errno));
  }
  const int status = supervise_child(static_cast<pid_t>(child), pair[0], *config, **cgroup, ready_fd, layout);
  ::close(pair[0]);

  const long oom_kills = (*cgroup)->oom_kills();
  ExitRecord record = status < 0 ? ExitRecord{std::nullopt, SIGKILL, "launch failed", oom_kills}
                                 : describe_exit(status, layout, oom_kills);
  if (!(*cgroup)->kill_all()) spdlog::error("event=cgroup_not_empty sandbox={}", config->id);
  if (auto removed = (*cgroup)->remove(); !removed) spdlog::error("event=cgroup_remove_failed error=\"{}\"", removed.error());
  if (auto written = write_exit_record(layout.exit_file, record); !written) {
    spdlog::error("event=exit_record_failed error=\"{}\"", written.error());
  }
  spdlog::info("event=sandbox_exited sandbox={} reason=\"{}\"", config->id, record.reason);
  // If the proxy never became ready, the driver is still waiting to hear why.
  report_launch_failure(ready_fd, "sandbox ended before its tool proxy was ready: " + record.reason);
  return 0;
}

}  // namespace nucleus::sandbox
